"""Format checks: `json_valid`, `json_schema` and `regex_format`.

They judge the form of the output, not its content, and need no target.
An output that fails a check is wrong (False), with the reason in the
explanation; a check that is declared wrongly (an invalid pattern or schema,
a schema file that does not read) raises `ConfigError` when it is built.

JSON is parsed strictly: `NaN` and `Infinity`, which Python's `json` accepts,
are not JSON and fail. With `extract_fenced`, the JSON is read from the first
fenced code block tagged `json` or untagged (a block left open runs to the
end of the output, as in a truncated answer); without such a block, from the
whole output. See `json_text`.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proctor.errors import ConfigError
from proctor.scorer._checks import check_bool
from proctor.scorer._score import Score, ScoreContext, ScoreFn, scorer

if TYPE_CHECKING:
    from proctor.dataset import Sample
    from proctor.model import ModelOutput

__all__ = [
    "json_kind",
    "json_schema",
    "json_text",
    "json_valid",
    "parse_json",
    "parse_output_json",
    "regex_format",
]

_FENCE = re.compile(r"^[ \t]*```[ \t]*([^\s`]*)[^\n]*\n(.*?)(?:^[ \t]*```|\Z)", re.M | re.S)
_SCHEMA_ERRORS_KEPT = 10


def json_text(text: str, *, extract_fenced: bool) -> tuple[str, bool]:
    """The text to parse as JSON, and whether it came from a fenced block.

    >>> json_text('Here:\\n```json\\n{"a": 1}\\n```', extract_fenced=True)
    ('{"a": 1}\\n', True)
    """
    if extract_fenced:
        for match in _FENCE.finditer(text):
            if match.group(1).lower() in ("", "json"):
                return match.group(2), True
    return text, False


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str) -> tuple[Any, str | None]:
    """`(value, None)` when `text` is strict JSON, else `(None, reason)`.

    >>> parse_json('{"a": 1,}')[1]
    'Expecting property name enclosed in double quotes at line 1, column 9'
    """
    try:
        return json.loads(text, parse_constant=_reject_constant), None
    except json.JSONDecodeError as exc:
        return None, f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    except ValueError as exc:  # NaN / Infinity, or a number too long for int()
        return None, str(exc)
    except RecursionError:
        return None, "nested too deeply"


def json_kind(value: Any) -> str:
    """The JSON name of a parsed value's type: object, array, string, number, boolean, null."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    return "null" if value is None else "number"


def parse_output_json(text: str, *, extract_fenced: bool) -> tuple[Any, str | None]:
    """The output's JSON value, or None and why it is not JSON (naming where it looked).

    >>> parse_output_json("```json\\n[1,]\\n```", extract_fenced=True)[1]
    'invalid JSON in the fenced block: Expecting value at line 1, column 4'
    """
    source, fenced = json_text(text, extract_fenced=extract_fenced)
    value, error = parse_json(source)
    if error is None:
        return value, None
    return None, f"invalid JSON{' in the fenced block' if fenced else ''}: {error}"


@scorer("json_valid")
def json_valid(*, extract_fenced: bool = False) -> ScoreFn:
    """Right when the output (or its first fenced block) is valid JSON.

    The explanation of an invalid output gives the line and column of the
    parse error.

        json_valid()                        # '{"a": 1}' is right, '{a: 1}' wrong
        json_valid(extract_fenced=True)     # reads a ```json block when there is one
    """
    check_bool("json_valid", "extract_fenced", extract_fenced)

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        value, error = parse_output_json(output.text, extract_fenced=extract_fenced)
        if error is not None:
            return Score(False, error)
        return Score(True, f"valid JSON ({json_kind(value)})")

    return score


def _load_schema(schema: dict[str, Any] | None, schema_path: str | None) -> dict[str, Any]:
    if (schema is None) == (schema_path is None):
        raise ConfigError("scorer 'json_schema': give exactly one of 'schema' and 'schema_path'")
    if schema is not None:
        if not isinstance(schema, dict):
            raise ConfigError(f"scorer 'json_schema': 'schema' must be a mapping, got {schema!r}")
        return schema
    if not isinstance(schema_path, str):
        raise ConfigError(
            f"scorer 'json_schema': 'schema_path' must be a path, got {schema_path!r}"
        )
    path = Path(schema_path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"scorer 'json_schema': cannot read schema file {str(path.resolve())!r}: "
            f"{exc.strerror or exc}"
        ) from exc
    loaded, error = parse_json(text)
    if error is not None:
        raise ConfigError(
            f"scorer 'json_schema': schema file is not JSON: {error}", source=str(path)
        )
    if not isinstance(loaded, dict):
        raise ConfigError(
            "scorer 'json_schema': the schema must be a JSON object", source=str(path)
        )
    return loaded


def _validator(schema: dict[str, Any]) -> Any:
    try:
        import jsonschema
    except ImportError as exc:
        raise ConfigError(
            "scorer 'json_schema' needs jsonschema: pip install 'proctor[metrics]'"
        ) from exc
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ConfigError(
            f"scorer 'json_schema': invalid schema at {exc.json_path}: {exc.message}"
        ) from exc
    return cls(schema)


def _schema_signature(
    *, schema: dict[str, Any] | None = None, schema_path: str | None = None, **_: Any
) -> dict[str, str]:
    """The schema's content hash: a schema file may change while its path does not."""
    canonical = json.dumps(_load_schema(schema, schema_path), sort_keys=True, separators=(",", ":"))
    return {"schema": "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:12]}


@scorer("json_schema", signature=_schema_signature)
def json_schema(
    *,
    schema: dict[str, Any] | None = None,
    schema_path: str | None = None,
    extract_fenced: bool = False,
) -> ScoreFn:
    """Right when the output's JSON is valid against a JSON Schema (via `jsonschema`).

    Give the schema inline (`schema`) or as a JSON file (`schema_path`; a
    relative path is resolved against the current working directory, where
    `proctor run` is started). The schema's draft comes from its `$schema`
    (the latest draft without one); `format` is an annotation, not checked,
    as the drafts specify. An invalid schema, or a file that does not read,
    raises `ConfigError` when the scorer is built. The explanation of a
    failure names the failing JSON path and the message
    (`$.items[2].price: 'x' is not of type 'number'`), the most relevant error
    first (`jsonschema.exceptions.best_match`); `metadata["errors"]` lists the
    first ten. The schema's hash joins the scorer's signature, so editing the
    schema file changes it.

        json_schema(schema={"type": "object", "required": ["name"]})
        json_schema(schema_path="schemas/invoice.json", extract_fenced=True)
    """
    check_bool("json_schema", "extract_fenced", extract_fenced)
    validator = _validator(_load_schema(schema, schema_path))
    from jsonschema.exceptions import best_match

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        value, error = parse_output_json(output.text, extract_fenced=extract_fenced)
        if error is not None:
            return Score(False, error)
        errors = list(validator.iter_errors(value))
        if not errors:
            return Score(True, "valid against the schema")
        best = best_match(errors)
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        kept = [{"path": e.json_path, "message": e.message} for e in errors[:_SCHEMA_ERRORS_KEPT]]
        return Score(False, f"{best.json_path}: {best.message}{more}", metadata={"errors": kept})

    return score


@scorer("regex_format")
def regex_format(*, pattern: str, full: bool = True, strip: bool = True) -> ScoreFn:
    """Right when the output matches `pattern` (Python `re` syntax).

    With `full`, the whole output must match (`re.fullmatch`); otherwise a
    match anywhere will do (`re.search`). With `strip`, surrounding
    whitespace (the trailing newline most models add) is removed first.
    An invalid pattern raises `ConfigError` when the scorer is built.

        regex_format(pattern=r"\\d{4}-\\d{2}-\\d{2}")           # a bare ISO date
        regex_format(pattern=r"^Answer: ", full=False)          # a required prefix
    """
    if not isinstance(pattern, str):
        raise ConfigError(
            f"scorer 'regex_format': option 'pattern' must be a string, got {pattern!r}"
        )
    check_bool("regex_format", "full", full)
    check_bool("regex_format", "strip", strip)
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"scorer 'regex_format': invalid pattern {pattern!r}: {exc}") from exc
    how = "fully match" if full else "contain a match of"

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        text = output.text.strip() if strip else output.text
        match = compiled.fullmatch(text) if full else compiled.search(text)
        if match is None:
            return Score(False, f"output does not {how} {pattern!r}")
        return Score(True, f"output does {how} {pattern!r}", match.group(0))

    return score
