"""Reference-free checks of a support assistant's answers, used as `python:` scorers."""

from __future__ import annotations

import re
import time

_ORDER = re.compile(r"order (\d+)")


def mentions_order(sample, output) -> bool:
    """The answer names the order the customer asked about."""
    match = _ORDER.search(sample.input_text)
    return match is not None and match.group(1) in output.text


def polite(sample, output) -> bool:
    """The answer thanks the customer or apologises."""
    text = output.text.lower()
    return "thank" in text or "sorry" in text


def slow_polite(sample, output) -> bool:
    """`polite`, taking a little time, as a judge would (so two processes overlap)."""
    time.sleep(0.02)
    return polite(sample, output)


def judge_answers(prompt: str) -> str:
    """A `python:` judge: 5 when the answer says where the order is, else 1."""
    rating = 5 if "left our warehouse" in prompt else 1
    return f'{{"explanation": "judged on the answer", "rating": {rating}}}'
