"""Seeded sampling rules: reproducible, recorded, the same in Python and in SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from proctor.errors import ConfigError
from proctor.online._ingest import ingest_records
from proctor.online._record import TrafficRecord
from proctor.online._sampling import SamplingRule, record_draw
from proctor.store._online import TrafficSelection, draw_window, ensure_tables, selected_ids
from proctor.store._schema_online import traffic, traffic_samples

DAY = datetime(2024, 5, 1, tzinfo=UTC)


def _records(n: int, *, start: int = 0, topics: tuple[str, ...] = ("a",)) -> list[TrafficRecord]:
    return [
        TrafficRecord(
            input=f"question {i}",
            output=f"answer {i}",
            timestamp=DAY + timedelta(seconds=30 * i),
            id=f"r{i}",
            metadata={"topic": topics[i % len(topics)]},
        )
        for i in range(start, start + n)
    ]


def _selection(rule: SamplingRule, source: str = "s") -> TrafficSelection:
    return TrafficSelection(
        benchmark="b",
        source=source,
        rule_id=rule.rule_id(source),
        rate=rule.rate if not rule.window_wide else None,
        phi=rule.phi,
    )


def _ids_to_keys(store: Any, ids: list[int]) -> set[str]:
    from sqlalchemy import select

    with store.engine.connect() as conn:
        rows = conn.execute(select(traffic.c.record_id).where(traffic.c.id.in_(ids)))
        return {r for (r,) in rows}


def test_a_rate_rule_selects_the_same_records_in_python_and_in_sql(store: Any) -> None:
    ingest_records(store, _records(2000), source="s")
    rule = SamplingRule(kind="rate", rate=0.3, seed=5)
    in_sql = _ids_to_keys(store, selected_ids(store, _selection(rule), DAY, DAY + timedelta(1)))
    in_python = {f"r{i}" for i in range(2000) if rule.selects(record_draw("s", f"r{i}"))}
    assert in_sql == in_python
    assert 0.26 < len(in_sql) / 2000 < 0.34  # Binomial(2000, 0.3): sd ≈ 0.01


def test_another_seed_selects_another_sample() -> None:
    keys = [f"r{i}" for i in range(1000)]
    one = {
        k for k in keys if SamplingRule(kind="rate", rate=0.2, seed=1).selects(record_draw("s", k))
    }
    two = {
        k for k in keys if SamplingRule(kind="rate", rate=0.2, seed=2).selects(record_draw("s", k))
    }
    assert one != two and 150 < len(one) < 250 and 150 < len(two) < 250


def test_rule_ids_are_stable_and_depend_on_the_rule_and_source() -> None:
    rule = SamplingRule(kind="rate", rate=0.1, seed=7)
    assert rule.rule_id("s") == SamplingRule(kind="rate", rate=0.1, seed=7).rule_id("s")
    assert rule.rule_id("s") != rule.rule_id("t")
    assert rule.rule_id("s") != SamplingRule(kind="rate", rate=0.1, seed=8).rule_id("s")


def test_a_rule_must_make_sense() -> None:
    with pytest.raises(ConfigError, match="rate must be in"):
        SamplingRule(kind="rate", rate=0.0)
    with pytest.raises(ConfigError, match="per_window must be at least 1"):
        SamplingRule(kind="per_window", n=0)


def _drawn(store: Any, rule_id: str) -> set[int]:
    from sqlalchemy import select

    with store.engine.connect() as conn:
        query = select(traffic_samples.c.traffic_id).where(traffic_samples.c.rule_id == rule_id)
        return set(conn.scalars(query))


def _record(store: Any, rule: SamplingRule, source: str = "s") -> str:
    from proctor.store._online import record_rule

    rule_id = rule.rule_id(source)
    record_rule(store, rule_id, source, rule.describe())
    return rule_id


def test_a_fixed_number_per_window_is_drawn_once_and_late_records_do_not_change_it(
    store: Any,
) -> None:
    ensure_tables(store)
    ingest_records(store, _records(50), source="s")
    rule = SamplingRule(kind="per_window", n=10, seed=3).for_window(86400)
    rule_id = _record(store, rule)
    window = (DAY, DAY + timedelta(days=1))
    assert draw_window(store, rule_id, "s", *window, n=10, stratify=None, phi=rule.phi) == 10
    first = _drawn(store, rule_id)
    ingest_records(store, _records(30, start=50), source="s")  # arrive after the draw
    assert draw_window(store, rule_id, "s", *window, n=10, stratify=None, phi=rule.phi) == 0
    assert _drawn(store, rule_id) == first
    # the draw is the bottom-10 of the rotated draws among the records present then
    from proctor.online._sampling import rotated_draw

    keys = sorted(range(50), key=lambda i: rotated_draw(record_draw("s", f"r{i}"), rule.phi))
    assert _ids_to_keys(store, sorted(first)) == {f"r{i}" for i in keys[:10]}


def test_a_stratified_rule_draws_the_number_per_value_of_the_key(store: Any) -> None:
    ensure_tables(store)
    topics = ("a",) * 6 + ("b",) * 3 + ("c",)  # 60% a, 30% b, 10% c
    ingest_records(store, _records(40, topics=topics), source="s")
    rule = SamplingRule(kind="per_window", n=5, stratify="topic", seed=1).for_window(86400)
    rule_id = _record(store, rule)
    drawn = draw_window(
        store, rule_id, "s", DAY, DAY + timedelta(days=1), n=5, stratify="topic", phi=rule.phi
    )
    assert drawn == 5 + 5 + 4  # c has only 4 records
