"""The README's examples work: its benchmark YAML loads and its commands exist."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from proctor.benchmark import load_benchmark

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_readme_benchmark_yaml_loads(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delitem(sys.modules, "my_checks", raising=False)
    block = re.search(r"```yaml\n(.*?)```", README, re.S).group(1)
    rows = [
        {"id": f"q{i}", "question": f"q {i}", "answer": str(i), "topic": "t", "policy": "p"}
        for i in range(120)
    ]
    (tmp_path / "questions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "my_checks.py").write_text("def is_polite(sample, output, ctx):\n    return True\n")
    bench = load_benchmark(_write(tmp_path / "b.yaml", block))
    assert bench.name == "support-qa" and len(bench.dataset) == 100
    assert [s.name for s in bench.scorers] == [
        "exact_match",
        "numeric",
        "python:my_checks:is_polite",
    ]
    bench.check_keys()


def test_every_documented_command_exists() -> None:
    documented = set(re.findall(r"^proctor (\w+)", README, re.M))
    assert documented >= {"run", "runs", "show", "export", "init"}
    for command in documented:
        out = subprocess.run(
            [sys.executable, "-m", "proctor", command, "--help"], capture_output=True, text=True
        )
        assert out.returncode == 0, command


def test_every_documented_run_option_exists() -> None:
    usage = re.search(r"```\nproctor run (.*?)\nproctor runs", README, re.S).group(1)
    documented = set(re.findall(r"(--[a-z-]+)", usage))
    out = subprocess.run(
        [sys.executable, "-m", "proctor", "run", "--help"],
        capture_output=True,
        text=True,
        env={"COLUMNS": "300", "PATH": ""},
    )
    missing = {option for option in documented if option not in out.stdout}
    assert not missing


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_readme_online_benchmark_yaml_loads(tmp_path: Path) -> None:
    from proctor.online._spec import load_online_benchmark

    block = next(b for b in re.findall(r"```yaml\n(.*?)```", README, re.S) if "traffic:" in b)
    path = tmp_path / "online.yaml"
    path.write_text(block, encoding="utf-8")
    online = load_online_benchmark(path)
    assert online.benchmark.name == "support-online"
    assert [s.name for s in online.benchmark.scorers][:2] == ["judge", "json_valid"]
