"""How fast `proctor ingest` stores production traffic, and whether its memory stays flat.

    python bench/ingest_speed.py [--records 1000000] [--no-postgres]

Writes a plain-JSONL log of `--records` calls (chat input with a system and a
user message, an answer, metadata, token usage, latency; one record in 20
carries an e-mail address and one in 20 a phone number, so redaction has work
to do), then ingests it into a new SQLite file and into a new PostgreSQL
database on 127.0.0.1:5432 (created for the run and dropped after it, as the
test suite does). Each ingest runs in a child process, which reports its
time and its peak resident memory; the same is measured at a tenth of the
records, so flat memory shows as the same peak at both sizes. Prints
records per second against the target of 20,000 into SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from _harness import OtherLoad, child_env

TARGET = 20_000
PG_HOST, PG_PORT = "127.0.0.1", 5432

CHILD = """
import json, resource, sys, time
from proctor.online import ingest
from proctor.store import Store

url, path = sys.argv[1], sys.argv[2]
with Store(url) as store:
    start = time.perf_counter()
    report = ingest(store, [path], source="bench")
    seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "read": report.read, "stored": report.stored,
                  "failed": report.failed, "redactions": report.redactions, "peak_mb": peak}))
"""


def write_log(path: Path, n: int, *, seed: int = 0) -> Path:
    """`n` plain-format records, one a line."""
    rng = random.Random(seed)
    topics = ("billing", "shipping", "returns", "account", "other")
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            contact = ""
            if i % 20 == 0:
                contact = f" Write to me at customer{i}@example.org."
            elif i % 20 == 10:
                contact = f" Call me on +44 20 7946 {rng.randint(0, 9999):04d}."
            question = (
                f"Hello, I ordered item {rng.randint(1000, 99999)} last week and it has not "
                f"arrived yet. Can you tell me where it is?{contact}"
            )
            record = {
                "id": f"req-{i}",
                "timestamp": 1714521600 + i,
                "input": [
                    {"role": "system", "content": "You are the support assistant of Acme."},
                    {"role": "user", "content": question},
                ],
                "output": "Thank you for your patience. Your parcel left our warehouse "
                f"yesterday and should arrive within {rng.randint(1, 5)} days.",
                "metadata": {"topic": topics[i % len(topics)], "region": f"r{i % 7}"},
                "model": "support-v7",
                "usage": {
                    "input_tokens": rng.randint(40, 90),
                    "output_tokens": rng.randint(20, 40),
                },
                "latency_ms": round(rng.lognormvariate(6.2, 0.4), 1),
            }
            f.write(json.dumps(record) + "\n")
    return path


def run_child(url: str, log: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(log)],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=3600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"ingest failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class PgDatabase:
    """A throwaway PostgreSQL database, dropped on exit."""

    def __init__(self) -> None:
        import psycopg

        self.user = None
        for user in ("postgres", "root"):
            try:
                psycopg.connect(
                    host=PG_HOST, port=PG_PORT, user=user, dbname="test", connect_timeout=3
                ).close()
                self.user = user
                break
            except psycopg.Error:
                continue
        self.name = f"proctor_bench_{uuid.uuid4().hex[:10]}"

    def _admin(self):  # type: ignore[no-untyped-def]
        import psycopg

        return psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=self.user, dbname="test", autocommit=True
        )

    def __enter__(self) -> str:
        from psycopg import sql

        if self.user is None:
            raise RuntimeError(f"no PostgreSQL server on {PG_HOST}:{PG_PORT}")
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        return f"postgresql://{self.user}@{PG_HOST}:{PG_PORT}/{self.name}"

    def __exit__(self, *exc_info: object) -> None:
        from psycopg import sql

        with self._admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )


def measure(url: str, log: Path, n: int) -> dict:
    result = run_child(url, log)
    if result["stored"] != n or result["failed"]:
        raise RuntimeError(f"expected {n} records stored, got {result}")
    result["rate"] = n / result["seconds"]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    n, small = args.records, max(args.records // 10, 1)
    load = OtherLoad()
    rows = []
    with tempfile.TemporaryDirectory(prefix="proctor-ingest-") as tmp:
        folder = Path(tmp)
        print(f"writing {n:,} records ...", flush=True)
        big_log = write_log(folder / "big.jsonl", n)
        small_log = write_log(folder / "small.jsonl", small)
        size_mb = os.path.getsize(big_log) / 1e6
        print(f"log: {size_mb:.0f} MB, {size_mb * 1e6 / n:.0f} bytes a record", flush=True)
        for label, count, log in (("SQLite", small, small_log), ("SQLite", n, big_log)):
            url = f"sqlite:///{folder / f'bench-{count}.db'}"
            rows.append((label, count, measure(url, log, count)))
            print(f"  {label} {count:>9,}: {rows[-1][2]['rate']:,.0f} records/s", flush=True)
        if not args.no_postgres:
            for count, log in ((small, small_log), (n, big_log)):
                with PgDatabase() as url:
                    rows.append(("PostgreSQL", count, measure(url, log, count)))
                print(f"  PostgreSQL {count:>9,}: {rows[-1][2]['rate']:,.0f} records/s", flush=True)
    print()
    print(f"{'store':<11} {'records':>10} {'seconds':>8} {'records/s':>10} {'peak MB':>8}")
    for label, count, r in rows:
        figures = f"{r['seconds']:>8.1f} {r['rate']:>10,.0f} {r['peak_mb']:>8.0f}"
        print(f"{label:<11} {count:>10,} {figures}")
    sqlite_big = next(r for label, count, r in rows if label == "SQLite" and count == n)
    sqlite_small = next(r for label, count, r in rows if label == "SQLite" and count == small)
    verdict = "met" if sqlite_big["rate"] >= TARGET else "NOT met"
    print(
        f"\nSQLite: {sqlite_big['rate']:,.0f} records/s for {n:,} records; target {TARGET:,}: "
        f"{verdict}. Peak memory {sqlite_small['peak_mb']:.0f} MB at {small:,} records, "
        f"{sqlite_big['peak_mb']:.0f} MB at {n:,}."
    )
    print(load.report())
    return 0 if sqlite_big["rate"] >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
