"""Scripted judges for the `rubric` scorer tests, run as `python:` models.

They read the criterion and the reply under review out of the grading
prompt: a criterion is met when every word it quotes ('water') is in the
reply. A criterion containing GARBLED always gets an unusable reply, one
containing FLAKY gets one on the first attempt only. Every call is recorded.
"""

import asyncio
import json
import re

CALLS: list = []
IN_FLIGHT = {"now": 0, "max": 0}

_CRITERION = re.compile(r"Criterion, worth (-?[\d.]+) points:\n(.*?)\n\nHow to decide", re.S)
_REPLY = re.compile(r"assistant: ([^\n]*)\n\nCriterion, worth", re.S)


def first_prompt(prompt):
    """The grading prompt: the text itself, or the first turn of a repair conversation."""
    return prompt if isinstance(prompt, str) else prompt[0]["content"]


def criterion_of(prompt):
    return _CRITERION.search(first_prompt(prompt)).group(2)


def verdict(prompt):
    text = first_prompt(prompt)
    criterion = criterion_of(prompt)
    reply = _REPLY.search(text).group(1)
    words = re.findall(r"'([^']+)'", criterion)
    met = bool(words) and all(w in reply for w in words)
    return {"explanation": f"looked for {', '.join(words)}", "criteria_met": met}


def keywords(prompt):
    CALLS.append(prompt)
    return json.dumps(verdict(prompt))


def yes_no(prompt):
    """Verdicts as "yes"/"no" strings inside a fenced block with prose around it."""
    CALLS.append(prompt)
    answer = verdict(prompt)
    answer["criteria_met"] = "yes" if answer["criteria_met"] else "no"
    return f"My verdict:\n```json\n{json.dumps(answer)}\n```\nDone."


def troubled(prompt):
    """GARBLED criteria never get a usable verdict; FLAKY ones only after a repair."""
    CALLS.append(prompt)
    criterion = criterion_of(prompt)
    if "GARBLED" in criterion:
        return '{"explanation": "unsure", "criteria_met": "perhaps"}'
    if "FLAKY" in criterion and isinstance(prompt, str):
        return "The reply seems fine to me."
    return json.dumps(verdict(prompt))


def always_met(prompt):
    CALLS.append(prompt)
    return '{"explanation": "it does", "criteria_met": true}'


async def slow(prompt):
    """Counts how many calls are in flight at once."""
    CALLS.append(prompt)
    IN_FLIGHT["now"] += 1
    IN_FLIGHT["max"] = max(IN_FLIGHT["max"], IN_FLIGHT["now"])
    try:
        await asyncio.sleep(0.05)
    finally:
        IN_FLIGHT["now"] -= 1
    return json.dumps(verdict(prompt))
