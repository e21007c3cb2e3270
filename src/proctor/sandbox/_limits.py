"""The resource limits of one sandboxed run."""

from __future__ import annotations

from dataclasses import dataclass, fields

from proctor.errors import ConfigError


@dataclass(frozen=True)
class Limits:
    """What one program may use before it is stopped.

    >>> Limits(cpu_seconds=3, wall_seconds=5).memory_mb
    512

    - `cpu_seconds`: CPU time of each process (RLIMIT_CPU, rounded up to whole
      seconds); going over is a `timeout`.
    - `wall_seconds`: real time of the whole run, sandbox start-up included;
      going over kills every process of the run and is a `timeout`.
    - `memory_mb`: address space of each process (RLIMIT_AS); going over is an
      `error`. Processes count separately, so a program that forks may hold
      up to `processes * memory_mb` in all.
    - `processes`: processes and threads the program may have at once
      (RLIMIT_NPROC, counted in the run's own user namespace, so only the
      program's); going over is an `error`.
    - `file_size_mb`: largest file the program may write (RLIMIT_FSIZE); the
      writable directories (`/sandbox`, `/tmp`, `/dev/shm`) each hold at most
      four times that, and stdout plus stderr together at most that; going
      over any of these is an `error`.
    - `output_bytes`: how much of stdout and of stderr is kept; the rest is
      read and dropped.
    """

    cpu_seconds: float = 10
    wall_seconds: float = 15
    memory_mb: int = 512
    processes: int = 32
    file_size_mb: int = 16
    output_bytes: int = 64_000

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ConfigError(
                    f"sandbox limit {field.name} must be a positive number, got {value!r}"
                )
