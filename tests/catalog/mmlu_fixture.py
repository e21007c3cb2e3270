"""A tiny MMLU-shaped data set written for Proctor's tests, in both official layouts.

The questions are our own; only the file layouts follow MMLU's releases.
"""

from __future__ import annotations

import csv
from pathlib import Path

QUESTIONS = {
    "astronomy": {
        "test": [
            ("Which planet is closest to the Sun?", ["Venus", "Mercury", "Mars", "Earth"], "B"),
            ("What is the Moon?", ["A star", "A planet", "A natural satellite", "A comet"], "C"),
            (
                "Which star is at the centre of our solar system?",
                ["The Sun", "Sirius", "Polaris", "Vega"],
                "A",
            ),
        ],
        "dev": [
            ("How many planets orbit the Sun?", ["Seven", "Eight", "Nine", "Ten"], "B"),
            ("What is the largest planet?", ["Saturn", "Neptune", "Jupiter", "Mars"], "C"),
            ("Which planet has prominent rings?", ["Saturn", "Mercury", "Venus", "Earth"], "A"),
            (
                "What do we call a group of stars forming a pattern?",
                ["A galaxy", "A nebula", "A planet", "A constellation"],
                "D",
            ),
            ("Which planet is called the red planet?", ["Mars", "Venus", "Uranus", "Mercury"], "A"),
        ],
    },
    "anatomy": {
        "test": [
            ("Which organ pumps blood?", ["The lungs", "The heart", "The liver", "The skin"], "B"),
            (
                "How many bones are in an adult human body, roughly?",
                ["About 50", "About 100", "About 206", "About 1000"],
                "C",
            ),
        ],
        "dev": [
            ("Which organ is used for breathing?", ["Lungs", "Kidneys", "Heart", "Stomach"], "A"),
            ("Where is the femur?", ["Arm", "Skull", "Leg", "Chest"], "C"),
            ("Which organ filters blood?", ["Brain", "Kidney", "Lung", "Bone"], "B"),
            ("What protects the brain?", ["Ribs", "Pelvis", "Spine", "Skull"], "D"),
            ("Which sense uses the eyes?", ["Sight", "Smell", "Taste", "Hearing"], "A"),
        ],
    },
}


def write_original(root: Path) -> Path:
    """The original release: dev/ val/ test/ folders of headerless CSV files."""
    for subject, splits in QUESTIONS.items():
        for split, rows in splits.items():
            folder = root / split
            folder.mkdir(parents=True, exist_ok=True)
            with (folder / f"{subject}_{split}.csv").open("w", newline="") as f:
                writer = csv.writer(f)
                for question, choices, answer in rows:
                    writer.writerow([question, *choices, answer])
    return root


def write_huggingface(root: Path) -> Path:
    """The cais/mmlu layout: a folder per subject of parquet files (answer as an index)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for subject, splits in QUESTIONS.items():
        folder = root / subject
        folder.mkdir(parents=True, exist_ok=True)
        for split, rows in splits.items():
            table = pa.table(
                {
                    "question": [q for q, _, _ in rows],
                    "subject": [subject] * len(rows),
                    "choices": [c for _, c, _ in rows],
                    "answer": pa.array(["ABCD".index(a) for _, _, a in rows], type=pa.int64()),
                }
            )
            pq.write_table(table, folder / f"{split}-00000-of-00001.parquet")
    return root
