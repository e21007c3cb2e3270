"""Scripted judges for the pairwise tests, run as `python:` models.

Each reads the two answers out of the packaged prompt. Answers carry their
quality as a number ("quality 3: ..."), so a fair judge can be written in a
line, and one that is not fair can be too.
"""

import asyncio
import json
import re

CALLS: list = []
IN_FLIGHT = {"now": 0, "max": 0}

_ANSWER = re.compile(r"\[Answer ([AB]) begins\]\n(.*?)\n\[Answer \1 ends\]", re.S)


def answers(prompt) -> dict[str, str]:
    text = prompt if isinstance(prompt, str) else prompt[0]["content"]
    return dict(_ANSWER.findall(text))


def quality(answer: str) -> int:
    match = re.search(r"quality (\d+)", answer)
    return int(match.group(1)) if match else 0


def verdict(winner: str, why: str = "compared") -> str:
    return json.dumps({"explanation": why, "winner": winner})


def fair(prompt):
    """Prefers the higher quality, whichever comes first; equal quality is a tie."""
    CALLS.append(prompt)
    return _fair(prompt)


def _fair(prompt):
    shown = answers(prompt)
    a, b = quality(shown["A"]), quality(shown["B"])
    return verdict("A" if a > b else "B" if b > a else "tie", f"quality {a} against {b}")


def first_shown(prompt):
    """Always prefers the answer shown first: pure position bias."""
    CALLS.append(prompt)
    return verdict("A", "the first one")


def fenced_lowercase(prompt):
    """Fair, but wraps the JSON in prose and a fence and writes the winner in lower case."""
    shown = answers(prompt)
    a, b = quality(shown["A"]), quality(shown["B"])
    winner = "a" if a > b else "b" if b > a else "TIE"
    return "My verdict:\n```json\n" + verdict(winner) + "\n```"


def ties_when_best_is_second(prompt):
    """Names the better answer when it is shown first, says "tie" when it is shown second."""
    shown = answers(prompt)
    a, b = quality(shown["A"]), quality(shown["B"])
    return verdict("A" if a > b else "tie")


def garbled_on_quality_1(prompt):
    """Fair, except that it never gives a usable reply when an answer has quality 1."""
    CALLS.append(prompt)
    shown = answers(prompt)
    if "quality 1" in shown["A"] + shown["B"]:
        return "I cannot decide."
    return _fair(prompt)


def crashes(prompt):
    raise RuntimeError("judge backend down")


async def slow_fair(prompt):
    IN_FLIGHT["now"] += 1
    IN_FLIGHT["max"] = max(IN_FLIGHT["max"], IN_FLIGHT["now"])
    try:
        await asyncio.sleep(0.02)
        return _fair(prompt)
    finally:
        IN_FLIGHT["now"] -= 1


def custom(prompt):
    """For a custom prompt of the form 'left=... right=...'."""
    CALLS.append(prompt)
    left = re.search(r"left=(.*?) right=", prompt).group(1)
    right = re.search(r"right=(.*)$", prompt, re.S).group(1)
    return verdict("A" if quality(left) > quality(right) else "B")
