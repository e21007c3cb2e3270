"""How long the statistics of `proctor compare` take on two large runs.

    python bench/compare_speed.py [--samples 100000] [--resamples 10000] [--repeat 3]

Two runs of 100,000 paired samples, compared on one binary metric (0/1 per
sample: McNemar) and one continuous metric (values in [0, 1]: sign-flip
permutation test, Monte Carlo), each over the whole set plus 10 slices, with
10,000 paired bootstrap resamples shared by all groups. The time counted is
`paired_tests` alone (data generation and the one-off import of SciPy, shown
apart, excluded), the median of `--repeat` runs. Target: both metrics
together under 5 s.

For scale, the script also times the naive draw of the same resamples
(10,000 x 100,000 random indices and the gathered sums) on a tenth of them.

Then the whole command path: the same two runs written to a SQLite store
(scorers `exact_match` and `f1`, a `topic` slice) and compared with
`proctor.compare` — reading both runs' scores back, rebuilding the scorers,
the tests, the q-values and the sample diff. Printed apart (`--no-store` skips it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
from _harness import OtherLoad

from proctor.compare._paired import paired_tests
from proctor.metrics import mean

TARGET = 5.0
SLICES = 10


def _runs(n: int, seed: int) -> dict[str, tuple[list[float], list[float]]]:
    """Binary and continuous per-sample statistics of two correlated runs."""
    rng = np.random.default_rng(seed)
    skill = rng.normal(size=n)  # item difficulty shared by both runs: correlated pairs
    right_a = rng.normal(size=n) + skill > -0.8
    right_b = rng.normal(size=n) + skill > -0.75
    score_a = 1 / (1 + np.exp(-(skill + rng.normal(scale=0.7, size=n))))
    score_b = 1 / (1 + np.exp(-(skill + rng.normal(scale=0.7, size=n) - 0.02)))
    return {
        "binary": (right_a.astype(float).tolist(), right_b.astype(float).tolist()),
        "continuous": (score_a.tolist(), score_b.tolist()),
    }


def _groups(n: int, seed: int) -> list[tuple[str | None, str | None, np.ndarray]]:
    """The whole set, then 10 slices of one key (samples in random order, uneven sizes)."""
    rng = np.random.default_rng(seed + 1)
    topic = rng.choice(SLICES, size=n, p=np.arange(1, SLICES + 1) / (SLICES * (SLICES + 1) / 2))
    groups: list[tuple[str | None, str | None, np.ndarray]] = [(None, None, np.arange(n))]
    for value in range(SLICES):
        groups.append(("topic", f"t{value}", np.flatnonzero(topic == value)))
    return groups


def _timed(call: object) -> float:
    start = time.perf_counter()
    call()  # type: ignore[operator]
    return time.perf_counter() - start


def _naive_seconds(n: int, resamples: int) -> float:
    """Seconds for `resamples` naive resamples of n indices, with the gathered sums."""
    rng = np.random.default_rng(0)
    values = rng.random(n)
    start = time.perf_counter()
    for _ in range(resamples):
        values.take(rng.integers(0, n, n)).sum()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-store", dest="store", action="store_false")
    args = parser.parse_args()
    load = OtherLoad()
    start = time.perf_counter()
    import scipy.stats  # noqa: F401  (imported by the first comparison of a process)

    imported = time.perf_counter() - start
    runs = _runs(args.samples, seed=0)
    groups = _groups(args.samples, seed=0)
    print(
        f"paired_tests: {args.samples:,} paired samples, 1 + {SLICES} groups, "
        f"{args.resamples:,} resamples; median of {args.repeat}"
    )
    print(f"  {'import scipy.stats (once per process, not counted)':<50} {imported:.2f} s")
    total = 0.0
    for kind, (a, b) in runs.items():
        results = []

        def run(a: list[float] = a, b: list[float] = b, out: list = results) -> None:
            out[:] = paired_tests(mean(), a, b, groups, resamples=args.resamples, seed=1)

        seconds = statistics.median(_timed(run) for _ in range(args.repeat))
        total += seconds
        first = results[0]
        print(
            f"  {kind:<11} {seconds:6.2f} s   test {first.test}, delta {first.delta:+.4f} "
            f"[{first.ci_low:+.4f}, {first.ci_high:+.4f}], p {first.p_value:.3g}"
        )
    verdict = "ok" if total < TARGET else "OVER"
    print(f"  {'both':<11} {total:6.2f} s   {verdict} (target < {TARGET:.0f} s)")
    tenth = max(1, args.resamples // 10)
    naive = _naive_seconds(args.samples, tenth) * args.resamples / tenth
    print(f"  naive draws of the same resamples, one metric, no slices: ~{naive:.1f} s")
    if args.store:
        _end_to_end(runs, groups, args.resamples)
    print(load.report())
    return 0


def _end_to_end(
    runs: dict[str, tuple[list[float], list[float]]],
    groups: list[tuple[str | None, str | None, np.ndarray]],
    resamples: int,
) -> None:
    import tempfile
    from datetime import UTC, datetime
    from pathlib import Path

    import proctor
    from proctor.scorer import resolve_scorer
    from proctor.store import RunRecord, SampleRecord, ScoreRecord, Store, new_run_id

    topic = np.empty(len(runs["binary"][0]), dtype=object)
    for _key, value, members in groups[1:]:
        topic[members] = value
    scorers = [resolve_scorer("exact_match").describe(), resolve_scorer("f1").describe()]
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{Path(folder) / 'bench.db'}")
        start = time.perf_counter()
        ids = []
        for side in (0, 1):
            run = RunRecord(
                id=new_run_id(),
                benchmark="bench",
                task_version="t",
                dataset_version="d",
                selection_version="s",
                model_spec=f"python:m:v{side}",
                model_config={},
                scorers=scorers,
                n_samples=len(topic),
                slices=["topic"],
                started_at=datetime.now(UTC),
                status="finished",
            )
            store.create_run(run)
            right, score = runs["binary"][side], runs["continuous"][side]
            batch = []
            for i in range(len(topic)):
                batch.append(
                    SampleRecord(
                        run.id,
                        f"s{i}",
                        0,
                        i,
                        f"question {i}",
                        metadata={"topic": topic[i]},
                        output=f"answer {i}",
                        scores=[
                            ScoreRecord("exact_match", bool(right[i])),
                            ScoreRecord("f1", score[i]),
                        ],
                    )
                )
                if len(batch) == 5000:
                    store.write_samples(batch)
                    batch = []
            store.write_samples(batch)
            ids.append(run.id)
        written = time.perf_counter() - start
        start = time.perf_counter()
        result = proctor.compare(ids[0], ids[1], store=store, resamples=resamples, show=10)
        seconds = time.perf_counter() - start
        store.close()
    print(
        f"proctor.compare from a SQLite store: two runs of {len(topic):,} samples, "
        f"{len(result.metrics)} figures, {resamples:,} resamples: {seconds:.2f} s "
        f"(writing the runs first: {written:.1f} s, not counted)"
    )


if __name__ == "__main__":
    sys.exit(main())
