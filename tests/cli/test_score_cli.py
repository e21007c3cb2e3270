"""`proctor score` re-scores a stored run; `proctor show --sample` shows judges' work."""

from __future__ import annotations

import json
from pathlib import Path

from openai_server import FakeOpenAIServer

JUDGE = """
def rate(prompt):
    answer = prompt.split("The assistant's answer:")[-1]
    rating = 5 if "Paris" in answer else 2
    return '{"explanation": "<b>checked</b> [red]x[/red]", "rating": %d}' % rating
"""


def write(tmp_path: Path) -> None:
    rows = [{"id": "fr", "input": "Capital of France?", "target": "Paris"}]
    rows += [{"id": "de", "input": "Capital of Germany?", "target": "Berlin"}]
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "judges.py").write_text(JUDGE)
    (tmp_path / "v1.yaml").write_text(
        "name: capitals\ndataset: {path: data.jsonl}\nscorers: [exact_match]\n"
    )
    (tmp_path / "v2.yaml").write_text(
        "name: capitals\ndataset: {path: data.jsonl}\nscorers:\n  - exact_match\n"
        "  - name: judge\n    args: {guidelines: 'Is the capital right'}\n"
    )


def test_score_adds_a_judge_without_calling_the_model(proctor, tmp_path: Path) -> None:
    write(tmp_path)
    with FakeOpenAIServer(responder=lambda messages: "Paris") as server:
        ran = proctor("run", "v1.yaml", "--model", "openai:m", "--base-url", server.base_url)
        assert ran.returncode == 0, ran.stderr
        run_id = ran.stdout.split("run ")[-1].split()[0]
        assert len(server.requests) == 2

        missing = proctor("score", run_id, "--benchmark", "v2.yaml")
        assert missing.returncode == 2
        assert "needs a judge" in missing.stderr and "--judge" in missing.stderr

        scored = proctor("score", run_id, "--benchmark", "v2.yaml", "--judge", "python:judges:rate")
        assert scored.returncode == 0, scored.stderr
        assert "model under test called 0 times" in scored.stdout
        assert "judge/mean" in scored.stdout
        assert len(server.requests) == 2  # the model under test was not called again

    shown = proctor("show", run_id, "--sample", "fr")
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert "judge: 1 (answer 5)" in out
    assert "prompt judge_v1:" in out and "python:judges:rate" in out
    assert "<b>checked</b> [red]x[/red]" in out  # untrusted text printed as it is

    unknown = proctor("show", run_id, "--sample", "nope")
    assert unknown.returncode == 2 and "no sample 'nope'" in unknown.stderr
