"""What a run records about where it ran: package versions and git commit."""

from __future__ import annotations

import platform
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

_PACKAGES = ("proctor", "aiohttp", "jinja2", "pydantic", "sqlalchemy", "numpy", "scipy")


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def git_commit(folder: Path) -> str | None:
    """The commit checked out in `folder`'s repository (with `+dirty`), or None."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, timeout=5
        )
        if head.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def environment(folder: Path) -> dict[str, Any]:
    """Package versions, Python and platform, and the git commit of `folder`."""
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {name: v for name in _PACKAGES if (v := _version(name)) is not None},
        "git_commit": git_commit(folder),
    }
