"""Synthetic production traffic of a support assistant whose quality drops for one day.

`answer` is the system under test: a deterministic function of the question
and the time it is asked. Between `BAD_START` and `BAD_END` (a bad deploy,
rolled back the next day) it mostly forgets to name the customer's order and
to thank them. `write_traffic` logs a week of its calls in the plain format.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

DAY0 = datetime(2024, 5, 1, tzinfo=UTC)
BAD_START = DAY0 + timedelta(days=3)
BAD_END = DAY0 + timedelta(days=4)
TOPICS = ("billing", "shipping", "returns", "account")


def answer(question: str, when: datetime, rng: random.Random) -> str:
    """The assistant's answer; worse between BAD_START and BAD_END."""
    order = question.split("order ")[1].split("?")[0]
    bad = BAD_START <= when < BAD_END
    if rng.random() < (0.35 if bad else 0.97):
        return f"Thank you for asking. Your order {order} left our warehouse and arrives soon."
    return "It is on its way."


def traffic(*, days: int = 6, per_day: int = 60, seed: int = 0) -> list[dict]:
    """`days` × `per_day` calls, one every few minutes from DAY0, in the plain format."""
    rng = random.Random(seed)
    records = []
    for day in range(days):
        for i in range(per_day):
            when = DAY0 + timedelta(days=day, minutes=10 + i * 20)
            number = 10_000 + day * 1_000 + i
            question = f"Hello, where is my order {number}? Reach me at c{number}@example.com."
            text = answer(question, when, rng)
            records.append(
                {
                    "id": f"call-{day}-{i}",
                    "timestamp": when.isoformat(),
                    "input": [{"role": "user", "content": question}],
                    "output": text,
                    "metadata": {"topic": TOPICS[i % len(TOPICS)]},
                    "model": "support-v7",
                    "usage": {"input_tokens": 20 + i % 5, "output_tokens": 8 + i % 3},
                    "latency_ms": 300 + (i % 7) * 40,
                }
            )
    return records


def write_traffic(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


BENCHMARK = """\
name: support-online
description: The support assistant's production answers, checked daily.
dataset:
  traffic: support-bot
  sample: {{rate: {rate}, seed: 11}}
scorers:
  - name: python:support_checks:{check}
    as: mentions_order
  - name: python:support_checks:polite
    as: polite
slices: [topic]
online:
  window: 1d
  price_input: 0.5
  price_output: 1.5
"""


def write_benchmark(path: Path, *, rate: float = 0.8, check: str = "mentions_order") -> Path:
    path.write_text(BENCHMARK.format(rate=rate, check=check), encoding="utf-8")
    return path
