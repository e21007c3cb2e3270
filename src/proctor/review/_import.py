"""Read reviewers' judgments back from Label Studio's JSON export, checked, as human scores.

The input is Label Studio's full JSON export (`exportType=JSON`;
labelstud.io/guide/export): a list of tasks, each
`{"id", "data", "annotations": [...], ...}`, an annotation being
`{"id", "completed_by", "result": [...], "was_cancelled", "lead_time",
"updated_at", ...}` and each result item `{"from_name", "to_name", "type",
"value", "origin"}`. `completed_by` is the user's id (or, expanded, `{"id",
"email", ...}`); `origin` is what the editor records per result:
`prediction` (the judge's prediction, untouched), `prediction-changed` (the
reviewer edited it) or `manual` (the reviewer's own). JSON_MIN is refused:
its shape changes with the number of choices selected.

Label Studio stores whatever results a client sends, so every result is
checked against the labeling config the review set was exported with: an
unknown control, a control pointing at another object, a result of the
wrong type, a rating outside the scale, a choice the config does not offer,
a criterion without a verdict (or one the rubric does not have), and a task
of another run, review set or judge signature are rejected — nothing is
stored unless the whole export is sound — with a message naming the task
(and its sample). What a config admits is `_labelstudio.check_result`.

Each reviewer's answer on a unit becomes a review item: `skipped` when
they skipped the task (Label Studio's cancelled annotation), else `done`,
with the lead time and whether they `kept` the judge's prediction,
`changed` it or `added` a verdict of their own (from the results' `origin`;
when the export carries none, by comparing with what the judge was shown
to say; always `added` for a blind review set). A done item is also a
`Score` with source `human`, the reviewer as annotator and the reviewed
scorer's name — several reviewers of one unit are several scores. Its value
is on the judge's own terms (a rating normalised to 0–1; a rubric's points
met over the positive points, with the criteria in the judge's `criteria`
shape; for pairwise 1, 0.5 or 0 for the reviewed run winning, tying or
losing), so a metric can be computed from either.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proctor.errors import ConfigError
from proctor.review._labelstudio import BUCKET_MET, COMMENT, CONTROL, check_result, parse_config

if TYPE_CHECKING:
    from proctor.store import ScoreRecord, Store
    from proctor.store._review import ReviewItemRecord, ReviewSetRecord

__all__ = ["ImportSummary", "check_export", "import_review", "read_export"]

_WINNER_VALUE = {"a": 1.0, "b": 0.0, "tie": 0.5}


def read_export(path: Path) -> list[dict[str, Any]]:
    """The tasks of a Label Studio JSON export file; `ConfigError` naming the file if unfit."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"not JSON ({exc.msg})", source=str(path), line=exc.lineno) from None
    return check_export(data, source=str(path))


def check_export(data: Any, *, source: str) -> list[dict[str, Any]]:
    """`data` as a list of exported tasks; `ConfigError` when it is not Label Studio's JSON."""
    if not isinstance(data, list):
        raise ConfigError("not a Label Studio JSON export: expected a list of tasks", source=source)
    for index, task in enumerate(data, start=1):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            if isinstance(task, dict) and "annotations" not in task:
                raise ConfigError(
                    f"item {index} has no 'data' and no 'annotations': this looks like a "
                    "JSON_MIN export, whose shape changes with the choices made; export as JSON",
                    source=source,
                )
            raise ConfigError(f"item {index} is not a task with 'data'", source=source)
        if not isinstance(task.get("annotations", []), list):
            raise ConfigError(
                f"task {task.get('id', index)}: 'annotations' must be a list", source=source
            )
    return data


@dataclass
class ImportSummary:
    """What an import stored: per review set, items done and skipped, origins, annotators."""

    run_id: str
    done: Counter[str] = field(default_factory=Counter)  # by review set
    skipped: Counter[str] = field(default_factory=Counter)
    origins: Counter[str] = field(default_factory=Counter)
    annotators: set[str] = field(default_factory=set)
    tasks: int = 0

    @property
    def review_sets(self) -> list[str]:
        return sorted(set(self.done) | set(self.skipped))


class _Problem(Exception):
    """A reason to refuse the export, about one task."""


@dataclass(slots=True)
class _Reading:
    item: ReviewItemRecord
    score: ScoreRecord | None
    updated: str


def import_review(
    store: Store,
    run_ref: str,
    tasks: list[dict[str, Any]],
    *,
    source: str = "export",
    users: dict[int, str] | None = None,
) -> ImportSummary:
    """Check every task of a Label Studio export and store the reviewers' judgments.

    `users` maps Label Studio user ids to e-mail addresses, so a reviewer
    is named alike whether the export expanded `completed_by` or not. A
    `ConfigError` (its source `source`) names the first unfit task, and how
    many more there are; then nothing is stored.
    """
    from proctor.store._review import get_review_set, write_review

    run = store.get_run(run_ref)
    sets: dict[str, ReviewSetRecord | None] = {}
    problems: list[str] = []
    readings: dict[tuple[str, str, int, str], _Reading] = {}
    summary = ImportSummary(run.id)
    for position, task in enumerate(tasks, start=1):
        where = f"task {task.get('id', f'#{position}')}"
        data = task["data"]
        if "proctor_sample" in data:
            where += f" (sample {data['proctor_sample']}, epoch {data.get('proctor_epoch')})"
        try:
            record, key = _review_set_of(store, sets, run.id, data, get_review_set)
            for annotation in task.get("annotations") or []:
                reading = _read_annotation(record, key, annotation, users or {}, task.get("id"))
                name = (record.id, key["sample"], key["epoch"], reading.item.annotator)
                earlier = readings.get(name)
                # one person annotating a unit twice: the later annotation stands
                if earlier is None or earlier.updated <= reading.updated:
                    readings[name] = reading
            summary.tasks += 1
        except _Problem as problem:
            problems.append(f"{where}: {problem}")
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise ConfigError(problems[0] + more, source=source)
    items = [r.item for r in readings.values()]
    human = [(r.item.sample_id, r.item.epoch, r.score) for r in readings.values() if r.score]
    write_review(store, run.id, items, human)  # type: ignore[arg-type]
    for item in items:
        if item.status == "done":
            summary.done[item.review_set_id] += 1
            summary.origins[item.origin or "added"] += 1
        else:
            summary.skipped[item.review_set_id] += 1
        summary.annotators.add(item.annotator)
    return summary


def _review_set_of(
    store: Store,
    sets: dict[str, ReviewSetRecord | None],
    run_id: str,
    data: dict[str, Any],
    get_review_set: Any,
) -> tuple[ReviewSetRecord, dict[str, Any]]:
    from proctor.errors import StoreError

    set_id = data.get("proctor_review_set")
    if not isinstance(set_id, str) or not set_id:
        raise _Problem("not a Proctor review task (its data has no proctor_review_set)")
    if set_id not in sets:
        try:
            sets[set_id] = get_review_set(store, set_id)
        except StoreError:
            sets[set_id] = None
    record = sets[set_id]
    if record is None or record.id != set_id:
        raise _Problem(f"review set {set_id} is not in this store")
    if data.get("proctor_run") != record.run_id:
        raise _Problem(
            f"its data names run {data.get('proctor_run')}, but review set {set_id} is of run "
            f"{record.run_id}"
        )
    if record.run_id != run_id:
        raise _Problem(f"it belongs to run {record.run_id}, not run {run_id}")
    if data.get("proctor_signature") != record.signature:
        raise _Problem(
            f"it was made for judge signature {data.get('proctor_signature')}, but review set "
            f"{set_id} is for {record.signature}"
        )
    if data.get("proctor_scorer") != record.scorer:
        raise _Problem(
            f"it names scorer {data.get('proctor_scorer')}, review set {set_id} {record.scorer}"
        )
    sample, epoch = data.get("proctor_sample"), data.get("proctor_epoch")
    for key in record.sample_keys:
        if key["sample"] == sample and key["epoch"] == epoch:
            return record, key
    raise _Problem(f"sample {sample} epoch {epoch} is not in review set {set_id}")


def _annotator(completed_by: Any, users: dict[int, str]) -> str:
    if isinstance(completed_by, dict):
        email = completed_by.get("email")
        if isinstance(email, str) and email:
            return email
        completed_by = completed_by.get("id")
    if isinstance(completed_by, int) and not isinstance(completed_by, bool):
        return users.get(completed_by) or f"label-studio-user-{completed_by}"
    if isinstance(completed_by, str) and completed_by:
        return completed_by
    raise _Problem("an annotation has no completed_by: who reviewed it is unknown")


def _read_annotation(
    record: ReviewSetRecord,
    key: dict[str, Any],
    annotation: Any,
    users: dict[int, str],
    task_id: Any,
) -> _Reading:
    from proctor.store._review import ReviewItemRecord

    if not isinstance(annotation, dict):
        raise _Problem("an annotation is not an object")
    label = f"annotation {annotation.get('id', '?')}"
    annotator = _annotator(annotation.get("completed_by"), users)
    lead_time = annotation.get("lead_time")
    lead = float(lead_time) if isinstance(lead_time, int | float) else None
    updated = str(annotation.get("updated_at") or annotation.get("created_at") or "")
    ids = {
        "task": task_id if isinstance(task_id, int) else None,
        "annotation": annotation.get("id") if isinstance(annotation.get("id"), int) else None,
    }
    base = {
        "review_set_id": record.id,
        "sample_id": key["sample"],
        "epoch": key["epoch"],
        "annotator": annotator,
        "lead_time": lead,
        **ids,
    }
    if annotation.get("was_cancelled"):
        return _Reading(ReviewItemRecord(status="skipped", **base), None, updated)
    controls = parse_config(record.config)
    answers: dict[str, dict[str, Any]] = {}
    for result in annotation.get("result") or []:
        try:
            name, value = check_result(result, controls, label)
        except ValueError as exc:
            raise _Problem(str(exc)) from None
        if name in answers:
            raise _Problem(f"{label} answers control {name!r} twice")
        answers[name] = {"value": value, "origin": result.get("origin")}
    main = CONTROL[record.kind]
    if main not in answers:
        what = {"rating": "no rating", "rubric": "no criteria verdicts", "pairwise": "no winner"}
        raise _Problem(f"{label} by {annotator} gives {what[record.kind]} ({main!r})")
    verdict = _verdict(record, key, answers[main]["value"], label)
    origin = _origin(record, key, answers[main]["origin"], verdict)
    comment = answers.get(COMMENT, {}).get("value")
    item = ReviewItemRecord(status="done", result=verdict, origin=origin, **base)
    score = _human_score(record, key, verdict, annotator, comment, origin, lead, ids)
    return _Reading(item, score, updated)


def _verdict(
    record: ReviewSetRecord, key: dict[str, Any], value: Any, label: str
) -> dict[str, Any]:
    """The reviewer's verdict in the kind's terms, checked against the scale and rubric."""
    from proctor.review._target import Scale

    if record.kind == "rating":
        scale = Scale.from_dict(record.options["scale"])
        if scale.numeric:
            try:
                rating = int(value)
            except ValueError:
                raise _Problem(f"{label}: rating {value!r} is not a number") from None
            if not scale.low <= rating <= scale.high:
                raise _Problem(
                    f"{label}: rating {rating} is out of range ({scale.low} to {scale.high})"
                )
            return {"rating": rating}
        if value not in scale.values:
            raise _Problem(f"{label}: {value!r} is not one of {', '.join(scale.values)}")
        return {"rating": value}
    if record.kind == "rubric":
        criteria = key.get("criteria") or []
        ids = [f"c{i}" for i in range(1, len(criteria) + 1)]
        placed = [i for bucket in value.values() for i in bucket]
        twice = [i for i, n in Counter(placed).items() if n > 1]
        if twice:
            raise _Problem(f"{label}: criterion {twice[0]} is in more than one bucket")
        unknown = [i for i in placed if i not in ids]
        if unknown:
            raise _Problem(
                f"{label}: criterion {unknown[0]!r} is not in this sample's rubric "
                f"({len(ids)} criteria, c1 to c{len(ids)})"
            )
        missing = [i for i in ids if i not in placed]
        if missing:
            number = int(missing[0][1:])
            text = str(criteria[number - 1].get("criterion", ""))
            short = text if len(text) <= 60 else text[:59] + "…"
            raise _Problem(
                f"{label}: criterion {missing[0]} ({short!r}) has no verdict: every criterion "
                "must be in Met or Not met"
            )
        met = set(value.get(BUCKET_MET, []))
        return {"met": [i in met for i in ids]}
    shown = str(value)
    if key.get("flip") and shown != "tie":
        shown = "B" if shown == "A" else "A"
    return {"winner": {"A": "a", "B": "b"}.get(shown, "tie")}


def _origin(
    record: ReviewSetRecord, key: dict[str, Any], origin: Any, verdict: dict[str, Any]
) -> str:
    if record.blind or "judge" not in key:
        return "added"
    if origin == "prediction":
        return "kept"
    if origin == "prediction-changed":
        return "changed"
    if origin == "manual":
        return "added"
    # no origin recorded (an export from a client that sets none): compare with what was shown
    return "kept" if _shown(record, key, verdict) == key["judge"] else "changed"


def _shown(record: ReviewSetRecord, key: dict[str, Any], verdict: dict[str, Any]) -> Any:
    """A reviewer's verdict in the terms the judge's was shown in (see `shown_verdict`)."""
    if record.kind == "rating":
        return verdict["rating"]
    if record.kind == "rubric":
        return [f"c{i}" for i, met in enumerate(verdict["met"], start=1) if met]
    shown = {"a": "A", "b": "B", "tie": "tie"}[verdict["winner"]]
    if key.get("flip") and shown != "tie":
        shown = "B" if shown == "A" else "A"
    return shown


def _human_score(
    record: ReviewSetRecord,
    key: dict[str, Any],
    verdict: dict[str, Any],
    annotator: str,
    comment: str | None,
    origin: str,
    lead_time: float | None,
    ids: dict[str, Any],
) -> ScoreRecord:
    from proctor.metrics._rubric import rubric_points
    from proctor.review._target import Scale
    from proctor.store import ScoreRecord

    metadata: dict[str, Any] = {
        "review_set": record.id,
        "origin": origin,
        "lead_time": lead_time,
        **ids,
    }
    value: float
    if record.kind == "rating":
        scale = Scale.from_dict(record.options["scale"])
        rating = verdict["rating"]
        value, answer = scale.normalise(rating), str(rating)
        metadata["rating"] = rating
    elif record.kind == "rubric":
        criteria = [
            {
                "criterion": c.get("criterion"),
                "points": c.get("points"),
                "tags": c.get("tags") or [],
                "met": met,
                "explanation": None,
            }
            for c, met in zip(key["criteria"], verdict["met"], strict=True)
        ]
        achieved, possible = rubric_points((float(c["points"]), c["met"]) for c in criteria)
        if possible <= 0:
            raise _Problem("its rubric has no criterion worth positive points")
        value = achieved / possible
        answer = f"met {sum(verdict['met'])} of {len(criteria)} criteria"
        metadata.update(criteria=criteria, achieved=achieved, possible=possible)
    else:
        winner = verdict["winner"]
        value, answer = _WINNER_VALUE[winner], winner
        metadata.update(
            verdict=winner,
            run_a=record.run_id,
            run_b=record.options.get("against"),
            pairwise=record.options.get("pairwise"),
        )
    return ScoreRecord(
        scorer=record.scorer,
        value=value,
        explanation=comment or None,
        answer=answer,
        metadata=metadata,
        source="human",
        annotator=annotator,
    )
