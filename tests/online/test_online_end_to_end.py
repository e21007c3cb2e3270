"""End to end through the command line: a quality drop planted in one day of traffic is
flagged for that day only, a webhook on 127.0.0.1 receives the alert, and the failing
cases are promoted into a benchmark dataset whose version changes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from online_traffic import traffic, write_benchmark, write_traffic

from proctor.dataset import Dataset
from proctor.store import Store
from proctor.store._online import window_runs

BAD_DAY = "2024-05-04"


class _Receiver:
    """A webhook on 127.0.0.1 that keeps what is POSTed to it."""

    def __init__(self) -> None:
        received: list[dict[str, Any]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the name http.server calls
                length = int(self.headers["Content-Length"])
                received.append(
                    {
                        "path": self.path,
                        "type": self.headers["Content-Type"],
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/proctor"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    webhook = _Receiver()
    yield webhook
    webhook.close()


def test_a_planted_quality_drop_is_flagged_notified_and_promoted(
    db_url: str, proctor: Any, tmp_path: Path, receiver: _Receiver
) -> None:
    logs = write_traffic(tmp_path / "traffic.jsonl", traffic(days=6, per_day=60))
    bench = write_benchmark(tmp_path / "bench.yaml", rate=0.8)
    ingested = proctor("ingest", str(logs), "--source", "support-bot", db=db_url)
    assert ingested.returncode == 0, ingested.stderr
    assert "stored 360 new" in ingested.stdout and "email 360" in ingested.stdout

    scored = proctor("online", "run", str(bench), db=db_url)
    assert scored.returncode == 0, scored.stderr
    assert scored.stdout.count("window 2024-05-0") == 6

    status = proctor(
        "online", "status", str(bench), "--format", "json", "--fail-on-alert",
        "--notify", receiver.url, db=db_url,
    )  # fmt: skip
    assert status.returncode == 1, status.stderr
    report = json.loads(status.stdout)
    assert "sent 2 alert(s) to the webhook" in status.stderr
    flagged = {(a["window"], a["metric"]) for a in report["alerts"] if a["kind"] == "quality"}
    assert flagged == {(BAD_DAY, "mentions_order/mean"), (BAD_DAY, "polite/mean")}
    assert [a for a in report["alerts"] if a["kind"] == "input"] == []
    for check in report["metrics"]:
        assert check["alert"] == ((check["window"], check["metric"]) in flagged)
    drop = next(c for c in report["metrics"] if c["window"] == BAD_DAY and c["alert"])
    assert drop["delta"] < -0.4 and drop["delta_ci"][1] < 0 and drop["q_value"] < 0.05

    assert len(receiver.received) == 1
    posted = receiver.received[0]
    assert posted["path"] == "/hooks/proctor" and posted["type"] == "application/json"
    assert posted["body"]["benchmark"] == "support-online" and posted["body"]["status"] == "alert"
    assert {(a["window"], a["metric"]) for a in posted["body"]["alerts"]} == flagged

    latest = proctor(
        "online", "status", "support-online", "--last", "2", "--fail-on-alert", db=db_url
    )
    assert latest.returncode == 0, latest.stderr  # the drop is over: the last two days are fine
    assert "no alert in 2 window(s) tested" in latest.stdout

    with Store(db_url) as store:
        bad_run = next(w.run_id for w in window_runs(store, "support-online") if w.start.day == 4)
    dataset = tmp_path / "cases.jsonl"
    dataset.write_text(
        json.dumps({"id": "seed-1", "input": "Where is my order 1?", "target": "In transit."})
        + "\n"
        + json.dumps({"id": "seed-2", "input": "Can I change my address?", "target": "Yes."})
        + "\n"
    )
    before = Dataset.from_file(dataset).version
    promoted = proctor(
        "promote", bad_run, "--where", "mentions_order/score < 0.5", "--limit", "10",
        "--to", str(dataset), "--review", db=db_url,
    )  # fmt: skip
    assert promoted.returncode == 0, promoted.stderr
    after = Dataset.from_file(dataset)
    assert after.version != before and len(after) == 12
    assert f"dataset version {before} -> {after.version}" in promoted.stdout
    added = [json.loads(line) for line in dataset.read_text().splitlines()[2:]]
    for case in added:
        assert case["target"] == "" and case["topic"]
        provenance = case["provenance"]
        assert provenance["source"] == "support-bot" and provenance["window"] == BAD_DAY
        assert provenance["scores"] == {"mentions_order": 0.0}
        assert provenance["run_id"] == bad_run and provenance["record_id"].startswith("call-3-")
        assert "[EMAIL]" in case["input"][0]["content"]  # the stored, redacted input
    tasks_file = next(tmp_path.glob("cases.review-*.json"))
    tasks = json.loads(tasks_file.read_text())
    assert [t["data"]["case_id"] for t in tasks] == [c["id"] for c in added]
    assert '<TextArea name="reference"' in tasks_file.with_suffix(".xml").read_text()

    again = proctor(
        "promote", bad_run, "--where", "mentions_order/score < 0.5", "--to", str(dataset), db=db_url
    )
    assert again.returncode == 0, again.stderr
    assert Dataset.from_file(dataset).version != after.version  # the rest of the failures
    third = proctor(
        "promote", bad_run, "--where", "mentions_order/score < 0.5", "--to", str(dataset), db=db_url
    )
    assert "0 added" in third.stdout  # everything is in already: deduplicated
