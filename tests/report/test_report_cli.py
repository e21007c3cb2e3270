"""`proctor report` end to end: the example support app run twice, then reported on from
the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = str(ROOT / "examples" / "support" / "benchmark.yaml")

# Version 2 of the example app: it lost the billing articles.
WORSE = """
import support_app


def answer(prompt, sample):
    if sample.metadata.get("topic") == "billing":
        return {"text": "Please contact us.", "contexts": []}
    return support_app.answer(prompt, sample)
"""

Proctor = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def proctor(tmp_path: Path) -> Proctor:
    """`proctor(*args)` runs the CLI in tmp_path with its own SQLite store."""
    env = {
        **os.environ,
        "PROCTOR_DB": f"sqlite:///{tmp_path / 'proctor.db'}",
        "COLUMNS": "200",
        "NO_COLOR": "1",
    }

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "proctor", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    return run


@pytest.fixture
def two_runs(proctor: Proctor, tmp_path: Path) -> tuple[str, str]:
    (tmp_path / "support_v2.py").write_text(WORSE)
    ids = []
    for model, label in (("python:support_app:answer", "v1"), ("python:support_v2:answer", "v2")):
        ran = proctor("run", BENCH, "--model", model, "--label", label, "--no-progress")
        assert ran.returncode == 0, ran.stderr
        ids.append(ran.stdout.split("run ")[-1].split()[0])
    return ids[0], ids[1]


def test_report_writes_one_html_file_and_says_where(
    proctor: Proctor, two_runs: tuple[str, str], tmp_path: Path
) -> None:
    _, b = two_runs
    done = proctor("report", b[:6], "-o", "x.html")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "x.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in page
    assert 'id="proctor-rows"' in page and "support-qa" in page
    assert done.stdout.startswith("wrote x.html (") and "KB)" in done.stdout


def test_report_defaults_to_a_file_named_for_the_run(
    proctor: Proctor, two_runs: tuple[str, str], tmp_path: Path
) -> None:
    a, _ = two_runs
    done = proctor("report", a)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / f"report-{a}.html").is_file()
    assert f"report-{a}.html" in done.stdout


def test_report_compares_with_a_baseline(
    proctor: Proctor, two_runs: tuple[str, str], tmp_path: Path
) -> None:
    a, b = two_runs
    done = proctor("report", b, "--compare", a, "-o", "c.html")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "c.html").read_text(encoding="utf-8")
    assert '<section id="comparison">' in page and "includes/mean[topic=billing]" in page
    assert "Please contact us." in page  # a regressed sample, side by side


def test_report_as_markdown_to_stdout_or_a_file(
    proctor: Proctor, two_runs: tuple[str, str], tmp_path: Path
) -> None:
    a, b = two_runs
    alone = proctor("report", a, "--format", "markdown")
    assert alone.returncode == 0, alone.stderr
    assert alone.stdout.startswith("## Proctor: support-qa")
    assert "| includes/mean |" in alone.stdout
    compared = proctor("report", b, "--compare", a, "-f", "markdown", "-o", "r.md")
    assert compared.returncode == 0, compared.stderr
    text = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "### Proctor: python:support\\_v2:answer vs" in text
    assert "#### Top regressions" in text and "` Please contact us. `" in text
    assert compared.stdout.startswith("wrote r.md (")


def test_an_unknown_run_is_one_line_and_exit_2(proctor: Proctor, two_runs: tuple[str, str]) -> None:
    for args in (("report", "nope"), ("report", two_runs[0], "--compare", "nope")):
        done = proctor(*args)
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1 and "no run matches 'nope'" in done.stderr
        assert "Traceback" not in done.stderr


def test_an_unwritable_output_is_a_user_error(
    proctor: Proctor, two_runs: tuple[str, str], tmp_path: Path
) -> None:
    done = proctor("report", two_runs[0], "-o", str(tmp_path / "missing" / "x.html"))
    assert done.returncode == 2 and "cannot write the report" in done.stderr
