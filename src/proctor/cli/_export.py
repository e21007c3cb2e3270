"""`proctor export`: a run's samples as JSONL or CSV."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any, Literal

import typer

from proctor.cli._common import DB_OPTION, handle_errors, open_store


def _row(rec: Any) -> dict[str, Any]:
    return {
        "run_id": rec.run_id,
        "sample_id": rec.sample_id,
        "epoch": rec.epoch,
        "input": rec.input,
        "target": rec.target,
        "choices": rec.choices,
        "metadata": rec.metadata,
        "output": rec.output,
        "error": rec.error,
        "latency_ms": rec.latency_ms,
        "input_tokens": rec.input_tokens,
        "output_tokens": rec.output_tokens,
        "cost": rec.cost,
        "cached": rec.cached,
        "scores": [
            {
                "scorer": s.scorer,
                "value": s.value,
                "answer": s.answer,
                "explanation": s.explanation,
                "source": s.source,
                "annotator": s.annotator,
                "error": s.error,
            }
            for s in rec.scores
        ],
    }


def _flat(row: dict[str, Any], scorers: list[str]) -> dict[str, Any]:
    flat = {
        k: (json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v)
        for k, v in row.items()
        if k != "scores"
    }
    by_name = {s["scorer"]: s for s in row["scores"]}
    for name in scorers:
        s = by_name.get(name, {})
        flat[f"{name}.value"] = s.get("value")
        flat[f"{name}.explanation"] = s.get("explanation")
        flat[f"{name}.error"] = s.get("error")
    return flat


@handle_errors
def export(
    run_id: str = typer.Argument(..., help="Run id (or a unique prefix)."),
    format: str = typer.Option("jsonl", "--format", "-f", help="jsonl or csv."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File (default: stdout)."),
    db: str | None = DB_OPTION,
) -> None:
    """Export every sample of a run (input, output, target, scores, errors)."""
    from proctor.errors import ConfigError

    if format not in ("jsonl", "csv"):
        raise ConfigError(f"unknown export format {format!r} (known: jsonl, csv)")
    fmt: Literal["jsonl", "csv"] = format  # type: ignore[assignment]
    with open_store(db) as store:
        run = store.get_run(run_id)
        scorers = [s["name"] for s in run.scorers]
        try:
            stream = (
                sys.stdout if output is None else output.open("w", encoding="utf-8", newline="")
            )
        except OSError as exc:
            raise ConfigError(f"cannot write {output}: {exc.strerror}") from None
        try:
            if fmt == "jsonl":
                for rec in store.iter_samples(run.id):
                    stream.write(json.dumps(_row(rec), ensure_ascii=False) + "\n")
            else:
                writer: csv.DictWriter | None = None
                for rec in store.iter_samples(run.id):
                    flat = _flat(_row(rec), scorers)
                    if writer is None:
                        writer = csv.DictWriter(stream, fieldnames=list(flat))
                        writer.writeheader()
                    writer.writerow(flat)
        finally:
            if output is not None:
                stream.close()
