"""`proctor serve`: refuses to expose a store without a token, prints the link, serves."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from proctor.cli._serve import is_loopback
from proctor.store import Store


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'proctor.db'}"
    Store(url).close()
    return url


def _proctor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "proctor", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})},
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "viewer.example"])
def test_a_non_local_address_without_a_token_is_refused(db: str, host: str) -> None:
    out = _proctor("serve", "--host", host, "--port", "0", "--db", db)
    assert out.returncode == 2
    assert "--token" in out.stderr and "PROCTOR_TOKEN" in out.stderr
    assert "Traceback" not in out.stderr


def test_an_empty_token_is_refused(db: str) -> None:
    out = _proctor("serve", "--port", "0", "--db", db, env={"PROCTOR_TOKEN": " "})
    assert out.returncode == 2 and "--token is empty" in out.stderr


def test_a_store_that_cannot_be_opened_is_a_usage_error(tmp_path: Path) -> None:
    out = _proctor("serve", "--port", "0", "--db", "nosuchdriver://x")
    assert out.returncode == 2 and "cannot open store" in out.stderr


def test_a_busy_port_is_a_usage_error(db: str) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        out = _proctor("serve", "--port", str(port), "--db", db)
    assert out.returncode == 2 and "cannot listen" in out.stderr


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.1.2.3", False),
        ("myhost", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@contextmanager
def _serving(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`proctor serve ARGS` in a subprocess; yields the link it prints, stops it after."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "proctor", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})},
    )
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    try:
        link = None
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.startswith("open "):
                link = line.split(" ", 1)[1].strip()
                break
        assert link is not None, proc.stderr.read()  # type: ignore[union-attr]
        yield link
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            _, err = proc.communicate(timeout=20)
        finally:
            watchdog.cancel()
    # stopped cleanly: 130, Ctrl-C's exit code (0 with servers that swallow the signal)
    assert proc.returncode in (0, 130) and "Traceback" not in err


def _get(url: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_serve_prints_its_link_and_serves_the_store(db: str) -> None:
    with _serving("--db", db) as link:
        assert link.startswith("http://127.0.0.1:") and "token" not in link
        status, body = _get(link.rstrip("/") + "/api/runs")
    assert status == 200 and json.loads(body)["total"] == 0


def test_a_token_from_the_environment_guards_every_request(db: str) -> None:
    with _serving("--db", db, env={"PROCTOR_TOKEN": "tok-123"}) as link:
        assert link.endswith("/?token=tok-123")
        base = link.split("?", 1)[0]
        assert _get(base + "api/runs")[0] == 401
        assert _get(base + "api/runs", token="tok-123")[0] == 200
        assert _get(base + "api/runs", token="tok-124")[0] == 401
