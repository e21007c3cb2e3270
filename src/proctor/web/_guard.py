"""The viewer's gate: who may ask, from where, and the headers every answer carries.

- With a token, every request must carry it: `Authorization: Bearer TOKEN`
  (scripts), or the session cookie a browser gets by opening `/?token=TOKEN`
  once. That link answers with the cookie (HttpOnly, SameSite=Strict, so
  neither page scripts nor other sites' requests can use it) and a redirect
  to the same address without the token, so the token leaves the address
  bar and the history. Tokens and cookies are compared with
  `hmac.compare_digest`, in constant time.
- Without a token the viewer listens on a loopback address only (the CLI
  refuses anything else), and answers only requests addressed to a loopback
  host name: a web page cannot then reach it by pointing a DNS name of its
  own at 127.0.0.1 (DNS rebinding).
- Every response carries a Content-Security-Policy allowing nothing but this
  origin and inline styles and scripts, `nosniff`, `no-referrer`, and
  `no-store` (pages show prompts and outputs: no copies in caches).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["COOKIE", "SECURITY_HEADERS", "Guard"]

COOKIE = "proctor_session"

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; "
        "script-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}

_LOCAL_NAMES = {"localhost"}

_UNAUTHORIZED_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Proctor: token needed</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3rem">
<h1>401 — this viewer needs its access token</h1>
<p>Open the link <code>proctor serve</code> printed (it ends in <code>?token=…</code>) once
in this browser; the viewer then remembers you for the session.</p>
</body></html>
"""


def _session_value(token: str) -> str:
    """What the cookie holds: derived from the token, so the token itself is not stored."""
    return hmac.new(token.encode(), b"proctor viewer session", hashlib.sha256).hexdigest()


def _same(given: str, expected: str) -> bool:
    # bytes, so that any text compares (compare_digest refuses non-ASCII str)
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _is_loopback_host(host: str) -> bool:
    name = host.strip().lower()
    if name.startswith("["):  # [::1]:8000
        name = name[1 : name.find("]")] if "]" in name else name[1:]
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    if name in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class Guard:
    """ASGI middleware around the whole app; see the module docstring."""

    def __init__(self, app: ASGIApp, *, token: str | None) -> None:
        self.app = app
        self.token = token
        self.session = None if token is None else _session_value(token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # the viewer has none: refused before any check
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":  # lifespan
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [
                    (name.encode(), value.encode())
                    for name, value in SECURITY_HEADERS.items()
                    if name.encode() not in present
                ]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        headers = {name.decode("latin-1").lower(): value for name, value in scope["headers"]}
        if self.token is None:
            host = headers.get("host", b"").decode("latin-1")
            if host and not _is_loopback_host(host):
                await _respond(
                    send_with_headers, 400, "text/plain; charset=utf-8", b"unknown host name\n"
                )
                return
            await self.app(scope, receive, send_with_headers)
            return

        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = [value for key, value in query if key == "token"]
        if given:
            if not _same(given[-1], self.token):
                await _unauthorized(scope, send_with_headers)
                return
            await _redirect_with_cookie(scope, query, self.session or "", send_with_headers)
            return
        if not self._authenticated(headers):
            await _unauthorized(scope, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def _authenticated(self, headers: dict[str, bytes]) -> bool:
        assert self.token is not None and self.session is not None
        authorization = headers.get("authorization", b"").decode("latin-1")
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "bearer" and credentials:
            return _same(credentials.strip(), self.token)
        cookie = cookie_parser(headers.get("cookie", b"").decode("latin-1")).get(COOKIE)
        return cookie is not None and _same(cookie, self.session)


async def _respond(
    send: Send,
    status: int,
    content_type: str,
    body: bytes,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _unauthorized(scope: Scope, send: Send) -> None:
    path: str = scope["path"]
    if path.startswith("/api/") or path == "/openapi.json":
        body = json.dumps({"detail": "missing or wrong token"}).encode()
        await _respond(
            send, 401, "application/json", body, [(b"www-authenticate", b'Bearer realm="proctor"')]
        )
    else:
        await _respond(send, 401, "text/html; charset=utf-8", _UNAUTHORIZED_PAGE.encode())


async def _redirect_with_cookie(
    scope: Scope, query: list[tuple[str, str]], session: str, send: Send
) -> None:
    raw: Any = scope.get("raw_path") or scope["path"].encode()
    path = raw.decode("latin-1")
    # one leading slash only: `//host` or `/\host` would send the browser to another site
    path = "/" + path.lstrip("/\\")
    rest = urlencode([(key, value) for key, value in query if key != "token"])
    location = path + (f"?{rest}" if rest else "")
    cookie = f"{COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/"
    await _respond(
        send,
        303,
        "text/plain; charset=utf-8",
        b"",
        [(b"location", location.encode("latin-1")), (b"set-cookie", cookie.encode())],
    )
