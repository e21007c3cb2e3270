"""The catalog: off-the-shelf benchmarks, ready to run by name (`proctor run mmlu:anatomy`).

A catalog entry is a function `(arg, *, data, shots) -> Benchmark` with a
one-line `description`, registered under the entry-point group
`proctor.catalog` (Proctor's own entries are registered the same way, so
other packages can add theirs). `arg` is what follows the colon in
`NAME:ARG`; `data` points at the user's copy of the benchmark's data in its
official format; `shots` asks for k-shot prompts where the benchmark has them.
Benchmark data is never shipped with Proctor.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from proctor._registry import catalog

if TYPE_CHECKING:
    from proctor.benchmark import Benchmark

__all__ = ["catalog_entries", "load_catalog_benchmark"]


def catalog_entries() -> list[tuple[str, str]]:
    """`(name, description)` of every catalog benchmark."""
    return [(name, getattr(catalog.get(name), "description", "")) for name in catalog.names()]


def load_catalog_benchmark(ref: str, *, data: Path | None = None, shots: int = 0) -> Benchmark:
    """The catalog benchmark `NAME` or `NAME:ARG`."""
    name, _, arg = ref.partition(":")
    return catalog.get(name)(arg or None, data=data, shots=shots)
