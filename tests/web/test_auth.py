"""Who may ask: the token (bearer or session cookie), the one-time link, constant-time
comparison, and, without a token, loopback host names only."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Any

import pytest
from web_data import Seeded, client_for

TOKEN = "s3cret-Token_0123456789"


@pytest.fixture
def guarded(seeded_sqlite: Seeded) -> Iterator[Any]:
    with client_for(seeded_sqlite.url, token=TOKEN, base_url="http://viewer.example:8000") as c:
        yield c


def test_without_the_token_the_api_answers_401_json(guarded) -> None:
    response = guarded.get("/api/runs")
    assert response.status_code == 401
    assert response.json() == {"detail": "missing or wrong token"}
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert guarded.get("/openapi.json").status_code == 401


def test_without_the_token_a_page_answers_a_plain_401_page(guarded) -> None:
    response = guarded.get("/")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    assert "token" in response.text and "web-qa" not in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_a_bearer_token_opens_the_api(guarded) -> None:
    response = guarded.get("/api/runs", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response.json()["total"] == 3


@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer ", f"Basic {TOKEN}", TOKEN, "Bearer ü"],
)
def test_a_wrong_token_is_401(guarded, authorization: str) -> None:
    response = guarded.get("/api/runs", headers={"Authorization": authorization.encode()})
    assert response.status_code == 401


def test_the_link_sets_a_strict_httponly_cookie_and_drops_the_token(guarded) -> None:
    response = guarded.get(f"/runs?token={TOKEN}&x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/runs?x=1"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("proctor_session=")
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert TOKEN not in cookie  # the cookie holds a value derived from the token


def test_the_cookie_then_opens_pages_and_the_api(guarded) -> None:
    first = guarded.get(f"/?token={TOKEN}")  # follows the redirect, keeps the cookie
    assert first.status_code == 200 and first.url.path == "/" and "token" not in str(first.url)
    assert guarded.get("/api/runs").status_code == 200
    assert guarded.get("/history").status_code == 200


def test_a_forged_cookie_is_refused(guarded) -> None:
    guarded.cookies.set("proctor_session", "0" * 64)
    assert guarded.get("/api/runs").status_code == 401


def test_a_wrong_link_sets_no_cookie(guarded) -> None:
    response = guarded.get("/?token=guess", follow_redirects=False)
    assert response.status_code == 401 and "set-cookie" not in response.headers


@pytest.mark.parametrize("raw_path", [b"//evil.example/", b"/\\evil.example/", b"///evil.example"])
async def test_the_link_never_redirects_to_another_site(raw_path: bytes) -> None:
    # straight through the ASGI middleware: HTTP clients normalise such paths away
    from proctor.web._guard import Guard

    async def never(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("the link must not reach the app")

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": raw_path.decode(),
        "raw_path": raw_path,
        "query_string": f"token={TOKEN}".encode(),
        "headers": [(b"host", b"viewer.example")],
    }
    await Guard(never, token=TOKEN)(scope, None, send)
    start = sent[0]
    location = dict(start["headers"])[b"location"].decode()
    assert start["status"] == 303
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert location == "/" + raw_path.decode().lstrip("/\\")


def test_tokens_are_compared_in_constant_time(guarded, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, Any]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    guarded.get("/api/runs", headers={"Authorization": "Bearer nope"})
    guarded.get("/api/runs", headers={"Authorization": f"Bearer {TOKEN}"})
    guarded.get("/?token=nope", follow_redirects=False)
    assert len(calls) == 3 and (b"nope", TOKEN.encode()) in calls


def test_an_empty_token_is_refused(seeded_sqlite: Seeded) -> None:
    from proctor.web import create_app

    with pytest.raises(ValueError, match="empty"):
        create_app(seeded_sqlite.url, token="")


@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"]
)
def test_without_a_token_loopback_host_names_are_served(
    seeded_sqlite: Seeded, base_url: str
) -> None:
    with client_for(seeded_sqlite.url, base_url=base_url) as c:
        assert c.get("/api/runs").status_code == 200


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8000", "10.0.0.5"])
def test_without_a_token_other_host_names_are_refused(seeded_sqlite: Seeded, host: str) -> None:
    # a page on attacker.example whose DNS name now points at 127.0.0.1 (DNS rebinding)
    with client_for(seeded_sqlite.url) as c:
        response = c.get("/api/runs", headers={"Host": host})
    assert response.status_code == 400


def test_websockets_are_refused(seeded_sqlite: Seeded) -> None:
    from starlette.websockets import WebSocketDisconnect

    with (
        client_for(seeded_sqlite.url) as c,
        pytest.raises(WebSocketDisconnect),
        c.websocket_connect("/api/runs"),
    ):
        pass
