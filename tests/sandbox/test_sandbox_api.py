"""The sandbox's public surface: names, limits, refusal without isolation, workers, closing."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import os
import signal
import time

import pytest
from sandbox_host import assert_host_healthy

import proctor.sandbox
from proctor.errors import ConfigError, ProctorError
from proctor.sandbox import ExecResult, IsolationError, Limits, Sandbox, _sandbox


def test_exported_names_are_exactly_all() -> None:
    public = {name for name in dir(proctor.sandbox) if not name.startswith("_")}
    assert (
        public
        == set(proctor.sandbox.__all__)
        == {
            "ExecResult",
            "IsolationError",
            "Limits",
            "Sandbox",
            "detect_isolation",
        }
    )


def test_isolation_error_is_a_proctor_error() -> None:
    assert issubclass(IsolationError, ProctorError)


def test_limits_default_to_the_documented_values() -> None:
    assert Limits() == Limits(
        cpu_seconds=10,
        wall_seconds=15,
        memory_mb=512,
        processes=32,
        file_size_mb=16,
        output_bytes=64_000,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        Limits().cpu_seconds = 1  # type: ignore[misc]


@pytest.mark.parametrize("field", ["cpu_seconds", "wall_seconds", "memory_mb", "output_bytes"])
def test_a_limit_must_be_positive(field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        Limits(**{field: 0})


def test_exec_result_carries_its_fields() -> None:
    result = ExecResult("failed", "AssertionError", "", "tb", 0.1, 1)
    assert (result.status, result.detail, result.exit_code) == ("failed", "AssertionError", 1)


def test_detect_isolation_finds_bubblewrap_here(isolation: str) -> None:
    assert isolation == "bwrap"


async def test_the_sandbox_says_which_isolation_is_active(isolation: str) -> None:
    async with Sandbox() as box:
        assert box.isolation == "bwrap"


def test_without_isolation_the_sandbox_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sandbox, "detect_isolation", lambda: "none")
    with pytest.raises(IsolationError, match="allow_unisolated=True"):
        Sandbox()


async def test_without_isolation_it_runs_only_when_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_sandbox, "detect_isolation", lambda: "none")
    async with Sandbox(allow_unisolated=True, limits=Limits(wall_seconds=5)) as box:
        assert box.isolation == "none"
        passed = await box.run("print('trusted')")
        failed = await box.run("assert 1 == 2, 'nope'")
        slow = await box.run("import time\ntime.sleep(30)", limits=Limits(wall_seconds=0.5))
    assert (passed.status, passed.stdout) == ("passed", "trusted\n")
    assert (failed.status, failed.detail) == ("failed", "AssertionError: nope")
    assert (slow.status, slow.detail) == ("timeout", "wall-clock limit of 0.5 s exceeded")
    assert_host_healthy()


async def test_at_most_workers_programs_run_at_once(isolation: str) -> None:
    program = (
        "import time\nstart = time.monotonic()\ntime.sleep(0.3)\nprint(start, time.monotonic())"
    )
    async with Sandbox(workers=2) as box:
        results = await asyncio.gather(*(box.run(program) for _ in range(5)))
    spans = [tuple(map(float, r.stdout.split())) for r in results]
    most = max(sum(start <= t < end for start, end in spans) for t, _ in spans)
    assert most == 2
    assert_host_healthy()


async def test_a_cancelled_run_stops_its_program(isolation: str) -> None:
    async with Sandbox(workers=1) as box:
        task = asyncio.create_task(box.run("import time\ntime.sleep(60)"))
        await asyncio.sleep(0.5)
        started = time.perf_counter()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.perf_counter() - started < 2
        assert (await box.run("print('next')")).stdout == "next\n"
    assert_host_healthy()


async def test_a_closed_sandbox_runs_nothing(isolation: str) -> None:
    box = Sandbox()
    assert (await box.run("pass")).status == "passed"
    await box.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await box.run("pass")
    assert_host_healthy()


async def test_a_sandbox_never_closed_stops_its_workers_when_collected(isolation: str) -> None:
    box = Sandbox()
    assert (await box.run("pass")).status == "passed"
    del box
    gc.collect()
    assert_host_healthy()


async def test_a_worker_killed_while_idle_is_replaced(isolation: str) -> None:
    async with Sandbox(workers=1) as box:
        assert (await box.run("pass")).status == "passed"
        for worker in box._idle:
            os.killpg(worker._process.pid, signal.SIGKILL)
            worker._process.wait()
        assert (await box.run("print('again')")).stdout == "again\n"
    assert_host_healthy()
