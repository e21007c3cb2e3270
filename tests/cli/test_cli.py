"""The command line: runs, listings, exports, scaffolding, exit codes and error messages."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def small_benchmark(folder: Path, *, scorer: str = "exact_match") -> Path:
    rows = [
        {"id": f"q{i}", "input": f"say {i}", "target": str(i), "topic": "t" + str(i % 2)}
        for i in range(6)
    ]
    write(folder / "q.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    write(
        folder / "app.py",
        "def answer(prompt, sample):\n"
        "    n = int(prompt.split()[-1])\n"
        "    if n == 5:\n        raise RuntimeError('app crashed')\n"
        "    return str(n) if n != 4 else 'four'\n",
    )
    return write(
        folder / "bench.yaml",
        f"name: small\ndataset: {{path: q.jsonl}}\nscorers: [{scorer}]\nslices: [topic]\n",
    )


def run_id_of(stdout: str) -> str:
    return stdout.split("run ", 1)[1].split()[0]


def test_example_benchmark_runs_offline(proctor, tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "support")
    result = proctor("run", "support/benchmark.yaml", "--model", "python:support_app:answer")
    assert result.returncode == 0, result.stderr
    assert "includes/mean" in result.stdout and "[topic=billing]" in result.stdout
    assert "45/45" in result.stdout


def test_errors_give_exit_1_and_allow_errors_gives_0(proctor, tmp_path: Path) -> None:
    small_benchmark(tmp_path)
    failed = proctor("run", "bench.yaml", "--model", "python:app:answer")
    assert failed.returncode == 1
    assert "1 sample(s) errored" in failed.stdout
    allowed = proctor("run", "bench.yaml", "--model", "python:app:answer", "--allow-errors")
    assert allowed.returncode == 0


def test_runs_show_and_export(proctor, tmp_path: Path) -> None:
    small_benchmark(tmp_path)
    first = proctor("run", "bench.yaml", "--model", "python:app:answer", "--label", "v1")
    run_id = run_id_of(first.stdout)
    listing = proctor("runs")
    assert listing.returncode == 0 and run_id in listing.stdout and "v1" in listing.stdout
    shown = proctor("show", run_id[:6])
    assert shown.returncode == 0
    assert "exact_match/mean" in shown.stdout and "app crashed" in shown.stdout
    assert "four" in shown.stdout  # the wrong answer is among the worst samples
    exported = proctor("export", run_id, "--format", "jsonl")
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(rows) == 6 and {r["sample_id"] for r in rows} == {f"q{i}" for i in range(6)}
    assert next(r for r in rows if r["sample_id"] == "q4")["scores"][0]["value"] is False
    as_csv = proctor("export", run_id, "--format", "csv")
    table = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(table) == 6 and "exact_match.value" in table[0]


def test_metrics_printed_are_the_stored_ones(proctor, tmp_path: Path) -> None:
    small_benchmark(tmp_path)
    result = proctor("run", "bench.yaml", "--model", "python:app:answer")
    run_id = run_id_of(result.stdout)
    shown = proctor("show", run_id, "--worst", "0")
    line = next(x for x in result.stdout.splitlines() if "exact_match/mean" in x)
    assert line in shown.stdout


def test_init_scaffolds_a_benchmark_that_runs(proctor, tmp_path: Path) -> None:
    created = proctor("init", "starter")
    assert created.returncode == 0
    assert {p.name for p in (tmp_path / "starter").iterdir()} >= {
        "benchmark.yaml",
        "questions.jsonl",
        "my_app.py",
        "README.md",
    }
    result = proctor(
        "run", "benchmark.yaml", "--model", "python:my_app:answer", cwd=tmp_path / "starter"
    )
    assert result.returncode == 0, result.stderr
    again = proctor("init", "starter")
    assert again.returncode == 2 and "not an empty folder" in again.stderr


@pytest.mark.parametrize(
    "yaml_text,expected",
    [
        (
            "name: x\ndataset: {path: q.jsonl}\nscorers: [exact_match\n",
            "bench.yaml:4: invalid YAML",
        ),
        (
            "name: x\ndataset: {path: q.jsonl}\nscorers:\n  - exact\n",
            "bench.yaml:4: scorers[0]: unknown scorer 'exact' (known: bleu, choice, chrf,",
        ),
        (
            "name: x\ndataset: {path: missing.jsonl}\nscorers: [exact_match]\n",
            "missing.jsonl: dataset file not found",
        ),
        (
            "name: x\ndataset: {path: q.jsonl}\nscorers: [exact_match]\nslicez: [a]\n",
            "bench.yaml:4: slicez: unknown key",
        ),
        (
            "name: x\ndataset: {path: q.jsonl, fields: {input: question}}\n"
            "scorers: [exact_match]\n",
            "q.jsonl:1: missing field 'question'",
        ),
        (
            "name: x\ndataset: {path: q.jsonl}\nprompt: {template: '{{ input '}\n"
            "scorers: [exact_match]\n",
            "template error",
        ),
    ],
)
def test_user_mistakes_exit_2_with_one_readable_line(
    proctor, tmp_path: Path, yaml_text: str, expected: str
) -> None:
    write(tmp_path / "q.jsonl", '{"id": 1, "input": "a", "target": "a"}\n')
    write(tmp_path / "bench.yaml", yaml_text)
    result = proctor("run", "bench.yaml", "--model", "python:os:getcwd")
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_malformed_jsonl_line_is_named(proctor, tmp_path: Path) -> None:
    write(tmp_path / "q.jsonl", '{"input": "a"}\n{"input": "b"\n')
    write(tmp_path / "bench.yaml", "name: x\ndataset: {path: q.jsonl}\nscorers: [exact_match]\n")
    result = proctor("run", "bench.yaml", "--model", "python:os:getcwd")
    assert result.returncode == 2 and "q.jsonl:2: malformed JSON line" in result.stderr


def test_missing_benchmark_file_and_unknown_model_prefix(proctor, tmp_path: Path) -> None:
    missing = proctor("run", "nope.yaml", "--model", "python:os:getcwd")
    assert missing.returncode == 2 and "nope.yaml: benchmark file not found" in missing.stderr
    small_benchmark(tmp_path)
    unknown = proctor("run", "bench.yaml", "--model", "gpt:4")
    assert unknown.returncode == 2
    assert "unknown model backend 'gpt'" in unknown.stderr and "openai" in unknown.stderr


def test_unknown_run_id_is_a_user_error(proctor) -> None:
    result = proctor("show", "doesnotexist")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_unwritable_paths_are_user_errors(proctor, tmp_path: Path) -> None:
    small_benchmark(tmp_path)
    run_id = run_id_of(proctor("run", "bench.yaml", "--model", "python:app:answer").stdout)
    for args in (
        ("export", run_id, "-o", str(tmp_path / "missing" / "x.csv")),
        ("export", run_id, "-o", str(tmp_path)),
        ("init", "/proc/no/such/place"),
        ("runs", "--db", "sqlite:////proc/no/such/place/p.db"),
    ):
        result = proctor(*args)
        assert result.returncode == 2, args
        assert "Traceback" not in result.stderr and result.stderr.startswith("error: ")


def test_out_of_range_options_are_usage_errors(proctor, tmp_path: Path) -> None:
    small_benchmark(tmp_path)
    for option in (("--timeout", "0"), ("--rpm", "-5"), ("--price-input", "-1")):
        result = proctor("run", "bench.yaml", "--model", "python:app:answer", *option)
        assert result.returncode == 2, option
        assert "Traceback" not in result.stderr


def test_markup_in_names_is_printed_as_text(proctor, tmp_path: Path) -> None:
    small_benchmark(tmp_path)
    write(
        tmp_path / "bench.yaml",
        'name: "[bold]x[/]"\ndataset: {path: q.jsonl}\n'
        'scorers:\n  - {name: exact_match, as: "[/]m"}\n',
    )
    proctor("run", "bench.yaml", "--model", "python:app:answer", "--label", "[red]l")
    listing = proctor("runs")
    assert listing.returncode == 0, listing.stderr
    assert "[bold]x[/]" in listing.stdout and "[/]m/mean" in listing.stdout


def test_a_long_error_stays_on_one_line(proctor, tmp_path: Path) -> None:
    deep = tmp_path / ("a-rather-long-folder-name-" * 4)
    deep.mkdir()
    result = proctor("run", str(deep / "missing-benchmark.yaml"), "--model", "python:x:y")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
