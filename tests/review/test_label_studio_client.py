"""The Label Studio client's plumbing against a small HTTP server on 127.0.0.1: both kinds
of token, the refresh of an expired access token, and errors as one readable line."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from proctor.review import LabelStudio, LabelStudioError, is_personal_access_token

LEGACY = "0123456789abcdef"


def jwt(payload: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(payload)}.c2lnbmF0dXJl"


REFRESH = jwt({"token_type": "refresh", "user_id": "1"})


class Fake:
    """What the fake server saw and will answer."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str | None, Any]] = []
        self.issued = 0
        self.expire_first_access = False


@pytest.fixture
def server() -> Iterator[tuple[str, Fake]]:
    fake = Fake()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: Any) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _handle(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            auth = self.headers.get("Authorization")
            fake.requests.append((method, self.path, auth, body))
            if self.path == "/api/token/refresh/":
                if body != {"refresh": REFRESH}:
                    return self._reply(401, {"detail": "Token is invalid"})
                fake.issued += 1
                return self._reply(200, {"access": f"access-{fake.issued}"})
            allowed = {f"Token {LEGACY}", f"Bearer access-{fake.issued}"}
            if fake.expire_first_access and auth == "Bearer access-1":
                allowed.discard(auth)
            if auth not in allowed:
                return self._reply(401, {"detail": "Invalid token."})
            if method == "POST" and self.path == "/api/projects":
                return self._reply(201, {"id": 7, "title": body["title"]})
            if method == "POST" and self.path == "/api/projects/7/import":
                return self._reply(201, {"task_count": len(body), "annotation_count": 0})
            if self.path == "/api/projects/7/export?exportType=JSON":
                return self._reply(200, [{"id": 1, "data": {}, "annotations": []}])
            if self.path == "/api/users/":
                return self._reply(200, [{"id": 3, "email": "ana@example.org"}])
            return self._reply(404, {"detail": "Not found."})

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", fake
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_kind_of_token_is_told_from_the_token() -> None:
    assert is_personal_access_token(REFRESH)
    assert not is_personal_access_token(LEGACY)
    assert not is_personal_access_token("a.b.c")


def test_a_legacy_token_is_sent_as_token(server) -> None:
    url, fake = server
    client = LabelStudio(url + "/", LEGACY)
    assert client.create_project("review", "<View/>") == 7
    assert client.import_tasks(7, [{"data": {}}, {"data": {}}]) == 2
    assert client.export(7) == [{"id": 1, "data": {}, "annotations": []}]
    assert client.user_emails() == {3: "ana@example.org"}
    assert {auth for _, _, auth, _ in fake.requests} == {f"Token {LEGACY}"}
    method, path, _, body = fake.requests[0]
    assert (method, path, body["label_config"]) == ("POST", "/api/projects", "<View/>")


def test_a_personal_access_token_is_exchanged_for_a_bearer_access_token(server) -> None:
    url, fake = server
    client = LabelStudio(url, REFRESH)
    client.export(7)
    client.export(7)
    paths = [(p, a) for _, p, a, _ in fake.requests]
    assert paths == [
        ("/api/token/refresh/", None),
        ("/api/projects/7/export?exportType=JSON", "Bearer access-1"),
        ("/api/projects/7/export?exportType=JSON", "Bearer access-1"),
    ]


def test_an_expired_access_token_is_exchanged_again(server) -> None:
    url, fake = server
    fake.expire_first_access = True
    assert LabelStudio(url, REFRESH).export(7)
    assert [p for _, p, _, _ in fake.requests] == [
        "/api/token/refresh/",
        "/api/projects/7/export?exportType=JSON",
        "/api/token/refresh/",
        "/api/projects/7/export?exportType=JSON",
    ]


def test_a_refused_token_and_an_unreachable_server_are_one_readable_line(server) -> None:
    url, _ = server
    with pytest.raises(LabelStudioError, match=r"answered 401 to GET .* \(check the token\)"):
        LabelStudio(url, "wrong-token").export(7)
    with pytest.raises(
        LabelStudioError, match=re.escape("answered 404 to GET /api/projects/9/export")
    ):
        LabelStudio(url, LEGACY).export(9)
    with pytest.raises(
        LabelStudioError, match=re.escape("cannot reach Label Studio at http://127.0.0.1:9")
    ):
        LabelStudio("http://127.0.0.1:9", LEGACY, timeout=2).export(7)
    with pytest.raises(LabelStudioError, match="must be http"):
        LabelStudio("localhost:8080", LEGACY)
    assert "wrong-token" not in repr(LabelStudio(url, "wrong-token"))
