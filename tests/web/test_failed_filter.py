"""The samples list's "failed" filter reads each scorer's direction and ignores reviewers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from web_data import client_for

from proctor.scorer import resolve_scorer
from proctor.store import RunRecord, SampleRecord, ScoreRecord, Store, new_run_id


def test_failed_means_short_of_the_best_in_each_scorers_direction(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    scorers = [resolve_scorer("exact_match").describe(), resolve_scorer("ter").describe()]
    run = RunRecord(
        id=new_run_id(),
        benchmark="b",
        task_version="t",
        dataset_version="d",
        selection_version="s",
        model_spec="python:m:f",
        model_config={},
        scorers=scorers,
        n_samples=3,
        started_at=datetime.now(UTC),
        status="finished",
    )

    def sample(i: int, exact: bool, ter: float, extra: list[ScoreRecord]) -> SampleRecord:
        scores = [ScoreRecord("exact_match", exact), ScoreRecord("ter", ter), *extra]
        return SampleRecord(run.id, f"s{i}", 0, i, "q", output="a", scores=scores)

    with Store(url) as store:
        store.create_run(run)
        store.write_samples(
            [
                # perfect on both, but a reviewer disagreed: still not failed by the scorers
                sample(0, True, 0.0, [ScoreRecord("exact_match", False, source="human")]),
                sample(1, True, 0.4, []),  # TER above 0: short of the best
                sample(2, False, 0.0, []),  # exact match wrong
            ]
        )
    with client_for(url) as client:

        def failed(**params: str) -> list[str]:
            found = client.get(f"/api/runs/{run.id}/samples", params={"failed": "true", **params})
            assert found.status_code == 200, found.text
            return [row["sample_id"] for row in found.json()["samples"]]

        assert failed() == ["s1", "s2"]
        assert failed(scorer="ter") == ["s1"]
        assert failed(scorer="exact_match") == ["s2"]
