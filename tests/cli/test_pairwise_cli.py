"""`proctor pairwise`: compares stored runs, prints and stores the result, shows it again."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from proctor.benchmark import Benchmark
from proctor.dataset import Dataset
from proctor.engine import run_benchmark
from proctor.scorer import resolve_scorer
from proctor.store import Store
from proctor.store._pairwise import get_pairwise, iter_verdicts
from proctor.store._schema import pairwise_verdicts

JUDGES = Path(__file__).resolve().parents[1] / "pairwise" / "pairwise_judges.py"
ROWS = [{"id": f"q{i}", "input": f"Question {i}?"} for i in range(6)]
ANSWERS = """\
def good(prompt):
    return "quality 3: a careful answer"

def mid(prompt):
    return "quality 2: [bold red]an answer[/bold red]"

def bad(prompt):
    return "quality 1: a guess"
"""
MARKUP_JUDGE = """\
def judge(prompt):
    return '{"explanation": "[bold]not markup[/bold]", "winner": "A"}'
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path holding the answering apps and the scripted judges, importable here too."""
    (tmp_path / "answers.py").write_text(ANSWERS, encoding="utf-8")
    (tmp_path / "markup_judge.py").write_text(MARKUP_JUDGE, encoding="utf-8")
    shutil.copy(JUDGES, tmp_path / "pairwise_judges.py")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "answers", raising=False)
    return tmp_path


def make_runs(workdir: Path, *apps: str, rows: list[dict] = ROWS) -> list[str]:
    """Runs of `python:answers:APP`, written to the store the `proctor` fixture uses."""
    bench = Benchmark(
        name="qa", dataset=Dataset.from_records(rows), scorers=[resolve_scorer("exact_match")]
    )
    with Store(f"sqlite:///{workdir / 'proctor.db'}") as store:
        return [run_benchmark(bench, f"python:answers:{app}", store=store).run.id for app in apps]


def pairwise_id_of(stdout: str) -> str:
    return re.search(r"^pairwise ([0-9a-f]{12}) ·", stdout, re.M).group(1)


def test_two_runs_are_compared_stored_and_shown_again(proctor, workdir: Path) -> None:
    good, bad = make_runs(workdir, "good", "bad")
    result = proctor(
        "pairwise", good, bad[:6], "--judge", "python:pairwise_judges:fair", "--no-progress"
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Win rate of run A over run B" in out and "1.000" in out and "[1.000, 1.000]" in out
    assert f"{good} python:answers:good" in out and "bootstrap" in out
    assert "Bradley–Terry" not in out  # two runs: no ranking
    pairwise_id = pairwise_id_of(out)
    with Store(f"sqlite:///{workdir / 'proctor.db'}") as store:
        record = get_pairwise(store, pairwise_id)
        verdicts = list(iter_verdicts(store, pairwise_id))
    assert record.runs == [good, bad] and record.status == "finished"
    assert len(verdicts) == 6 and {v.verdict for v in verdicts} == {"a"}
    shown = proctor("pairwise", "--show", pairwise_id[:6])
    assert shown.returncode == 0, shown.stderr
    assert pairwise_id in shown.stdout and "[1.000, 1.000]" in shown.stdout
    assert "signature" in shown.stdout and "prompt=pairwise_v1:" in shown.stdout
    also = proctor("show", pairwise_id)  # `show` knows comparisons as well as runs
    assert also.returncode == 0, also.stderr
    assert pairwise_id in also.stdout and "[1.000, 1.000]" in also.stdout
    missing = proctor("show", "fedcba987654")
    assert missing.returncode == 2 and "no run matches 'fedcba987654'" in missing.stderr


def test_three_runs_print_a_ranking(proctor, workdir: Path) -> None:
    runs = make_runs(workdir, "bad", "good", "mid")
    result = proctor("pairwise", *runs, "--judge", "python:pairwise_judges:fair", "--no-progress")
    assert result.returncode == 0, result.stderr
    ranking = result.stdout.split("Bradley–Terry ranking", 1)[1]
    good, mid, bad = runs[1], runs[2], runs[0]
    assert ranking.index(good) < ranking.index(mid) < ranking.index(bad)


def test_a_position_biased_judge_gives_ties(proctor, workdir: Path) -> None:
    good, bad = make_runs(workdir, "good", "bad")
    result = proctor(
        "pairwise", good, bad, "--judge", "python:pairwise_judges:first_shown", "--no-progress"
    )
    assert result.returncode == 0, result.stderr
    assert "0.500" in result.stdout


def test_judge_errors_exit_1_unless_allowed(proctor, workdir: Path) -> None:
    good, bad = make_runs(workdir, "good", "bad")
    args = ("pairwise", good, bad, "--judge", "python:pairwise_judges:crashes", "--no-progress")
    failed = proctor(*args)
    assert failed.returncode == 1, failed.stderr
    assert "6 comparison(s) got no usable verdict" in failed.stdout
    assert "judge backend down" in failed.stdout  # the errors are listed first
    assert proctor(*args, "--allow-errors").returncode == 0


def test_explanations_and_outputs_are_printed_as_text_not_markup(proctor, workdir: Path) -> None:
    good, mid = make_runs(workdir, "good", "mid")
    result = proctor("pairwise", good, mid, "--judge", "python:markup_judge:judge", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "[bold]not markup[/bold]" in result.stdout


def test_user_errors_exit_2_with_one_line(proctor, workdir: Path) -> None:
    good, bad = make_runs(workdir, "good", "bad")
    judge = ("--judge", "python:pairwise_judges:fair")
    cases = {
        ("pairwise", good, *judge): "two or more runs",
        ("pairwise", good, bad): "--judge",
        ("pairwise", good, bad, "--show", "abc"): "not both",
        ("pairwise", good, "ffffffffffff", *judge): "no run matches",
        ("pairwise", "--show", "ffffff"): "no pairwise comparison matches",
        ("pairwise", good, bad, *judge, "--prompt", "missing.txt"): "cannot read the prompt",
    }
    for args, message in cases.items():
        result = proctor(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_custom_prompt_file_and_guidelines(proctor, workdir: Path) -> None:
    good, bad = make_runs(workdir, "good", "bad")
    (workdir / "prompt.txt").write_text("left={{ answer_a }} right={{ answer_b }}", "utf-8")
    result = proctor(
        "pairwise",
        good,
        bad,
        "--judge",
        "python:pairwise_judges:custom",
        "--prompt",
        "prompt.txt",
        "--guidelines",
        "Be strict.",
        "--no-progress",
    )
    assert result.returncode == 0, result.stderr
    assert "prompt=custom:" in result.stdout and "guidelines=" in result.stdout


def test_render_pairwise_is_a_renderable_for_show(workdir: Path) -> None:
    from rich.console import Console

    from proctor.cli._pairwise import render_pairwise
    from proctor.pairwise import run_pairwise

    good, bad = make_runs(workdir, "good", "bad")
    with Store(f"sqlite:///{workdir / 'proctor.db'}") as store:
        result = run_pairwise(store, [good, bad], judge="python:pairwise_judges:fair")
        console = Console(record=True, width=200)
        console.print(render_pairwise(store, result.id, examples=2))
    text = console.export_text()
    assert result.id in text and "Win rate of run A over run B" in text
    assert "Verdicts" in text and len(re.findall(r"^│ q\d ", text, re.M)) == 2


def test_ctrl_c_saves_the_verdicts_reached_and_exits_130(workdir: Path) -> None:
    rows = [{"id": f"q{i}", "input": f"Question {i}?"} for i in range(300)]
    good, bad = make_runs(workdir, "good", "bad", rows=rows)
    db = f"sqlite:///{workdir / 'proctor.db'}"
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "proctor", "pairwise", good, bad, "--no-progress"),
            *("--judge", "python:pairwise_judges:slow_fair", "--max-concurrency", "1"),
        ],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PROCTOR_DB": db, "COLUMNS": "200"},
    )
    with Store(db) as store:
        deadline = time.monotonic() + 60
        count = 0
        while count < 5 and time.monotonic() < deadline:
            time.sleep(0.1)
            with store.engine.connect() as conn:
                count = conn.execute(select(func.count()).select_from(pairwise_verdicts)).scalar()
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, out + err
        assert "Traceback" not in err and "interrupted" in out
        record = get_pairwise(store, pairwise_id_of(out))
        assert record.status == "interrupted" and record.summary is not None
        saved = len(list(iter_verdicts(store, record.id)))
    assert 5 <= saved < 300 and record.summary["pairs"][0]["n"] == saved
