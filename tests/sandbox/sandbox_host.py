"""Checks that the machine running the sandbox tests is unharmed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

_BASELINE = set()  # children started by other tests' fixtures (a model server, say)


def assert_host_healthy() -> None:
    """The test process still starts programs, and none of its sandboxes is left running."""
    assert subprocess.run(["true"], check=False).returncode == 0
    assert [pid for pid in children_of(os.getpid()) if pid not in _BASELINE] == []


def remember_other_children() -> None:
    """Note the children that exist before a sandbox test: they are not its sandboxes."""
    _BASELINE.clear()
    _BASELINE.update(children_of(os.getpid()))


def children_of(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # exited while we looked
            fields = stat.rpartition(")")[2].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                children.append(int(entry.name))
    return children
