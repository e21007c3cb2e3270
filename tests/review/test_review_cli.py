"""`proctor review`: export, import and agreement from the command line, one line per error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import ls_exports as lx
import pytest
from review_runs import make_run

from proctor.store import Store


@pytest.fixture
def cli(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'proctor.db'}"

    def run(*args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "PROCTOR_DB": db, "COLUMNS": "200", "NO_COLOR": "1"}
        return subprocess.run(
            [sys.executable, "-m", "proctor", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    run.db = db  # type: ignore[attr-defined]
    return run


def test_export_then_import_then_agreement(cli, tmp_path: Path) -> None:
    with Store(cli.db) as store:
        run = make_run(store)
    exported = cli(
        "review",
        "export",
        run,
        "--scorer",
        "judge",
        "--n",
        "6",
        "--strategy",
        "stratified",
        "--seed",
        "3",
        "-o",
        "tasks.json",
    )
    assert exported.returncode == 0, exported.stderr
    assert "6 task(s) of 12 judged unit(s) of judge (rating; stratified, seed 3)" in exported.stdout
    tasks = json.loads((tmp_path / "tasks.json").read_text())
    assert len(tasks) == 6
    assert (tmp_path / "tasks.xml").read_text().startswith("<View>")

    annotations = {
        i: [
            lx.annotation(
                lx.rating(lx.shown(t), origin="prediction"), user={"id": 1, "email": "a@x.org"}
            ),
            lx.annotation(
                lx.rating(max(1, lx.shown(t) - 1), origin="prediction-changed"),
                user={"id": 2, "email": "b@x.org"},
            ),
        ]
        for i, t in enumerate(tasks)
    }
    annotations[5] = [lx.annotation(user={"id": 1, "email": "a@x.org"}, cancelled=True)]
    (tmp_path / "export.json").write_text(json.dumps(lx.export_of(tasks, annotations)))
    imported = cli("review", "import", run, "export.json")
    assert imported.returncode == 0, imported.stderr
    assert "10 judgment(s) stored as human scores, 1 skipped; by 2 reviewer(s)" in imported.stdout
    assert "changed 5, kept 5" in imported.stdout

    agreement = cli("review", "agreement", run, "--scorer", "judge", "--resamples", "100")
    assert agreement.returncode == 0, agreement.stderr
    out = agreement.stdout
    assert "5 unit(s) reviewed, 10 judgment(s) by 2 reviewer(s), 1 skipped" in out
    assert "weighted_kappa *" in out and "spearman" in out and "alpha" in out
    drops = [lx.shown(t) - max(1, lx.shown(t) - 1) for t in tasks[:5]]
    assert f"bias: judge − people = {sum(drops) / 10:.3f}" in out
    assert "judge/mean" in out

    as_json = cli("review", "agreement", run, "--scorer", "judge", "--format", "json", "--no-save")
    figures = json.loads(as_json.stdout)
    assert figures["headline"] == "weighted_kappa" and figures["judgments"] == 10

    sample = next(t["data"]["proctor_sample"] for t in tasks[:5])
    shown = cli("show", run, "--sample", sample)
    assert shown.returncode == 0, shown.stderr
    assert "by human · a@x.org" in shown.stdout and "by human · b@x.org" in shown.stdout


def test_an_invalid_export_is_exit_2_with_one_line_naming_the_task(cli, tmp_path: Path) -> None:
    with Store(cli.db) as store:
        run = make_run(store)
    assert cli("review", "export", run, "--scorer", "judge", "-o", "t.json").returncode == 0
    tasks = json.loads((tmp_path / "t.json").read_text())
    export = lx.export_of(tasks, {0: [lx.annotation(lx.rating(6))]})
    (tmp_path / "bad.json").write_text(json.dumps(export))
    failed = cli("review", "import", run, "bad.json")
    assert failed.returncode == 2
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: bad.json: task 100 (sample ")
    assert "rating 6 is out of range (1 to 5)" in lines[0]


def test_usage_errors_are_exit_2(cli) -> None:
    with Store(cli.db) as store:
        run = make_run(store)
    for args, message in [
        (("review", "export", run, "-o", "t.json"), "name what to review"),
        (
            ("review", "export", run, "--scorer", "judge", "--strategy", "x", "-o", "t.json"),
            "unknown selection strategy",
        ),
        (("review", "agreement", run, "--scorer", "judge"), "has no review set of judge"),
        (("review", "push", run, "--scorer", "judge"), "give Label Studio's URL"),
        (
            ("review", "pull", run, "--url", "http://127.0.0.1:9", "--token", "abc"),
            "no review set pushed",
        ),
    ]:
        done = cli(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert message in done.stderr
