"""`ExecResult`, and how the evidence of one run becomes one."""

from __future__ import annotations

import math
import signal
from dataclasses import dataclass
from typing import Literal

from proctor.sandbox._limits import Limits

Status = Literal["passed", "failed", "timeout", "error"]
# Why Proctor ended a run itself: its wall clock ran out, it wrote too much, or its
# worker died under it.
Stop = Literal["wall", "output", "worker"]


@dataclass(frozen=True)
class ExecResult:
    """What running one program in the sandbox came to.

    - `passed`: the program exited with code 0.
    - `failed`: the program raised (`detail` is the exception's last line, such
      as `AssertionError: expected 3`) or exited with another code.
    - `timeout`: the program ran past its wall-clock or CPU-time limit.
    - `error`: the program was stopped by another limit (memory, processes,
      file size, output), died of a signal, or the sandbox itself failed.

    `exit_code` is None when the program did not exit by itself (killed by a
    signal or by Proctor). `stdout` and `stderr` hold at most
    `Limits.output_bytes` of each stream, then a line saying how much was dropped.
    """

    status: Status
    detail: str
    stdout: str
    stderr: str
    duration: float
    exit_code: int | None


@dataclass(frozen=True)
class Finished:
    """The raw evidence of one run, before it is judged."""

    returncode: int | None
    stdout: bytes
    stderr: bytes
    dropped: tuple[int, int]
    stopped: Stop | None
    report: bytes
    duration: float

    def result(self, limits: Limits) -> ExecResult:
        stdout = _text(self.stdout, self.dropped[0])
        stderr = _text(self.stderr, self.dropped[1])
        status, detail, exit_code = outcome(self, Report.parse(self.report), limits, stderr)
        return ExecResult(status, detail, stdout, stderr, self.duration, exit_code)


def _text(kept: bytes, dropped: int) -> str:
    text = kept.decode("utf-8", "replace")
    if dropped:
        text += f"\n[Proctor: {dropped} more bytes of output dropped]\n"
    return text


@dataclass(frozen=True)
class Report:
    """What the launcher inside the sandbox said (see `_inside.py`)."""

    started: bool = False
    kind: str | None = None
    line: str = ""
    exit: int | None = None

    @classmethod
    def parse(cls, data: bytes) -> Report:
        started, kind, line, exit = False, None, "", None
        for raw in data.decode("utf-8", "replace").splitlines():
            fields = raw.split("\t", 2)
            if fields[0] == "started":
                started = True
            elif fields[0] == "raised" and len(fields) == 3:
                kind, line = fields[1], fields[2]
            elif fields[0] == "exit" and len(fields) == 2 and fields[1].lstrip("-").isdigit():
                exit = int(fields[1])
        return cls(started, kind, line, exit)


def outcome(
    finished: Finished, report: Report, limits: Limits, stderr: str
) -> tuple[Status, str, int | None]:
    """Status, detail and exit code of a run.

    `finished.returncode` is the program's exit code, or 128 + N if signal N
    killed it (as the worker reports it); a program run without isolation
    shows a signal as -N.
    """
    returncode = finished.returncode
    if finished.stopped == "wall":
        return "timeout", f"wall-clock limit of {limits.wall_seconds:g} s exceeded", None
    if finished.stopped == "output":
        return "error", f"output exceeded the {limits.file_size_mb} MB file-size limit", None
    if finished.stopped == "worker":
        return "error", "sandbox failed: its worker died during the run", None
    if report.kind == "sandbox":
        return "error", f"sandbox failed: {report.line}", returncode
    if not report.started:
        lines = stderr.strip().splitlines()
        reason = lines[-1] if lines else f"exit status {returncode}"
        return "error", f"sandbox failed to start: {reason}", None

    signum = _signal_of(returncode, report)
    cpu = f"CPU-time limit of {limits.cpu_seconds:g} s exceeded"
    if signum == signal.SIGXCPU:
        return "timeout", cpu, None
    if signum == signal.SIGKILL and finished.duration >= math.ceil(limits.cpu_seconds) + 1:
        # The hard CPU limit, one second after the soft one, for a program ignoring SIGXCPU.
        return "timeout", f"{cpu} (killed at the hard limit)", None
    if signum is not None:
        return "error", f"killed by {_signal_name(signum)}", None
    if returncode == 0:
        return "passed", "", 0
    if report.kind is not None and returncode == report.exit:
        status: Status = "failed" if report.kind == "raised" else "error"
        return status, _raised_detail(report, limits), returncode
    return "failed", f"exit code {returncode}", returncode


def _signal_of(returncode: int | None, report: Report) -> int | None:
    if returncode is None:
        return None
    if returncode < 0:
        return -returncode
    if returncode > 128 and returncode != report.exit and returncode - 128 < signal.NSIG:
        return returncode - 128
    return None


def _raised_detail(report: Report, limits: Limits) -> str:
    if report.kind == "memory":
        return f"memory limit of {limits.memory_mb} MB exceeded ({report.line})"
    if report.kind == "file_size":
        return f"file-size limit of {limits.file_size_mb} MB exceeded ({report.line})"
    if report.kind == "disk":
        return f"writable space of {4 * limits.file_size_mb} MB used up ({report.line})"
    if report.kind == "processes":
        return f"process limit of {limits.processes} reached ({report.line})"
    return report.line


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
