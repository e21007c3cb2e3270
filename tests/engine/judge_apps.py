"""A tiny `python:` model used as a judge by the engine tests."""

CALLS = []


def judge(prompt, sample=None):
    CALLS.append(prompt)
    return "yes" if "correct" in prompt else "no"
