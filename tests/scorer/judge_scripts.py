"""Scripted judges for the `judge` scorer tests, run as `python:` models."""

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
