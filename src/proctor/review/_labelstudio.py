"""Label Studio's side of a review set: the labeling config and the tasks.

Formats, as Label Studio documents them (labelstud.io/guide/task_format,
/guide/predictions, /tags/rating, /tags/choices, /tags/list, /tags/ranker):

- A task is `{"data": {...}, "predictions": [...]}`. `data` holds what the
  config shows (`$conversation`, `$answer`, ...) and our own keys
  (`proctor_run`, `proctor_sample`, `proctor_epoch`, `proctor_scorer`,
  `proctor_signature`, `proctor_review_set`): Label Studio numbers tasks
  itself and reuses the numbers, so everything is keyed on these.
- A prediction is `{"model_version", "score", "result"}`; `model_version` is
  the judge's spec and prompt hash, `score` the judge's score in 0–1 (the UI
  shows it as a percentage); each result item is `{"from_name", "to_name",
  "type", "value"}` naming a control of the config. The judge's raw verdict
  is kept in `data` too (`judge_*` keys), since a prediction's shape is
  Label Studio's.
- Controls by kind: a numeric scale starting at 1 is a `Rating`
  (`value: {"rating": 4}`); other scales and labels are single `Choices`
  (`value: {"choices": ["good"]}`); a rubric is a `List` of the sample's
  criteria (`[{"id", "title", "body"}]`) with a `Ranker` of two buckets,
  `Met` and `Not met`, the latter the default, so every criterion lands in
  one of them and a variable number of criteria needs no new config
  (`value: {"ranker": {"met": ["c1"], "not_met": ["c2"]}}`); a pairwise
  task shows the conversation and answers A and B with single `Choices`
  A / B / tie. Every config adds an optional `TextArea` for the reviewer's
  note (`value: {"text": ["..."]}`).

With `blind`, tasks carry no prediction and no judge verdict in their data:
hiding predictions in the UI is not reliable.

Reading back, `parse_config` lists a config's controls and `check_result`
says whether a result item fits them: Label Studio itself stores whatever
results a client sends.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree
from xml.sax.saxutils import quoteattr

if TYPE_CHECKING:
    from proctor.review._target import Scale, Target, Verdict

__all__ = [
    "BUCKET_MET",
    "BUCKET_NOT_MET",
    "COMMENT",
    "CONTROL",
    "Control",
    "check_result",
    "label_config",
    "parse_config",
    "prediction_result",
    "shown_verdict",
    "task_for",
]

# control names: the names results must carry, checked on import
CONTROL = {"rating": "rating", "rubric": "verdicts", "pairwise": "winner"}
COMMENT = "comment"
BUCKET_MET = "met"
BUCKET_NOT_MET = "not_met"
WINNERS = ("A", "B", "tie")
_CONTROL_TAGS = ("Rating", "Choices", "Ranker", "TextArea")


def _tag(name: str, /, **attributes: str) -> str:
    attrs = "".join(f" {key}={quoteattr(value)}" for key, value in attributes.items())
    return f"<{name}{attrs}/>"


def _scale_control(scale: Scale) -> str:
    if scale.numeric and scale.low == 1:
        return "  " + _tag(
            "Rating",
            name=CONTROL["rating"],
            toName="answer",
            maxRating=str(scale.high),
            required="true",
        )
    choices = "".join(f"\n    {_tag('Choice', value=str(v))}" for v in scale.values)
    return (
        f'  <Choices name="{CONTROL["rating"]}" toName="answer" choice="single" '
        f'required="true" showInline="true">{choices}\n  </Choices>'
    )


def label_config(target: Target) -> str:
    """The labeling config (XML) for the target's kind; see the module docstring."""
    lines = ["<View>"]
    if target.kind == "rating":
        assert target.scale is not None
        scale = target.scale
        if target.guidelines:
            lines += [
                "  " + _tag("Header", value="Guidelines"),
                "  " + _tag("Text", name="guidelines", value="$guidelines"),
            ]
        lines += [
            "  " + _tag("Header", value="Conversation"),
            "  " + _tag("Text", name="conversation", value="$conversation"),
        ]
        if target.reference:
            lines += [
                "  " + _tag("Header", value="Reference answer"),
                "  " + _tag("Text", name="reference", value="$reference"),
            ]
        span = (
            f"from {scale.low} (worst) to {scale.high} (best)"
            if scale.numeric
            else f"one of {', '.join(scale.values)}"
        )
        lines += [
            "  " + _tag("Header", value="Answer to rate"),
            "  " + _tag("Text", name="answer", value="$answer"),
            "  " + _tag("Header", value=f"Your rating, {span}"),
            _scale_control(scale),
        ]
        note_to = "answer"
    elif target.kind == "rubric":
        lines += [
            "  " + _tag("Header", value="Conversation"),
            "  " + _tag("Text", name="conversation", value="$conversation"),
            "  " + _tag("Header", value="Answer to check"),
            "  " + _tag("Text", name="answer", value="$answer"),
            "  "
            + _tag(
                "Header",
                value="Move every criterion the answer meets to Met. For a criterion worth "
                "negative points, Met means the answer did the undesirable thing.",
            ),
            "  " + _tag("List", name="criteria", value="$criteria", title="Criteria"),
            f'  <Ranker name="{CONTROL["rubric"]}" toName="criteria">',
            "    " + _tag("Bucket", name=BUCKET_MET, title="Met"),
            "    " + _tag("Bucket", name=BUCKET_NOT_MET, title="Not met", default="true"),
            "  </Ranker>",
        ]
        note_to = "answer"
    else:
        lines += [
            "  " + _tag("Header", value="Conversation"),
            "  " + _tag("Text", name="conversation", value="$conversation"),
            "  " + _tag("Header", value="Answer A"),
            "  " + _tag("Text", name="answer_a", value="$answer_a"),
            "  " + _tag("Header", value="Answer B"),
            "  " + _tag("Text", name="answer_b", value="$answer_b"),
            "  " + _tag("Header", value="Which answer is better?"),
            f'  <Choices name="{CONTROL["pairwise"]}" toName="conversation" choice="single" '
            'required="true" showInline="true">',
            *(f"    {_tag('Choice', value=w)}" for w in WINNERS),
            "  </Choices>",
        ]
        note_to = "conversation"
    lines += [
        "  " + _tag("Header", value="Note (optional)"),
        "  " + _tag("TextArea", name=COMMENT, toName=note_to, rows="2", maxSubmissions="1"),
        "</View>",
    ]
    return "\n".join(lines) + "\n"


def criteria_items(criteria: list[dict[str, Any]]) -> list[dict[str, str]]:
    """A rubric's criteria as `List` items: ids `c1`, `c2`, ... in the rubric's order."""
    items = []
    for number, item in enumerate(criteria, start=1):
        points = item.get("points")
        worth = f"{points:+g} points" if isinstance(points, int | float) else f"{points} points"
        if isinstance(points, int | float) and points < 0:
            worth += " — undesirable: Met means the answer did this"
        items.append({"id": f"c{number}", "title": worth, "body": str(item.get("criterion", ""))})
    return items


def shown_verdict(target: Target, verdict: Verdict, *, flip: bool = False) -> Any:
    """The judge's verdict as the reviewer sees it: a rating on the scale, the criteria
    ids met, or the winner among the answers as shown (A, B, tie)."""
    if target.kind == "rating":
        assert target.scale is not None
        return target.scale.nearest(verdict.rating)
    if target.kind == "rubric":
        assert verdict.criteria is not None
        return [f"c{i}" for i, c in enumerate(verdict.criteria, start=1) if c.get("met")]
    shown = {"a": "A", "b": "B", "tie": "tie"}[verdict.rating]
    if flip and shown != "tie":
        shown = "B" if shown == "A" else "A"
    return shown


def prediction_result(target: Target, shown: Any, n_criteria: int = 0) -> list[dict[str, Any]]:
    """Label Studio result items holding a verdict as shown (see `shown_verdict`)."""
    control = CONTROL[target.kind]
    if target.kind == "rating":
        assert target.scale is not None
        if target.scale.numeric and target.scale.low == 1:
            return [_result(control, "answer", "rating", {"rating": int(shown)})]
        return [_result(control, "answer", "choices", {"choices": [str(shown)]})]
    if target.kind == "rubric":
        ids = [f"c{i}" for i in range(1, n_criteria + 1)]
        met = [i for i in ids if i in shown]
        buckets = {BUCKET_MET: met, BUCKET_NOT_MET: [i for i in ids if i not in met]}
        return [_result(control, "criteria", "ranker", {"ranker": buckets})]
    return [_result(control, "conversation", "choices", {"choices": [shown]})]


def _result(from_name: str, to_name: str, kind: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"from_name": from_name, "to_name": to_name, "type": kind, "value": value}


def task_for(
    target: Target,
    review_set: str,
    key: dict[str, Any],
    content: dict[str, Any],
    verdict: Verdict,
    *,
    blind: bool,
) -> dict[str, Any]:
    """One Label Studio task: `content` holds the texts the config shows, `key` the unit."""
    data: dict[str, Any] = {
        **content,
        "proctor_run": target.run.id,
        "proctor_sample": key["sample"],
        "proctor_epoch": key["epoch"],
        "proctor_scorer": target.scorer,
        "proctor_signature": target.signature,
        "proctor_review_set": review_set,
    }
    task: dict[str, Any] = {"data": data}
    if blind:
        return task
    shown = shown_verdict(target, verdict, flip=bool(key.get("flip")))
    if target.kind == "rating":
        data["judge_rating"] = verdict.rating
        if verdict.ratings is not None:
            data["judge_ratings"] = verdict.ratings
    elif target.kind == "rubric":
        data["judge_met"] = shown
    else:
        data["judge_winner"] = shown
    score = min(1.0, max(0.0, float(verdict.value)))
    if target.kind == "pairwise" and key.get("flip"):
        score = 1.0 - score  # the prediction's score speaks for the answer shown as A
    task["predictions"] = [
        {
            "model_version": target.model_version,
            "score": round(score, 6),
            "result": prediction_result(target, shown, len(key.get("criteria") or [])),
        }
    ]
    return task


# --- reading results back: what a config admits -------------------------------


@dataclass(frozen=True, slots=True)
class Control:
    """A control tag of a labeling config: what a result naming it may hold."""

    name: str
    tag: str
    to_name: str
    max_rating: int | None = None
    choices: tuple[str, ...] = ()
    buckets: tuple[str, ...] = ()

    @property
    def type(self) -> str:
        """The result `type` Label Studio gives this control's results."""
        return self.tag.lower()


@functools.lru_cache(maxsize=32)
def parse_config(xml: str) -> dict[str, Control]:
    """The control tags of a labeling config, by name (cached: read once per review set)."""
    root = ElementTree.fromstring(xml)
    controls = {}
    for element in root.iter():
        if element.tag not in _CONTROL_TAGS:
            continue
        name = element.get("name", "")
        controls[name] = Control(
            name=name,
            tag=element.tag,
            to_name=element.get("toName", ""),
            max_rating=int(element.get("maxRating", "5")) if element.tag == "Rating" else None,
            choices=tuple(c.get("value", "") for c in element.iter("Choice")),
            buckets=tuple(b.get("name", "") for b in element.iter("Bucket")),
        )
    return controls


def check_result(result: Any, controls: dict[str, Control], label: str) -> tuple[str, Any]:
    """`(control name, value)` of a result item that fits the config; ValueError says why not.

    `label` names the annotation in the message.
    """
    if not isinstance(result, dict):
        raise ValueError(f"{label} has a result that is not an object")
    name = result.get("from_name")
    control = controls.get(name) if isinstance(name, str) else None
    if control is None:
        known = ", ".join(sorted(controls))
        raise ValueError(
            f"{label} has a result for control {name!r}, which the labeling config does not "
            f"have (it has {known})"
        )
    if result.get("to_name") != control.to_name:
        raise ValueError(
            f"{label}: control {name!r} labels {control.to_name!r}, but the result points at "
            f"{result.get('to_name')!r}"
        )
    if result.get("type") != control.type:
        raise ValueError(
            f"{label}: control {name!r} is a {control.tag}, but the result's type is "
            f"{result.get('type')!r}"
        )
    value = result.get("value")
    if not isinstance(value, dict):
        raise ValueError(f"{label}: the result for {name!r} has no value object")
    if control.tag == "Rating":
        rating = value.get("rating")
        top = control.max_rating or 5
        if isinstance(rating, float) and rating.is_integer():
            rating = int(rating)
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= top:
            raise ValueError(f"{label}: rating {rating!r} is out of range (1 to {top})")
        return name, rating
    if control.tag == "Choices":
        choices = value.get("choices")
        if not isinstance(choices, list) or len(choices) != 1:
            raise ValueError(f"{label}: {name!r} takes exactly one choice, got {choices!r}")
        if choices[0] not in control.choices:
            raise ValueError(
                f"{label}: choice {choices[0]!r} is not one of {', '.join(control.choices)}"
            )
        return name, choices[0]
    if control.tag == "Ranker":
        buckets = value.get("ranker")
        if not isinstance(buckets, dict) or not all(
            isinstance(v, list) and all(isinstance(i, str) for i in v) for v in buckets.values()
        ):
            raise ValueError(f"{label}: {name!r} must map buckets to lists of criterion ids")
        unknown = [b for b in buckets if b not in control.buckets]
        if unknown:
            raise ValueError(
                f"{label}: bucket {unknown[0]!r} is not one of {', '.join(control.buckets)}"
            )
        return name, buckets
    text = value.get("text")
    if isinstance(text, str):
        text = [text]
    if not isinstance(text, list) or not all(isinstance(t, str) for t in text):
        raise ValueError(f"{label}: the note {name!r} must be text")
    return name, "\n".join(text)
