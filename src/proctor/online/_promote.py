"""`promote`: turn a run's failing cases into benchmark samples, with their provenance.

    report = promote(store, "3f2a", "cases.jsonl", options=PromoteOptions(
        where=("judge/score < 0.5",), limit=20))

A condition is `SCORER[/score] OP NUMBER` (OP one of < <= > >= == !=): the
sample's score by that scorer, averaged over epochs, numbers and booleans
only (True is 1); several conditions must all hold. The selected samples,
worst first by the first condition, are appended to a JSONL dataset as

    {"id": "support-bot-req-17", "input": ..., "target": "", "topic": "billing",
     "provenance": {"source": "support-bot", "record_id": "req-17", "window": "2024-05-03",
                    "timestamp": ..., "run_id": ..., "selected_by": ["judge/score < 0.5"],
                    "scores": {"judge": 0.25}, "output": "what production answered"}}

with the reference answer left empty, to be written by an expert; the
production metadata stays at the top level, so the benchmark's slices keep
working. A case whose input is already in the dataset (same text or
messages, whatever its id) is skipped, so promoting twice adds nothing.
Appending changes the dataset's content hash: `Dataset.from_file(...).version`.

`review=True` also writes a Label Studio review set beside the dataset: the
tasks (`<name>.review-<time>.json`, one per promoted case, showing the input
and production's answer) and the labeling config (`.xml`, a text area for
the reference answer). The review package reviews judges' verdicts; this set
asks for references, so it is written here, in Label Studio's task format.
"""

from __future__ import annotations

import hashlib
import json
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proctor.errors import ConfigError

if TYPE_CHECKING:
    from proctor.store import SampleRecord, Store

__all__ = ["Condition", "PromoteOptions", "PromoteReport", "parse_condition", "promote"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_CONDITION = re.compile(r"^\s*(?P<name>.+?)\s*(?P<op><=|>=|==|!=|<|>)\s*(?P<value>\S+)\s*$")
_RESERVED = {"id", "input", "target", "choices", "provenance"}


@dataclass(frozen=True)
class Condition:
    """`scorer op value`, on one sample's score."""

    scorer: str
    op: str
    value: float
    text: str

    def holds(self, score: float) -> bool:
        return _OPS[self.op](score, self.value)


def parse_condition(text: str) -> Condition:
    """`"judge/score < 0.5"` as a `Condition`; `ConfigError` saying how to write one."""
    match = _CONDITION.match(text)
    if match is None:
        raise ConfigError(
            f'--where {text!r}: write SCORER[/score] OP NUMBER, e.g. "judge/score < 0.5"'
        )
    name = match.group("name")
    name = name.removesuffix("/score")
    try:
        value = float(match.group("value"))
    except ValueError:
        raise ConfigError(f"--where {text!r}: {match.group('value')!r} is not a number") from None
    return Condition(name, match.group("op"), value, text.strip())


@dataclass(frozen=True)
class PromoteOptions:
    """What to select and how the dataset names its fields."""

    where: tuple[str, ...]
    limit: int | None = None
    review: bool = False
    input_field: str = "input"
    target_field: str = "target"


@dataclass
class PromoteReport:
    """What a promotion did."""

    dataset: Path
    run_id: str
    selected: int = 0
    added: int = 0
    duplicates: int = 0
    version_before: str | None = None
    version_after: str | None = None
    added_ids: list[str] = field(default_factory=list)
    review_tasks: Path | None = None
    review_config: Path | None = None


def promote(
    store: Store, run_ref: str, to: str | Path, *, options: PromoteOptions
) -> PromoteReport:
    """Append the run's samples meeting every `where` condition to the JSONL dataset `to`."""
    if not options.where:
        raise ConfigError('give at least one --where condition, e.g. "judge/score < 0.5"')
    if options.limit is not None and options.limit < 1:
        raise ConfigError("--limit must be at least 1")
    conditions = [parse_condition(text) for text in options.where]
    run = store.get_run(run_ref)
    names = {entry["name"] for entry in run.scorers}
    for condition in conditions:
        if condition.scorer not in names:
            raise ConfigError(
                f"--where {condition.text!r}: run {run.id} has no scorer {condition.scorer!r} "
                f"(its scorers: {', '.join(sorted(names))})"
            )
    path = Path(to)
    report = PromoteReport(dataset=path, run_id=run.id)
    chosen = _select(store, run.id, conditions)
    if options.limit is not None:
        chosen = chosen[: options.limit]
    report.selected = len(chosen)
    seen_inputs, seen_ids, report.version_before = _existing(path, options)
    lines = []
    for values, record in chosen:
        key = _input_key(record.input)
        line = _case(run.id, record, conditions, values, options)
        if key in seen_inputs or line["id"] in seen_ids:
            report.duplicates += 1
            continue
        seen_inputs.add(key)
        seen_ids.add(line["id"])
        lines.append(line)
    if lines:
        _append(path, lines)
    report.added = len(lines)
    report.added_ids = [line["id"] for line in lines]
    report.version_after = _version(path, options) if path.exists() else None
    if options.review and lines:
        report.review_tasks, report.review_config = _write_review(path, lines, options)
    return report


def _select(
    store: Store, run_id: str, conditions: list[Condition]
) -> list[tuple[list[float], SampleRecord]]:
    """The samples meeting every condition, worst first by the first one."""
    chosen: list[tuple[list[float], SampleRecord]] = []
    current: list[SampleRecord] = []

    def consider(group: list[SampleRecord]) -> None:
        if not group or all(r.error is not None for r in group):
            return
        values = []
        for condition in conditions:
            scores = [
                float(s.value)
                for r in group
                for s in r.scores
                if s.scorer == condition.scorer
                and s.error is None
                and s.source != "human"
                and isinstance(s.value, bool | int | float)
            ]
            if not scores:
                return
            value = sum(scores) / len(scores)
            if not condition.holds(value):
                return
            values.append(value)
        chosen.append((values, group[0]))

    for record in store.iter_samples(run_id):
        if current and record.sample_id != current[0].sample_id:
            consider(current)
            current = []
        current.append(record)
    consider(current)
    first = conditions[0]
    descending = first.op in (">", ">=")
    chosen.sort(key=lambda item: -item[0][0] if descending else item[0][0])
    return chosen


def _input_key(value: Any) -> str:
    """What makes two cases the same: their input, text or messages, canonically hashed."""
    if isinstance(value, list | tuple):
        value = [
            m if isinstance(m, dict) else {"role": m.role, "content": m.content} for m in value
        ]
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fields(options: PromoteOptions) -> Any:
    from proctor.dataset import FieldMap

    return FieldMap(
        input=None if options.input_field == "input" else options.input_field,
        target=None if options.target_field == "target" else options.target_field,
    )


def _existing(path: Path, options: PromoteOptions) -> tuple[set[str], set[str], str | None]:
    """The inputs and ids already in the dataset, and its version; empty for a new file."""
    from proctor.dataset import Dataset

    if not path.exists() or path.stat().st_size == 0:
        return set(), set(), None
    dataset = Dataset.from_file(path, format="jsonl", fields=_fields(options))
    inputs = {_input_key(sample.input) for sample in dataset}
    return inputs, set(dataset.all_ids()), dataset.version


def _version(path: Path, options: PromoteOptions) -> str:
    from proctor.dataset import Dataset

    return Dataset.from_file(path, format="jsonl", fields=_fields(options)).version


def _case(
    run_id: str,
    record: SampleRecord,
    conditions: list[Condition],
    values: list[float],
    options: PromoteOptions,
) -> dict[str, Any]:
    traffic = (record.output_extra or {}).get("traffic") or {}
    source = traffic.get("source")
    case_id = f"{source}-{record.sample_id}" if source else f"{run_id}-{record.sample_id}"
    line: dict[str, Any] = {
        "id": case_id,
        options.input_field: record.input,
        options.target_field: "",
    }
    for key, value in (record.metadata or {}).items():
        if key not in _RESERVED and key not in line:
            line[key] = value
    line["provenance"] = {
        "source": source,
        "record_id": traffic.get("record_id", record.sample_id),
        "window": traffic.get("window"),
        "timestamp": traffic.get("timestamp"),
        "run_id": run_id,
        "selected_by": [c.text for c in conditions],
        "scores": {c.scorer: v for c, v in zip(conditions, values, strict=True)},
        "output": record.output,
    }
    return line


def _append(path: Path, lines: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    needs_newline = False
    if path.exists() and path.stat().st_size > 0:
        with path.open("rb") as handle:
            handle.seek(-1, 2)
            needs_newline = handle.read(1) != b"\n"
    with path.open("a", encoding="utf-8") as handle:
        if needs_newline:
            handle.write("\n")
        for line in lines:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")


def _transcript(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "\n\n".join(f"{m['role']}: {m['content']}" for m in value)


_CONFIG = """<View>
  <Header value="Production case $case_id ($source, window $window)"/>
  <Text name="input" value="$input"/>
  <Header value="What production answered (selected by: $selected_by)"/>
  <Text name="output" value="$output"/>
  <Header value="Write the reference answer"/>
  <TextArea name="reference" toName="input" editable="true" maxSubmissions="1" rows="6"
            required="true" placeholder="The answer this case should get"/>
</View>
"""


def _write_review(
    path: Path, lines: list[dict[str, Any]], options: PromoteOptions
) -> tuple[Path, Path]:
    """Label Studio tasks (`[{"data": {...}}]`) and the labeling config for the cases."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    tasks_path = path.with_name(f"{path.stem}.review-{stamp}.json")
    config_path = path.with_name(f"{path.stem}.review-{stamp}.xml")
    tasks = []
    for line in lines:
        provenance = line["provenance"]
        tasks.append(
            {
                "data": {
                    "case_id": line["id"],
                    "input": _transcript(line[options.input_field]),
                    "output": provenance.get("output") or "",
                    "source": provenance.get("source") or "",
                    "window": provenance.get("window") or "",
                    "selected_by": "; ".join(provenance["selected_by"]),
                    "dataset": str(path),
                }
            }
        )
    tasks_path.write_text(json.dumps(tasks, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    config_path.write_text(_CONFIG, encoding="utf-8")
    return tasks_path, config_path
