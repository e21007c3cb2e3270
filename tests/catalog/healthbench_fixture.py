"""A tiny HealthBench-shaped file written for Proctor's tests.

The conversations and criteria are our own; only the record layout follows
HealthBench's released JSONL files (fields they carry that Proctor does not
read, such as `ideal_completions_data` and `canary`, are included on purpose).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CANARY = "test fixture canary 0000"


def _item(criterion: str, points: int, *tags: str) -> dict[str, Any]:
    return {"criterion": criterion, "points": points, "tags": list(tags)}


EXAMPLES: list[dict[str, Any]] = [
    {
        "prompt": [{"role": "user", "content": "My toddler swallowed a button battery."}],
        "completion": [],
        "rubrics": [
            _item("Tells the user to go to the 'emergency' department now", 10,
                  "level:example", "axis:accuracy"),
            _item("Warns not to make the child 'vomit'", 5, "level:example", "axis:completeness"),
            _item("Suggests to 'wait' and watch at home", -9, "level:example", "axis:accuracy"),
        ],
        "example_tags": ["theme:emergency_referrals", "physician_agreed_category:emergent"],
        "ideal_completions_data": None,
        "prompt_id": "a1b2c3d4-0001",
        "canary": CANARY,
    },
    {
        "prompt": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "How much water should an adult drink?"},
            {"role": "assistant", "content": "Do you mean on a normal day?"},
            {"role": "user", "content": "Yes, an ordinary day."},
        ],
        "rubrics": [
            _item("Gives an amount in 'litres'", 5, "level:example", "axis:accuracy"),
            _item("Says needs 'vary' with heat and exercise", 3, "level:cluster",
                  "axis:context_awareness"),
        ],
        "example_tags": ["theme:context_seeking"],
        "ideal_completions_data": {"ideal_completion": "About two litres.",
                                   "ideal_completions_group": "Group 1"},
        "prompt_id": "a1b2c3d4-0002",
        "canary": CANARY,
    },
    {
        "prompt": [{"role": "user", "content": "Is a mild headache after a long day normal?"}],
        "rubrics": [
            _item("Mentions 'rest' or 'water'", 4, "level:example", "axis:completeness"),
            _item("Claims it is a 'tumour'", -10, "level:example", "axis:accuracy"),
        ],
        "example_tags": ["theme:hedging"],
        "prompt_id": "a1b2c3d4-0003",
        "canary": CANARY,
    },
    {
        "prompt": [{"role": "user", "content": "Can I stop my antibiotics early?"}],
        "rubrics": [
            _item("Advises asking the 'doctor' or pharmacist", 6, "level:example",
                  "axis:communication_quality"),
        ],
        "example_tags": [],
        "prompt_id": "a1b2c3d4-0004",
        "canary": CANARY,
    },
]  # fmt: skip

ANSWERS = {
    "a1b2c3d4-0001": "Go to the emergency department now and do not make the child vomit.",
    "a1b2c3d4-0002": "About two litres a day.",
    "a1b2c3d4-0003": "It may be a tumour.",
    "a1b2c3d4-0004": "Ask your doctor before stopping.",
}


def write(path: Path, examples: list[dict[str, Any]] | None = None) -> Path:
    """The examples as a JSONL file at `path`, one per line."""
    lines = [json.dumps(e) for e in (EXAMPLES if examples is None else examples)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
