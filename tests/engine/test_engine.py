"""The engine: every sample ends scored or with its error, through retries and failures."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from scripted import ScriptedModel

from proctor.benchmark import Benchmark, PromptTemplate
from proctor.dataset import Dataset
from proctor.engine import Backoff, RunOptions, run_benchmark_async
from proctor.errors import ConfigError, ModelError, RateLimited
from proctor.model import ModelConfig, Prices
from proctor.scorer import Score, resolve_scorer, scorer
from proctor.store import Store

FAST = Backoff(base=0.001, cap=0.01)


def bench(
    n: int = 20,
    *,
    scorers=None,
    epochs: int = 1,
    template: str | None = None,
    cluster: str | None = None,
) -> Benchmark:
    rows = [
        {
            "id": f"s{i:03d}",
            "input": f"question {i}",
            "target": str(i),
            "topic": "even" if i % 2 == 0 else "odd",
            "group": f"g{i // 4}",
        }
        for i in range(n)
    ]
    return Benchmark(
        name="toy",
        dataset=Dataset.from_records(rows),
        scorers=scorers or [resolve_scorer("exact_match")],
        prompt=PromptTemplate(template=template),
        slices=("topic",),
        cluster=cluster,
        epochs=epochs,
    )


@pytest.fixture
def store(tmp_path: Path):
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as s:
        yield s


async def run(b, model, store, **options):
    options.setdefault("backoff", FAST)
    return await run_benchmark_async(b, model, store=store, options=RunOptions(**options))


async def test_every_sample_is_scored_and_metrics_are_stored(store: Store) -> None:
    answers = {f"question {i}": str(i) if i < 15 else "wrong" for i in range(20)}
    model = ScriptedModel(lambda r: answers[r.input])
    summary = await run(bench(), model, store)
    assert summary.processed == 20 and summary.n_errors == 0
    overall = next(m for m in summary.metrics if m.name == "exact_match/mean")
    assert overall.value == pytest.approx(0.75) and overall.n == 20 and overall.method == "wilson"
    assert [m.name for m in store.get_metrics(summary.run.id)] == [m.name for m in summary.metrics]
    assert {m.name for m in summary.metrics} >= {
        "exact_match/mean[topic=even]",
        "exact_match/mean[topic=odd]",
    }
    rows = list(store.iter_samples(summary.run.id))
    assert len(rows) == 20 and len({r.sample_id for r in rows}) == 20
    assert store.get_run(summary.run.id).status == "finished"


async def test_a_failed_model_call_is_recorded_and_the_run_goes_on(store: Store) -> None:
    model = ScriptedModel(failures={"s003": [ModelError("bad request", retryable=False)]})
    summary = await run(bench(), model, store)
    assert summary.n_errors == 1
    rows = {r.sample_id: r for r in store.iter_samples(summary.run.id)}
    assert rows["s003"].error == "ModelError: bad request" and rows["s003"].scores == []
    overall = next(m for m in summary.metrics if m.name == "exact_match/mean")
    assert (overall.n, overall.n_total, overall.value) == (19, 20, 1.0)


async def test_retryable_errors_are_retried_then_recorded(store: Store) -> None:
    flaky = [ModelError("503", retryable=True), RateLimited("429", retry_after=0.01)]
    always = [ModelError("500", retryable=True)] * 10
    model = ScriptedModel(
        failures={"s001": flaky, "s002": always}, config=ModelConfig(max_retries=3)
    )
    summary = await run(bench(), model, store)
    rows = {r.sample_id: r for r in store.iter_samples(summary.run.id)}
    assert rows["s001"].error is None and rows["s001"].scores[0].value is True
    assert rows["s002"].error == "ModelError: 500"
    assert sum(1 for c in model.calls if c[0] == "s002") == 4  # first try + 3 retries
    assert sum(1 for c in model.calls if c[0] == "s001") == 3


async def test_a_call_slower_than_the_timeout_is_an_error(store: Store) -> None:
    model = ScriptedModel(config=ModelConfig(timeout=0.05, max_retries=1), delay=0.5)
    summary = await run(bench(3), model, store)
    assert summary.n_errors == 3
    assert all("ModelTimeout" in r.error for r in store.iter_samples(summary.run.id))


async def test_a_failing_scorer_is_an_error_not_a_zero(store: Store) -> None:
    @scorer("explodes")
    def explodes():
        async def score(sample, output, ctx):
            if sample.id == "s004":
                raise RuntimeError("boom")
            return Score(True)

        return score

    b = bench(scorers=[explodes(), resolve_scorer("exact_match")])
    summary = await run(b, ScriptedModel(), store)
    rows = {r.sample_id: r for r in store.iter_samples(summary.run.id)}
    by_scorer = {s.scorer: s for s in rows["s004"].scores}
    assert by_scorer["explodes"].error == "RuntimeError: boom"
    assert by_scorer["exact_match"].value is True
    figure = next(m for m in summary.metrics if m.name == "explodes/mean")
    assert (figure.n, figure.n_total, figure.value) == (19, 20, 1.0)
    assert summary.n_errors == 1


async def test_an_unparseable_answer_is_wrong_not_an_error(store: Store) -> None:
    model = ScriptedModel(lambda r: "I have no idea")
    summary = await run(bench(4, scorers=[resolve_scorer("numeric")]), model, store)
    assert summary.n_errors == 0
    assert all(r.scores[0].value is False for r in store.iter_samples(summary.run.id))


async def test_concurrency_is_capped_per_model(store: Store) -> None:
    model = ScriptedModel(delay=0.01)
    await run(bench(40), model, store, max_concurrency=3)
    assert model.max_in_flight == 3


async def test_epochs_run_each_sample_several_times_and_average_first(store: Store) -> None:
    model = ScriptedModel(lambda r: r.sample.target if r.epoch == 0 else "no")
    summary = await run(bench(10, epochs=2), model, store)
    assert len(model.calls) == 20
    overall = next(m for m in summary.metrics if m.name == "exact_match/mean")
    assert overall.value == pytest.approx(0.5) and overall.n == 10
    assert overall.method == "t"  # per-sample means of 0.5 are not binary


async def test_identical_rerun_is_served_from_the_cache(store: Store) -> None:
    first = ScriptedModel()
    await run(bench(), first, store)
    second = ScriptedModel()
    summary = await run(bench(), second, store)
    assert len(first.calls) == 20 and second.calls == [] and summary.n_cached == 20
    third = ScriptedModel()
    await run(bench(), third, store, cache=False)
    assert len(third.calls) == 20


async def test_a_changed_prompt_misses_the_cache(store: Store) -> None:
    await run(bench(), ScriptedModel(), store)
    model = ScriptedModel()
    await run(bench(template="Q: {{ input }}"), model, store)
    assert len(model.calls) == 20


async def test_interrupted_run_resumes_without_repeating_finished_samples(store: Store) -> None:
    model = ScriptedModel(delay=0.005)
    task = asyncio.ensure_future(run(bench(60), model, store, max_concurrency=2))
    while len(model.calls) < 20:
        await asyncio.sleep(0.005)
    task.cancel()
    summary = await task
    assert summary.interrupted and store.get_run(summary.run.id).status == "interrupted"
    done_before = set(store.finished(summary.run.id))
    assert 0 < len(done_before) < 60
    again = ScriptedModel()
    resumed = await run(bench(60), again, store, resume=summary.run.id)
    assert {(sid, e) for sid, e in again.calls}.isdisjoint(done_before)
    rows = list(store.iter_samples(summary.run.id))
    assert len(rows) == 60 and len({r.sample_id for r in rows}) == 60
    assert resumed.run.status == "finished" and resumed.skipped == len(done_before)


async def test_retry_errors_reruns_only_the_errored_samples(store: Store) -> None:
    failing = ScriptedModel(failures={"s002": [ModelError("down", retryable=False)]})
    first = await run(bench(), failing, store)
    assert first.n_errors == 1
    plain = ScriptedModel()
    await run(bench(), plain, store, resume=first.run.id)
    assert plain.calls == []
    fixer = ScriptedModel()
    fixed = await run(bench(), fixer, store, resume=first.run.id, retry_errors=True)
    assert fixer.calls == [("s002", 0)] and fixed.n_errors == 0
    rows = [r for r in store.iter_samples(first.run.id) if r.sample_id == "s002"]
    assert len(rows) == 1 and rows[0].error is None and rows[0].scores[0].value is True


async def test_resume_refuses_a_different_task(store: Store) -> None:
    first = await run(bench(), ScriptedModel(), store)
    with pytest.raises(ConfigError, match="cannot be resumed"):
        await run(bench(template="Other: {{ input }}"), ScriptedModel(), store, resume=first.run.id)


async def test_cost_uses_declared_prices_and_is_none_without_them(store: Store) -> None:
    priced = ScriptedModel(config=ModelConfig(prices=Prices(1.0, 2.0)))
    summary = await run(bench(2), priced, store, cache=False)
    # 10 input tokens and 1 output token per call
    assert summary.cost == pytest.approx(2 * (10 * 1.0 + 1 * 2.0) / 1e6)
    unpriced = await run(bench(2), ScriptedModel(), store, cache=False)
    assert unpriced.cost is None and unpriced.run.cost is None


async def test_api_key_is_never_written_to_the_store(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    with Store(f"sqlite:///{db}") as s:
        await run(bench(3), ScriptedModel(config=ModelConfig(api_key="sk-very-secret-key")), s)
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"sk-very-secret-key" not in data


async def test_run_records_versions_signatures_and_environment(store: Store) -> None:
    b = bench()
    summary = await run(b, ScriptedModel(), store, label="baseline")
    r = store.get_run(summary.run.id)
    assert r.task_version == b.task_version and r.dataset_version == b.dataset.version
    assert r.scorers[0]["signature"] == b.scorers[0].signature
    assert r.label == "baseline" and "python" in r.environment
    assert "proctor" in r.environment["packages"]


async def test_clustered_interval_is_used_with_a_cluster_key(store: Store) -> None:
    model = ScriptedModel(lambda r: r.sample.target if int(r.sample.target) % 8 < 4 else "x")
    summary = await run(bench(32, cluster="group"), model, store)
    overall = next(m for m in summary.metrics if m.name == "exact_match/mean")
    assert overall.method == "clustered"


async def test_nul_characters_and_non_finite_scores_are_stored_safely(store: Store) -> None:
    @scorer("nan")
    def nan():
        async def score(sample, output, ctx):
            return Score(float("nan"))

        return score

    b = bench(2, scorers=[nan(), resolve_scorer("exact_match")])
    summary = await run(b, ScriptedModel(lambda r: "a\x00b"), store)
    rows = list(store.iter_samples(summary.run.id))
    assert all(r.output == "a\ufffdb" for r in rows)
    assert all("non-finite" in next(s for s in r.scores if s.scorer == "nan").error for r in rows)


async def test_a_first_run_looks_each_answer_up_in_the_cache_once(
    store: Store, monkeypatch
) -> None:
    lookups: list[int] = []
    original = Store.cache_get_many

    def counting(self, keys):
        lookups.append(len(keys))
        return original(self, keys)

    monkeypatch.setattr(Store, "cache_get_many", counting)
    await run(bench(20), ScriptedModel(), store)
    assert sum(lookups) == 20


async def test_resume_refuses_other_generation_settings_and_run_options(store: Store) -> None:
    from proctor.model import GenerateConfig

    first = await run(bench(), ScriptedModel(), store)
    hotter = ScriptedModel(config=ModelConfig(generate=GenerateConfig(temperature=0.9)))
    with pytest.raises(ConfigError, match="mix two configurations"):
        await run(bench(), hotter, store, resume=first.run.id)
    for option in ({"limit": 5}, {"epochs": 2}, {"label": "x"}):
        with pytest.raises(ConfigError, match="cannot change a run being resumed"):
            await run(bench(), ScriptedModel(), store, resume=first.run.id, **option)


async def test_resume_refuses_changed_scorers(store: Store) -> None:
    first = await run(bench(), ScriptedModel(), store)
    other = bench(scorers=[resolve_scorer("exact_match", {"ignore_case": False})])
    with pytest.raises(ConfigError, match="scorers have changed"):
        await run(other, ScriptedModel(), store, resume=first.run.id)


async def test_a_sample_whose_prompt_cannot_render_is_an_error_on_that_sample(
    store: Store,
) -> None:
    b = bench(6, template="{{ metadata.group }} {{ input }}")
    b.dataset = Dataset.from_records(
        [
            {"id": f"s{i}", "input": f"question {i}", "target": str(i), "topic": "t"}
            | ({} if i == 3 else {"group": "g"})
            for i in range(6)
        ]
    )
    model = ScriptedModel()
    summary = await run(b, model, store)
    rows = {r.sample_id: r for r in store.iter_samples(summary.run.id)}
    assert "TemplateError" in rows["s3"].error and "'s3'" in rows["s3"].error
    assert ("s3", 0) not in model.calls and len(model.calls) == 5
    assert summary.run.status == "finished" and summary.n_errors == 1


async def test_retry_errors_reruns_samples_whose_scorer_failed(store: Store) -> None:
    state = {"broken": True}

    @scorer("flaky_check")
    def flaky_check():
        async def score(sample, output, ctx):
            if state["broken"] and sample.id == "s001":
                raise RuntimeError("scorer bug")
            return Score(True)

        return score

    first = await run(bench(scorers=[flaky_check()]), ScriptedModel(), store)
    assert first.n_errors == 1
    state["broken"] = False
    again = ScriptedModel()
    fixed = await run(
        bench(scorers=[flaky_check()]), again, store, resume=first.run.id, retry_errors=True
    )
    # only s001 is processed again; its answer comes from the cache, the model was fine
    assert fixed.processed == 1 and fixed.n_cached == 1 and again.calls == []
    assert fixed.n_errors == 0
    (row,) = [r for r in store.iter_samples(first.run.id) if r.sample_id == "s001"]
    assert row.scores[0].error is None and row.scores[0].value is True


async def test_answers_from_another_endpoint_are_not_reused(store: Store) -> None:
    one = ScriptedModel()
    one.endpoint = "http://127.0.0.1:1111/v1/chat/completions"
    await run(bench(), one, store)
    other = ScriptedModel()
    other.endpoint = "http://127.0.0.1:2222/v1/chat/completions"
    await run(bench(), other, store)
    assert len(other.calls) == 20
    same = ScriptedModel()
    same.endpoint = one.endpoint
    await run(bench(), same, store)
    assert same.calls == []


async def test_every_attempt_waits_for_the_rate_limiter(store: Store, monkeypatch) -> None:
    from proctor.engine._limits import RateLimiter

    acquired = []

    async def count(self) -> None:
        acquired.append(1)

    monkeypatch.setattr(RateLimiter, "acquire", count)
    model = ScriptedModel(
        failures={"s001": [ModelError("503", retryable=True)] * 2}, config=ModelConfig(rpm=6000)
    )
    await run(bench(5), model, store)
    assert len(acquired) == len(model.calls) == 7


async def test_an_empty_selection_is_a_user_error(store: Store) -> None:
    with pytest.raises(ConfigError, match="nothing to run"):
        await run(bench(5), ScriptedModel(), store, limit=0)


async def test_slice_and_cluster_keys_must_exist_in_the_data(store: Store) -> None:
    b = bench(4)
    b.slices = ("topc",)
    with pytest.raises(ConfigError, match=r"slice key 'topc' is in no sample's metadata.*topic"):
        await run(b, ScriptedModel(), store)
    with pytest.raises(ConfigError, match="cluster key 'grp'"):
        await run(bench(4, cluster="grp"), ScriptedModel(), store)


async def test_scorers_can_be_limited_to_one_kind_of_question(store: Store) -> None:
    import dataclasses

    rows = [
        {"id": "g1", "input": "Capital of France?", "target": "Paris"},
        {"id": "g2", "input": "Capital of Japan?", "target": "Tokyo"},
        {"id": "m1", "input": "Pick B", "choices": ["x", "y"], "target": "B"},
    ]
    b = Benchmark(
        name="mixed",
        dataset=Dataset.from_records(rows),
        scorers=[
            dataclasses.replace(resolve_scorer("includes"), applies_to="no_choices"),
            dataclasses.replace(resolve_scorer("choice"), applies_to="choices"),
        ],
    )
    answers = {
        "Capital of France?": "It is Paris.",
        "Capital of Japan?": "Kyoto",
        "Pick B": "The answer is B",
    }
    summary = await run(b, ScriptedModel(lambda r: answers[r.input]), store)
    assert summary.n_errors == 0
    figures = {m.name: m for m in summary.metrics}
    includes, choice = figures["includes/mean"], figures["choice/mean"]
    assert (includes.value, includes.n, includes.n_total) == (0.5, 2, 2)
    assert (choice.value, choice.n, choice.n_total) == (1.0, 1, 1)
    rows_out = {r.sample_id: r for r in store.iter_samples(summary.run.id)}
    assert [s.scorer for s in rows_out["m1"].scores] == ["choice"]


async def test_each_epoch_has_its_own_seed(store: Store) -> None:
    from proctor.model import GenerateConfig

    seeds = []
    model = ScriptedModel(
        lambda r: seeds.append((r.epoch, r.config.seed)) or "x",
        config=ModelConfig(generate=GenerateConfig(seed=100)),
    )
    await run(bench(2, epochs=3), model, store)
    assert sorted(set(seeds)) == [(0, 100), (1, 101), (2, 102)]
