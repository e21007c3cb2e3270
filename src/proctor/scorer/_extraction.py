"""The `extraction` scorer: field-level precision, recall and F1 of a JSON object.

The output is a JSON object, read from the first fenced block tagged `json`
(or untagged) when there is one, else from the whole output (see
`proctor.scorer._format.json_text`). The reference is the sample's target as
JSON text or, with `reference_key`, `sample.metadata[reference_key]` (an
object, or JSON text), which suits datasets whose answer is a nested object.

Both objects become multisets of *items* `(key, value)`:

* nested objects are flattened with dotted keys: `{"address": {"city": "Oslo"}}`
  is the item `("address.city", "oslo")`;
* a list is a multiset of its elements, each one item under the list's key:
  `{"tags": ["a", "b", "a"]}` is `("tags", "a")` twice and `("tags", "b")`
  once, in any order; an element that is itself an object or a list is
  compared whole (normalised, keys sorted);
* `null`, `{}` and `[]` hold no item: a field that is null counts as absent;
* values are normalised to text: strings with whitespace collapsed and, with
  `ignore_case`, case-folded; numbers in their shortest form (`1.0` is `1`);
  booleans as `true`/`false`. So `"42"` and `42` are the same value.
  Keys are compared exactly.

An output item equal to a reference item is a true positive, the other
output items false positives, the other reference items false negatives.
Output that is not a JSON object is wrong, not an error: every reference
item is missed. A reference that is missing or not a JSON object raises
`ScorerError`.

`Score.value` is the sample's F1; `metadata` holds `tp`, `fp`, `fn`,
`precision`, `recall`, `f1` and the keys of the `missed` and `unexpected`
items. Per sample, when neither side has an item, precision, recall and F1
are 1.0 (as `token_f1` does); otherwise a ratio with denominator 0 is 0.
Metrics: micro `precision`, `recall`, `f1` of the summed counts (resample-able,
see `proctor.metrics._classification`) and `mean`, the mean per-sample F1.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from proctor.errors import ConfigError, ScorerError
from proctor.scorer._checks import check_bool, require_targets
from proctor.scorer._format import json_kind, parse_json, parse_output_json
from proctor.scorer._score import Score, ScoreContext, ScoreFn, scorer

if TYPE_CHECKING:
    from proctor.dataset import Sample
    from proctor.metrics import Metric
    from proctor.model import ModelOutput

__all__ = ["extraction", "field_counts", "flatten_fields"]

Item = tuple[str, str]


def _normalize(value: Any, ignore_case: bool) -> Any:
    """A scalar as its comparison text; objects and lists normalised inside."""
    if isinstance(value, dict):
        return {k: _normalize(v, ignore_case) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalize(v, ignore_case) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        text = " ".join(value.split())
        return text.casefold() if ignore_case else text
    return "null"


def _element(value: Any, ignore_case: bool) -> str:
    normal = _normalize(value, ignore_case)
    if isinstance(normal, str):
        return normal
    return json.dumps(normal, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def flatten_fields(obj: dict[str, Any], *, ignore_case: bool = True) -> Counter[Item]:
    """The multiset of `(dotted key, normalised value)` items of `obj`.

    >>> sorted(flatten_fields({"a": {"b": "X"}, "tags": [1, 1.0], "c": None}).items())
    [(('a.b', 'x'), 1), (('tags', '1'), 2)]
    """
    items: Counter[Item] = Counter()

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, value in node.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(value, path + ".")
            elif isinstance(value, list):
                for element in value:
                    if element is not None:
                        items[(path, _element(element, ignore_case))] += 1
            elif value is not None:
                items[(path, _element(value, ignore_case))] += 1

    walk(obj, "")
    return items


def field_counts(reference: Counter[Item], predicted: Counter[Item]) -> tuple[int, int, int]:
    """`(tp, fp, fn)`: items in both, only in `predicted`, only in `reference`."""
    tp = sum((reference & predicted).values())
    return tp, sum(predicted.values()) - tp, sum(reference.values()) - tp


def _ratios(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    if tp + fp + fn == 0:
        return 1.0, 1.0, 1.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, 2 * tp / (2 * tp + fp + fn)


def _reference(sample: Sample, reference_key: str | None) -> dict[str, Any]:
    if reference_key is None:
        targets = require_targets(sample, "extraction")
        if len(targets) != 1:
            raise ScorerError(
                f"scorer 'extraction' needs one target object, "
                f"and sample {sample.id!r} has {len(targets)} targets"
            )
        raw: Any = targets[0]
        where = "target"
    else:
        if sample.metadata.get(reference_key) is None:
            raise ScorerError(
                f"scorer 'extraction': sample {sample.id!r} has no metadata {reference_key!r}"
            )
        raw = sample.metadata[reference_key]
        where = f"metadata {reference_key!r}"
    if isinstance(raw, str):
        raw, error = parse_json(raw)
        if error is not None:
            raise ScorerError(
                f"scorer 'extraction': sample {sample.id!r} {where} is not JSON: {error}"
            )
    if not isinstance(raw, dict):
        raise ScorerError(f"scorer 'extraction': sample {sample.id!r} {where} is not a JSON object")
    return raw


def _extraction_metrics(**kwargs: Any) -> Sequence[Metric]:
    from proctor.metrics import mean
    from proctor.metrics._classification import field_metrics

    return [*field_metrics(), mean()]


@scorer("extraction", metrics=_extraction_metrics)
def extraction(*, reference_key: str | None = None, ignore_case: bool = True) -> ScoreFn:
    """Field-level F1 of the output's JSON object against the reference object.

    See the module docstring for how objects are compared and counted.

        extraction()                            # the target is the reference, as JSON text
        extraction(reference_key="fields")      # the reference is sample.metadata["fields"]
    """
    if reference_key is not None and not isinstance(reference_key, str):
        raise ConfigError(
            f"scorer 'extraction': option 'reference_key' must be text, got {reference_key!r}"
        )
    check_bool("extraction", "ignore_case", ignore_case)

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        reference = flatten_fields(_reference(sample, reference_key), ignore_case=ignore_case)
        parsed, why = parse_output_json(output.text, extract_fenced=True)
        if why is None and not isinstance(parsed, dict):
            why = f"output is a JSON {json_kind(parsed)}, not an object"
        predicted: Counter[Item] = Counter()
        if why is None:
            try:
                predicted = flatten_fields(parsed, ignore_case=ignore_case)
            except RecursionError:
                why = "output JSON is nested too deeply"
        tp, fp, fn = field_counts(reference, predicted)
        precision, recall, f1 = _ratios(tp, fp, fn)
        metadata = {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "missed": sorted({key for key, _ in reference - predicted}),
            "unexpected": sorted({key for key, _ in predicted - reference}),
        }
        counts = f"{tp} of {tp + fn} reference fields found, {fp} unexpected"
        explanation = counts if why is None else f"{why}; {counts}"
        return Score(f1, explanation, metadata=metadata)

    return score
