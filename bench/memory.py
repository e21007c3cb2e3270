"""Peak memory of `proctor run` over a large dataset, and how it grows with the size.

    python bench/memory.py

Writes a JSONL dataset whose targets equal the inputs and a `python:` model
that returns its input (a sync function marked `run_inline`, so no thread
hop), then runs `/usr/bin/time -v proctor run ... --model python:...` with
`exact_match` and a SQLite store, at 20,000 and at 200,000 samples. Prints
the peak resident set size against the 400 MB target and the throughput.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

from _harness import OtherLoad, child_env, proctor_executable, run_child, run_span, write_benchmark

SIZES = (20_000, 200_000)
TARGET_MB = 400
TIME = "/usr/bin/time"

MODEL_SOURCE = '''"""An app that answers with its prompt: an echo dataset is all right."""

from proctor.model import run_inline


@run_inline
def answer(prompt, sample):
    return prompt
'''


def measure(folder: Path, n: int) -> tuple[float, float, float, float]:
    """Peak RSS in MB, wall seconds, run-record seconds and CPU seconds of one run."""
    bench = write_benchmark(folder, f"mem{n}", n)
    db = folder / f"mem{n}.db"
    cmd = [
        TIME,
        "-v",
        proctor_executable(),
        "run",
        str(bench),
        "--model",
        "python:echo_model:answer",
        "--db",
        f"sqlite:///{db}",
        "--no-progress",
    ]
    done = run_child(cmd, cwd=folder, env=child_env(PYTHONPATH=str(folder)), timeout=900)
    if f"scored {n}/{n}" not in done.stdout.replace("\n", ""):
        raise RuntimeError(f"not every sample was scored:\n{done.stdout}")
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"no peak RSS in the output of {TIME} -v:\n{done.stderr}")
    return int(found.group(1)) / 1024, done.wall, run_span(db), done.cpu


def main() -> int:
    if not os.access(TIME, os.X_OK):
        raise SystemExit(f"{TIME} is needed (Debian/Ubuntu: apt-get install time)")
    load = OtherLoad()
    print("Peak memory of proctor run: python: echo model (run_inline), exact_match, SQLite")
    print(
        f"{'samples':>9} {'peak RSS MB':>12} {'target':>7} {'wall s':>7} {'run s':>6} "
        f"{'samples/s (run)':>16} {'(wall)':>7} {'CPU ms/sample':>14}"
    )
    with tempfile.TemporaryDirectory(prefix="proctor-bench-") as tmp:
        folder = Path(tmp)
        (folder / "echo_model.py").write_text(MODEL_SOURCE)
        peaks = []
        for n in SIZES:
            peak, wall, span, cpu = measure(folder, n)
            peaks.append(peak)
            verdict = "ok" if peak <= TARGET_MB else "OVER"
            print(
                f"{n:>9,} {peak:12.1f} {verdict:>7} {wall:7.1f} {span:6.1f} "
                f"{n / span:16,.0f} {n / wall:7,.0f} {cpu / n * 1e3:14.3f}"
            )
    growth_kb = (peaks[-1] - peaks[0]) * 1024 / (SIZES[-1] - SIZES[0]) * 1000
    print(
        f"growth: {peaks[-1] - peaks[0]:+.1f} MB for {SIZES[-1] - SIZES[0]:,} more samples "
        f"({growth_kb:.1f} KB per 1,000 samples); target <= {TARGET_MB} MB at {SIZES[-1]:,}"
    )
    print(load.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
