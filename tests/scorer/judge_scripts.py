"""Scripted judges for the `judge` scorer tests, run as `python:` models."""

import asyncio
import json
import re

CALLS: list = []


def good(prompt):
    CALLS.append(prompt)
    return '{"explanation": "clear and correct", "rating": 4}'


def fenced(prompt):
    CALLS.append(prompt)
    return 'Here is my verdict:\n```json\n{"explanation": "fine", "rating": "5"}\n```\nThanks.'


def bad_then_good(prompt):
    CALLS.append(prompt)
    if isinstance(prompt, str):  # the first attempt: a plain prompt
        return "I think the answer is quite good."
    return '{"explanation": "repaired", "rating": 2}'


def always_bad(prompt):
    CALLS.append(prompt)
    return '{"explanation": "out of range", "rating": 9}'


def label(prompt):
    CALLS.append(prompt)
    return '{"explanation": "partly right", "rating": "Partial"}'


# --- jurors: each rates the same answers its own way -----------------------

_TOPIC = re.compile(r"Explain topic (\d+)")


def _verdict(rating, explanation="as I see it"):
    return json.dumps({"explanation": explanation, "rating": rating})


def strict(prompt):
    """Rates topics 0, 1, 2 as 1, 2, 4."""
    CALLS.append(prompt)
    return _verdict([1, 2, 4][int(_TOPIC.search(prompt).group(1))], "strict")


def lenient(prompt):
    """Rates topics 0, 1, 2 as 2, 3, 5: one point above `strict` everywhere."""
    CALLS.append(prompt)
    return _verdict([2, 3, 5][int(_TOPIC.search(prompt).group(1))], "lenient")


def also_good(prompt):
    CALLS.append(prompt)
    return _verdict(4, "good too")


def two(prompt):
    CALLS.append(prompt)
    return _verdict(2, "weak")


def right(prompt):
    CALLS.append(prompt)
    return _verdict("Right", "right")


def wrong(prompt):
    CALLS.append(prompt)
    return _verdict("Wrong", "wrong")


def broken(prompt):
    CALLS.append(prompt)
    raise RuntimeError("judge backend down")


PEERS = {"in_flight": 0, "most": 0}


async def _overlapping(rating):
    PEERS["in_flight"] += 1
    PEERS["most"] = max(PEERS["most"], PEERS["in_flight"])
    await asyncio.sleep(0.05)
    PEERS["in_flight"] -= 1
    return _verdict(rating)


async def slow_three(prompt):
    return await _overlapping(3)


async def slow_five(prompt):
    return await _overlapping(5)
