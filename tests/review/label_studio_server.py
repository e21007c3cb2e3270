"""A real Label Studio server for the integration tests, started once per session.

It runs on 127.0.0.1 with a throwaway data directory, no analytics, no
version check and no Sentry, and its default user and legacy token are made
from the command line (`--username/--password/--user-token` with
`--enable-legacy-api-token`), so no interactive step is needed. Label Studio
moves to another port when the chosen one is busy, so the port is read from
the line it prints ("Starting development server at http://127.0.0.1:PORT/").

The executable is `$PROCTOR_LABEL_STUDIO`, else `label-studio` on the PATH,
else the `label_studio` package of this interpreter. Without any, the tests
are skipped — unless `PROCTOR_REQUIRE_LABEL_STUDIO=1`, when they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import pytest

USER = "reviewer@example.org"
PASSWORD = "review-password-1"
TOKEN = "proctor-review-test-token"
READY_SECONDS = 300
_STARTED = re.compile(r"Starting development server at (http://127\.0\.0\.1:\d+)/")


@dataclass(frozen=True)
class LabelStudioServer:
    url: str
    token: str
    user: str


def command() -> list[str] | None:
    """How to start Label Studio here, or None."""
    given = os.environ.get("PROCTOR_LABEL_STUDIO")
    if given:
        return [given]
    found = shutil.which("label-studio")
    if found:
        return [found]
    if find_spec("label_studio") is not None:
        return [sys.executable, "-m", "label_studio.server"]
    return None


def unavailable(reason: str) -> None:
    if os.environ.get("PROCTOR_REQUIRE_LABEL_STUDIO") == "1":
        pytest.fail(f"{reason}, and PROCTOR_REQUIRE_LABEL_STUDIO=1")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ready(url: str) -> bool:
    request = urllib.request.Request(
        url + "/api/version", headers={"Authorization": f"Token {TOKEN}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status == 200 and "release" in json.loads(response.read())
    except (OSError, ValueError):
        return False


def start(data_dir: Path):
    """Start Label Studio; yields a `LabelStudioServer` and stops it afterwards."""
    program = command()
    if program is None:
        unavailable(
            "Label Studio is not installed (pip install label-studio, or PROCTOR_LABEL_STUDIO)"
        )
    assert program is not None
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(data_dir),
        COLLECT_ANALYTICS="false",
        LATEST_VERSION_CHECK="false",
        SENTRY_DSN="",
        FRONTEND_SENTRY_DSN="",
    )
    log = data_dir / "label-studio.log"
    process = subprocess.Popen(
        [
            *program,
            "start",
            "--no-browser",
            "--internal-host",
            "127.0.0.1",
            "--port",
            str(_free_port()),
            "--username",
            USER,
            "--password",
            PASSWORD,
            "--user-token",
            TOKEN,
            "--enable-legacy-api-token",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    found: dict[str, str] = {}
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        with log.open("w") as sink:
            for line in process.stdout:
                sink.write(line)
                sink.flush()
                lines.append(line)
                match = _STARTED.search(line)
                if match:
                    found["url"] = match.group(1)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = "".join(lines[-20:])
                pytest.fail(f"Label Studio exited with {process.returncode}:\n{tail}")
            if "url" in found and _ready(found["url"]):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"Label Studio not ready in {READY_SECONDS} s:\n{''.join(lines[-20:])}")
        yield LabelStudioServer(found["url"], TOKEN, USER)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
        reader.join(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


def api(server: LabelStudioServer, method: str, path: str, body=None, *, token: str | None = None):
    """A call to Label Studio's API as a reviewer's client would make it."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": token or f"Token {server.token}", "Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(server.url + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=60) as response:
        raw = response.read()
    return json.loads(raw) if raw else None
