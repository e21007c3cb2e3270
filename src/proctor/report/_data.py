"""What a report shows, read from the store: the run, its figures, its samples.

`overview` gathers the small things (the run record, overall figures, slice
figures grouped by metric). `sample_rows` streams the samples one at a time
while a `ScoreTally` counts what the histograms need, so a run of any size is
read once, the store's `CHUNK` rows at a time, never whole.

Nothing here formats for a page: rows carry plain values, and every string in
them is untrusted (inputs, outputs, explanations) for the renderer to escape.
"""

from __future__ import annotations

import json
import math
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from proctor.metrics import MetricValue
    from proctor.store import RunRecord, SampleRecord, ScoreRecord, Store

__all__ = [
    "Criterion",
    "JurorRating",
    "Overview",
    "SampleRow",
    "ScoreCell",
    "ScoreTally",
    "SliceGroup",
    "input_text",
    "overview",
    "plain_text",
    "sample_rows",
]

TEXT_LIMIT = 20_000
"""Characters kept of one text (input, output, explanation) in a report's rows: enough to
read any answer, while one runaway output cannot make the file huge."""


@dataclass(frozen=True, slots=True)
class SliceGroup:
    """One metric's figures over the values of one slice key (`exact_match/mean` by topic)."""

    name: str  # scorer/metric
    key: str
    overall: MetricValue | None
    figures: list[MetricValue]


@dataclass(frozen=True, slots=True)
class Overview:
    """The run and its stored figures: overall first, then the slices grouped."""

    run: RunRecord
    metrics: list[MetricValue]
    slices: list[SliceGroup]


@dataclass(frozen=True, slots=True)
class Criterion:
    """One rubric criterion as the judge graded it (`met` None: left ungraded)."""

    text: str
    points: float | None
    met: bool | None
    explanation: str | None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class JurorRating:
    """One juror's rating in a jury (`error` when its verdict was unusable)."""

    juror: str
    rating: Any
    reason: str | None
    error: bool = False


@dataclass(frozen=True, slots=True)
class ScoreCell:
    """One scorer's verdict on one sample and epoch, or its error."""

    scorer: str
    value: bool | int | float | str | None
    explanation: str | None
    answer: str | None
    source: str
    annotator: str | None
    prompt: str | None  # the judge prompt's name and hash (`judge_v1:1a2b3c4d5e6f`)
    error: str | None
    criteria: tuple[Criterion, ...] = ()
    jurors: tuple[JurorRating, ...] = ()


@dataclass(frozen=True, slots=True)
class SampleRow:
    """One sample and epoch as a report's table shows it."""

    sample_id: str
    epoch: int
    input: str  # the prompt, or the last user message of a chat
    turns: int  # non-system messages in a chat input (1 for a plain prompt)
    output: str | None
    target: str | None
    error: str | None
    latency_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    cached: bool
    slices: dict[str, str]
    scores: tuple[ScoreCell, ...]


@dataclass
class ScoreTally:
    """Per-scorer counts over every sample of a run, filled while rows stream by.

    `values` keeps the numeric values (True as 1.0) compactly in `array('d')`;
    `labels` counts string values; `binary` stays True while every value is a bool.
    """

    values: dict[str, array] = field(default_factory=dict)
    labels: dict[str, Counter[str]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    binary: dict[str, bool] = field(default_factory=dict)
    slice_values: dict[str, set[str]] = field(default_factory=dict)
    records: int = 0
    with_errors: int = 0

    def add(self, record: SampleRecord, slices: dict[str, str]) -> None:
        self.records += 1
        if record.error is not None or any(s.error for s in record.scores):
            self.with_errors += 1
        for key, value in slices.items():
            self.slice_values.setdefault(key, set()).add(value)
        for score in record.scores:
            if score.source == "human":
                continue  # the histograms show the scorers' own distributions, as the metrics
            name = score.scorer
            if score.error is not None:
                self.errors[name] += 1
                continue
            value = score.value
            if isinstance(value, bool | int | float):
                number = float(value)
                if math.isfinite(number):
                    self.values.setdefault(name, array("d")).append(number)
                    self.binary[name] = self.binary.get(name, True) and isinstance(value, bool)
            elif isinstance(value, str):
                self.labels.setdefault(name, Counter())[value] += 1

    def scorers(self) -> list[str]:
        """Every scorer seen, in the order first seen."""
        names = [*self.values, *self.labels, *self.errors]
        return list(dict.fromkeys(names))


def overview(store: Store, run_id: str) -> Overview:
    """The run `run_id` (an id or a unique prefix) with its figures."""
    run = store.get_run(run_id)
    figures = store.get_metrics(run.id)
    overall = [m for m in figures if m.slice_key is None]
    by_name = {m.name: m for m in overall}
    groups: dict[tuple[str, str], SliceGroup] = {}
    for m in figures:
        if m.slice_key is None:
            continue
        name = f"{m.scorer}/{m.metric}"
        group = groups.get((name, m.slice_key))
        if group is None:
            group = SliceGroup(name, m.slice_key, by_name.get(name), [])
            groups[(name, m.slice_key)] = group
        group.figures.append(m)
    return Overview(run, overall, list(groups.values()))


def plain_text(value: Any, limit: int = TEXT_LIMIT) -> str | None:
    """Stored text as a string: JSON for structures, targets joined, clipped at `limit`."""
    if value is None:
        return None
    if not isinstance(value, str):
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = " | ".join(value)  # several acceptable targets
        else:
            value = json.dumps(value, ensure_ascii=False)
    if len(value) > limit:
        return f"{value[:limit]}… [{len(value) - limit:,} more characters]"
    return value


def input_text(value: Any) -> tuple[str, int]:
    """`(text, turns)`: a plain prompt as it is (1 turn); a chat as its last user message,
    with the number of its messages other than system prompts."""
    if isinstance(value, list):
        turns = sum(1 for m in value if not (isinstance(m, dict) and m.get("role") == "system"))
        for message in reversed(value):
            if isinstance(message, dict) and message.get("role") == "user":
                return plain_text(message.get("content")) or "", turns
        return plain_text(value) or "", turns
    return plain_text(value) or "", 1


def _number(value: Any) -> float | None:
    """A finite number, else None (JSON, and so the page, has no NaN or infinity)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _criteria(items: Any) -> tuple[Criterion, ...]:
    if not isinstance(items, list):
        return ()
    found = []
    for item in items:
        if not isinstance(item, dict):
            continue
        points = item.get("points")
        met = item.get("met")
        tags = item.get("tags")
        found.append(
            Criterion(
                text=plain_text(item.get("criterion")) or "",
                points=_number(points),
                met=met if isinstance(met, bool) else None,
                explanation=plain_text(item.get("explanation")),
                tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
            )
        )
    return tuple(found)


def _jurors(meta: dict[str, Any]) -> tuple[JurorRating, ...]:
    ratings = meta.get("ratings")
    if not isinstance(ratings, dict):
        return ()
    reasons = meta.get("explanations") if isinstance(meta.get("explanations"), dict) else {}
    errors = meta.get("errors") if isinstance(meta.get("errors"), dict) else {}
    return tuple(
        JurorRating(
            juror=str(juror),
            rating=rating
            if isinstance(rating, bool | str) or (_number(rating) is not None)
            else plain_text(rating),
            reason=plain_text(errors.get(juror) or reasons.get(juror)),
            error=juror in errors,
        )
        for juror, rating in ratings.items()
    )


def _cell(score: ScoreRecord) -> ScoreCell:
    meta = score.metadata if isinstance(score.metadata, dict) else {}
    value = score.value
    if isinstance(value, float) and not math.isfinite(value):
        value = None  # the page shows it as missing
    prompt = meta.get("prompt")
    return ScoreCell(
        scorer=score.scorer,
        value=value,
        explanation=plain_text(score.explanation),
        answer=plain_text(score.answer, 2_000),
        source=score.source,
        annotator=score.annotator,
        prompt=prompt if isinstance(prompt, str) else None,
        error=plain_text(score.error),
        criteria=_criteria(meta.get("criteria")),
        jurors=_jurors(meta),
    )


def _slices(record: SampleRecord, keys: list[str]) -> dict[str, str]:
    found = {}
    for key in keys:
        value = record.metadata.get(key) if isinstance(record.metadata, dict) else None
        if value is not None:
            found[key] = str(value)
    return found


def sample_rows(
    store: Store, run: RunRecord, tally: ScoreTally, *, limit: int | None = None
) -> Iterator[SampleRow]:
    """The run's samples and epochs in order, as rows; every one is counted in `tally`.

    With `limit`, only the first `limit` rows are yielded, but the iteration goes
    on to the end so that `tally` (the histograms) covers the whole run. Exhaust
    the iterator before reading `tally`.
    """
    keys = list(run.slices)
    for record in store.iter_samples(run.id):
        slices = _slices(record, keys)
        tally.add(record, slices)
        if limit is not None and tally.records > limit:
            continue
        text, turns = input_text(record.input)
        yield SampleRow(
            sample_id=record.sample_id,
            epoch=record.epoch,
            input=text,
            turns=turns,
            output=plain_text(record.output),
            target=plain_text(record.target),
            error=plain_text(record.error),
            latency_ms=_number(record.latency_ms),
            input_tokens=record.input_tokens,
            output_tokens=record.output_tokens,
            cached=record.cached,
            slices=slices,
            scores=tuple(_cell(s) for s in record.scores),
        )
