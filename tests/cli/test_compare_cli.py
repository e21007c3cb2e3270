"""`proctor compare`, `baseline`, `history` and `plan` end to end: two versions of the
example support app, run and compared from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = str(ROOT / "examples" / "support" / "benchmark.yaml")

# Version 2 of the example app: it lost the billing, shipping and account articles.
WORSE = """
import support_app


def answer(prompt, sample):
    if sample.metadata.get("topic") in ("billing", "shipping", "account"):
        return {"text": "Please contact us.", "contexts": []}
    return support_app.answer(prompt, sample)
"""


@pytest.fixture
def two_runs(proctor, tmp_path: Path) -> tuple[str, str]:
    (tmp_path / "support_v2.py").write_text(WORSE)
    ids = []
    for model, label in (("python:support_app:answer", "v1"), ("python:support_v2:answer", "v2")):
        ran = proctor("run", BENCH, "--model", model, "--label", label, "--no-progress")
        assert ran.returncode == 0, ran.stderr
        ids.append(ran.stdout.split("run ")[-1].split()[0])
    return ids[0], ids[1]


def test_compare_in_all_three_formats(proctor, two_runs: tuple[str, str]) -> None:
    a, b = two_runs
    table = proctor("compare", a, b)
    assert table.returncode == 0, table.stderr  # no gate asked for: exit 0
    assert "includes/mean" in table.stdout and "Regressed samples" in table.stdout
    assert "[topic=billing]" in table.stdout

    raw = proctor("compare", a, b, "--format", "json", "--resamples", "2000")
    assert raw.returncode == 0, raw.stderr
    data = json.loads(raw.stdout)
    assert data["run_a"]["id"] == a and data["run_b"]["id"] == b and data["n_shared"] == 45
    figures = {m["name"]: m for m in data["metrics"]}
    billing = figures["includes/mean[topic=billing]"]
    assert billing["delta"] < 0 and billing["b"] == 0.0 and billing["n"] == 7
    overall = figures["includes/mean"]
    parts = [figures[f"includes/mean[topic={t}]"] for t in ("billing", "shipping", "account")]
    assert overall["delta"] == pytest.approx(sum(p["delta"] * p["n"] for p in parts) / 45)
    assert overall["ci_low"] <= overall["delta"] <= overall["ci_high"]
    assert overall["test"].startswith("clustered")  # the example clusters by policy
    assert all(m["q_value"] >= m["p_value"] for m in data["metrics"] if m["p_value"] is not None)
    returns = figures["includes/mean[topic=returns]"]
    assert returns["delta"] == 0 and returns["status"] == "unchanged"
    regressed = data["regressed"]
    assert regressed and all(c["b"] < c["a"] for c in regressed)
    assert {c["sample_id"] for c in regressed} <= {f"sup-{i:03d}" for i in range(1, 46)}
    assert regressed[0]["output_b"] == "Please contact us."

    markdown = proctor("compare", a, b, "--format", "markdown")
    assert markdown.returncode == 0, markdown.stderr
    assert "| includes/mean |" in markdown.stdout and "### Top regressions" in markdown.stdout
    assert "` Please contact us. `" in markdown.stdout


def test_gates_fail_with_exit_1_and_pass_with_0(proctor, two_runs: tuple[str, str]) -> None:
    a, b = two_runs
    drop = proctor("compare", a, b, "--fail-if", "includes/mean < -0.05", "--format", "markdown")
    assert drop.returncode == 1, drop.stdout + drop.stderr
    assert "**Gates: FAILED**" in drop.stdout and "❌ includes/mean &lt; -0.05" in drop.stdout
    loose = proctor("compare", a, b, "--fail-if", "includes/mean < -0.5")
    assert loose.returncode == 0, loose.stdout + loose.stderr
    assert "gates: passed" in loose.stdout
    floor = proctor("compare", a, b, "--min", "includes/mean >= 0.99")
    assert floor.returncode == 1
    significant = proctor("compare", a, b, "--fail-on-significant-regression")
    assert significant.returncode == 1, significant.stdout
    # comparing a run with an equal one: nothing regressed, the gate passes
    same = proctor("compare", a, a)
    assert same.returncode == 2 and "compared with itself" in same.stderr
    unknown = proctor("compare", a, b, "--fail-if", "includes/meen < 0")
    assert unknown.returncode == 2 and "no metric 'includes/meen'" in unknown.stderr
    malformed = proctor("compare", a, b, "--fail-if", "includes/mean drops")
    assert malformed.returncode == 2 and "METRIC OP NUMBER" in malformed.stderr


def test_baselines_and_history(proctor, two_runs: tuple[str, str]) -> None:
    a, b = two_runs
    missing = proctor("compare", "--baseline", "latest")
    assert missing.returncode == 2 and "has no baseline" in missing.stderr
    assert proctor("baseline", "set", a).returncode == 0
    shown = proctor("baseline", "show")
    assert a in shown.stdout and "support-qa" in shown.stdout
    latest = proctor("compare", "--baseline", "latest", "--format", "json", "--show", "0")
    assert latest.returncode == 0, latest.stderr
    data = json.loads(latest.stdout)
    assert (data["run_a"]["id"], data["run_b"]["id"]) == (a, b)
    named = proctor("compare", "--baseline", b, "--fail-on-significant-regression")
    assert named.returncode == 1

    history = proctor("history", "support-qa")
    assert history.returncode == 0, history.stderr
    out = history.stdout
    assert out.index(a) < out.index(b)  # oldest first
    assert "▼" in out  # v2's significant drop against v1 is flagged
    as_json = json.loads(proctor("history", "support-qa", "--format", "json").stdout)
    assert [e["run"] for e in as_json] == [a, b] and as_json[1]["previous"] == a
    assert as_json[1]["changes"]["includes/mean"]["status"] == "regressed"
    nothing = proctor("history", "no-such-benchmark")
    assert nothing.returncode == 2 and "support-qa" in nothing.stderr


def test_plan_in_both_directions_and_from_runs(proctor, two_runs: tuple[str, str]) -> None:
    need = proctor("plan", "--metric-type", "binary", "--baseline", "0.8", "--mde", "0.05")
    assert need.returncode == 0, need.stderr
    n = int(need.stdout.split()[0])
    back = proctor("plan", "--metric-type", "binary", "--baseline", "0.8", "--n", str(n))
    assert back.returncode == 0
    assert float(back.stdout.split("drop of ")[1].split()[0]) == pytest.approx(0.05, abs=0.002)
    continuous = proctor("plan", "--metric-type", "continuous", "--sd-diff", "0.3", "--mde", "0.02")
    assert continuous.returncode == 0 and "paired samples" in continuous.stdout
    a, b = two_runs
    estimated = proctor("plan", "--from", a, "--from", b, "--mde", "0.05")
    assert estimated.returncode == 0, estimated.stderr
    assert "estimated from includes/mean on 45 paired samples" in estimated.stdout
    incomplete = proctor("plan", "--metric-type", "binary", "--mde", "0.05")
    assert incomplete.returncode == 2 and "--baseline" in incomplete.stderr
