"""Scripted judges for the review tests, run as `python:` models.

Answers carry their quality as a number ("quality 4: ..."), so a judge can
be written in a line. The rubric judge meets a criterion when every word it
quotes ('refund') is in the reply.
"""

import json
import re

_ANSWER = re.compile(r"The assistant's answer:\n(.*?)\n\n", re.S)
_PAIR = re.compile(r"\[Answer ([AB]) begins\]\n(.*?)\n\[Answer \1 ends\]", re.S)
_CRITERION = re.compile(r"Criterion, worth (-?[\d.]+) points:\n(.*?)\n\nHow to decide", re.S)
_REPLY = re.compile(r"assistant: ([^\n]*)\n\nCriterion, worth", re.S)


def _text(prompt):
    return prompt if isinstance(prompt, str) else prompt[0]["content"]


def quality(answer: str) -> int:
    match = re.search(r"quality (\d+)", answer)
    return int(match.group(1)) if match else 1


def rate(prompt):
    """Rates the answer at its quality, 1 to 5."""
    rating = min(5, max(1, quality(_ANSWER.search(_text(prompt)).group(1))))
    return json.dumps({"explanation": "read the quality", "rating": rating})


def harsh(prompt):
    """One point below `rate`."""
    rating = min(5, max(1, quality(_ANSWER.search(_text(prompt)).group(1)) - 1))
    return json.dumps({"explanation": "strict", "rating": rating})


def label(prompt):
    """bad (quality 1-2), ok (3), good (4-5)."""
    q = quality(_ANSWER.search(_text(prompt)).group(1))
    return json.dumps(
        {"explanation": "sorted", "rating": "bad" if q <= 2 else "ok" if q == 3 else "good"}
    )


def rubric(prompt):
    text = _text(prompt)
    criterion = _CRITERION.search(text).group(2)
    reply = _REPLY.search(text).group(1)
    words = re.findall(r"'([^']+)'", criterion)
    met = bool(words) and all(w in reply for w in words)
    return json.dumps({"explanation": f"looked for {', '.join(words)}", "criteria_met": met})


def prefer(prompt):
    """Prefers the higher quality, whichever comes first; equal quality is a tie."""
    shown = dict(_PAIR.findall(_text(prompt)))
    a, b = quality(shown["A"]), quality(shown["B"])
    return json.dumps(
        {"explanation": "compared", "winner": "A" if a > b else "B" if b > a else "tie"}
    )


def first_shown(prompt):
    """Always prefers the answer shown first."""
    return json.dumps({"explanation": "the first", "winner": "A"})
