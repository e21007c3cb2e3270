"""Hand-written Label Studio exports: tasks as `proctor review export` wrote them, with
annotations in the full JSON export format (labelstud.io/guide/export)."""

from __future__ import annotations

import copy
import itertools
from typing import Any

_IDS = itertools.count(1)


def rating(value: Any, *, origin: str | None = None) -> dict[str, Any]:
    return _with_origin(
        {"from_name": "rating", "to_name": "answer", "type": "rating", "value": {"rating": value}},
        origin,
    )


def choice(value: Any, *, name: str = "rating", to: str = "answer", origin: str | None = None):
    return _with_origin(
        {"from_name": name, "to_name": to, "type": "choices", "value": {"choices": [value]}},
        origin,
    )


def winner(value: str, *, origin: str | None = None) -> dict[str, Any]:
    return choice(value, name="winner", to="conversation", origin=origin)


def criteria(met: list[str], every: list[str], *, origin: str | None = None) -> dict[str, Any]:
    buckets = {"met": list(met), "not_met": [c for c in every if c not in met]}
    return _with_origin(
        {
            "from_name": "verdicts",
            "to_name": "criteria",
            "type": "ranker",
            "value": {"ranker": buckets},
        },
        origin,
    )


def note(text: str, *, to: str = "answer") -> dict[str, Any]:
    return {"from_name": "comment", "to_name": to, "type": "textarea", "value": {"text": [text]}}


def _with_origin(result: dict[str, Any], origin: str | None) -> dict[str, Any]:
    if origin is not None:
        result["origin"] = origin
    return result


def annotation(
    *results: dict[str, Any],
    user: Any = 1,
    cancelled: bool = False,
    lead_time: float = 4.5,
    updated_at: str = "2026-01-02T10:00:00.000000Z",
) -> dict[str, Any]:
    return {
        "id": next(_IDS),
        "completed_by": user,
        "result": [] if cancelled else list(results),
        "was_cancelled": cancelled,
        "ground_truth": False,
        "created_at": updated_at,
        "updated_at": updated_at,
        "lead_time": lead_time,
        "result_count": 0,
    }


def export_of(tasks: list[dict[str, Any]], annotations: dict[int, list[dict[str, Any]]]):
    """Tasks (by their index in `tasks`) with their annotations, as Label Studio exports them."""
    out = []
    for index, task in enumerate(tasks):
        exported = {
            "id": 100 + index,
            "data": copy.deepcopy(task["data"]),
            "annotations": annotations.get(index, []),
            "drafts": [],
            "predictions": [1000 + index] if task.get("predictions") else [],
            "meta": {},
            "created_at": "2026-01-02T09:00:00.000000Z",
            "updated_at": "2026-01-02T10:00:00.000000Z",
            "inner_id": index + 1,
            "total_annotations": len(annotations.get(index, [])),
            "cancelled_annotations": 0,
            "total_predictions": 1 if task.get("predictions") else 0,
            "project": 1,
        }
        out.append(exported)
    return out


def shown(task: dict[str, Any]) -> Any:
    """The judge's verdict a task predicts, as the reviewer sees it."""
    data = task["data"]
    for key in ("judge_rating", "judge_met", "judge_winner"):
        if key in data:
            return data[key]
    return None
