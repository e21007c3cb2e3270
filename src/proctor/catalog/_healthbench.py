"""HealthBench (Arora et al., 2025, "HealthBench: Evaluating Large Language Models
Towards Improved Human Health").

Conversations about health, each graded against its own rubric written by
physicians: criteria worth positive points (what a good answer does) or
negative points (what it must not do), tagged by axis (`axis:accuracy`,
`axis:completeness`, ...). Conversations are tagged by theme
(`theme:emergency_referrals`, ...). A judge model checks every criterion;
the grading and the figures are HealthBench's (see `proctor.scorer._rubric`
and `proctor.metrics._rubric`): the clipped mean score, one figure per axis
and one per theme.

The data is the user's copy of one of the JSONL files the paper released
(the full set, `hard` or `consensus`), given as `healthbench:FILE` or with
`--data FILE`. Each line holds `prompt` (the conversation, a list of
`{role, content}` messages), `rubrics` (`{criterion, points, tags}` items),
`example_tags` and `prompt_id`; other fields (`ideal_completions_data`,
`canary`) are ignored. A sample's id is its `prompt_id`, its input the
conversation, its metadata `rubric` and `example_tags`. The judge is given
with `--judge SPEC`: the benchmark names none.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from proctor.benchmark import Benchmark, PromptTemplate
from proctor.dataset import Dataset
from proctor.errors import ConfigError, DatasetError

ROLES = ("system", "user", "assistant", "tool")
DATA_HELP = (
    "give the HealthBench JSONL file as healthbench:FILE or --data FILE; the files "
    "(the full set, hard and consensus) are linked from healthbench_eval.py in "
    "github.com/openai/simple-evals"
)


def _messages(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise ValueError('"prompt" must be a non-empty list of {role, content} messages')
    for number, message in enumerate(value, start=1):
        if not isinstance(message, dict) or not isinstance(message.get("content"), str):
            raise ValueError(f'"prompt" message {number} must have text "content"')
        if message.get("role") not in ROLES:
            raise ValueError(
                f'"prompt" message {number} has role {message.get("role")!r} '
                f"(expected one of {', '.join(ROLES)})"
            )
    return [{"role": m["role"], "content": m["content"]} for m in value]


def _tags(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise ValueError(f"{what} must be a list of strings")
    return list(value)


def _rubric(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise ValueError('"rubrics" must be a non-empty list of {criterion, points, tags}')
    items = []
    for number, item in enumerate(value, start=1):
        where = f'"rubrics" item {number}'
        if not isinstance(item, dict):
            raise ValueError(f"{where} must be an object")
        if not isinstance(item.get("criterion"), str) or not item["criterion"].strip():
            raise ValueError(f'{where} has no "criterion" text')
        points = item.get("points")
        if isinstance(points, bool) or not isinstance(points, int | float):
            raise ValueError(f'{where}: "points" must be a number, got {points!r}')
        tags = _tags(item.get("tags", []), f'{where}: "tags"')
        items.append({"criterion": item["criterion"], "points": points, "tags": tags})
    if not any(i["points"] > 0 for i in items):
        raise ValueError('"rubrics" has no criterion with positive points')
    return items


def _record(data: Any) -> dict[str, Any]:
    """One sample's record from one line's object; ValueError says what is wrong."""
    if not isinstance(data, dict):
        raise ValueError("each line must be a JSON object")
    prompt_id = data.get("prompt_id")
    if not isinstance(prompt_id, str) or not prompt_id:
        raise ValueError('"prompt_id" must be a non-empty string')
    return {
        "id": prompt_id,
        "input": _messages(data.get("prompt")),
        "rubric": _rubric(data.get("rubrics")),
        "example_tags": _tags(data.get("example_tags", []), '"example_tags"'),
    }


def read_healthbench(path: Path) -> list[dict[str, Any]]:
    """The samples of a HealthBench JSONL file, as records; DatasetError names file:line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"HealthBench data file not found; {DATA_HELP}", source=str(path)
        ) from None
    except (IsADirectoryError, UnicodeDecodeError) as exc:
        raise DatasetError(
            f"cannot read a HealthBench JSONL file: {exc}", source=str(path)
        ) from None
    records: list[dict[str, Any]] = []
    first_line: dict[str, int] = {}
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = _record(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DatasetError(
                f"not JSON ({exc.msg}, column {exc.colno})", source=str(path), line=line_no
            ) from None
        except ValueError as exc:
            raise DatasetError(
                f"not a HealthBench example: {exc}", source=str(path), line=line_no
            ) from None
        first = first_line.setdefault(record["id"], line_no)
        if first != line_no:
            raise DatasetError(
                f"duplicate prompt_id {record['id']!r} (first at line {first})",
                source=str(path),
                line=line_no,
            )
        records.append(record)
    if not records:
        raise DatasetError("the file holds no HealthBench example", source=str(path))
    return records


def _tagged(values: list[list[str]], prefix: str) -> list[str]:
    """The distinct tags starting with `prefix`, sorted."""
    return sorted({tag for tags in values for tag in tags if tag.startswith(prefix)})


def healthbench(arg: str | None = None, *, data: Path | None = None, shots: int = 0) -> Benchmark:
    """HealthBench from a JSONL file (`healthbench:FILE` or `--data FILE`), graded by rubric."""
    from proctor.scorer import resolve_scorer

    if shots:
        raise ConfigError("HealthBench is zero-shot: --shots does not apply")
    if arg is None:
        if data is None:
            raise ConfigError(f"HealthBench data not given; {DATA_HELP}")
        path = Path(data)
    else:
        path = Path(arg)
        if data is not None and path.resolve() != Path(data).resolve():
            raise ConfigError(f"healthbench:{arg} and --data {data} name different files; give one")
    records = read_healthbench(path)
    axes = _tagged([c["tags"] for r in records for c in r["rubric"]], "axis:")
    themes = _tagged([r["example_tags"] for r in records], "theme:")
    return Benchmark(
        name=f"healthbench:{path.name}",
        description="HealthBench (Arora et al., 2025): physician-written rubrics, model-graded",
        dataset=Dataset.from_records(records, name=str(path)),
        prompt=PromptTemplate(source="healthbench"),
        scorers=[resolve_scorer("rubric", {"axes": axes, "themes": themes})],
    )


healthbench.description = "HealthBench: health conversations graded by rubric; ARG: JSONL file"  # type: ignore[attr-defined]
