"""`proctor serve`: the read-only web viewer over a store."""

from __future__ import annotations

import ipaddress
import socket
import sys
from urllib.parse import quote

import typer

from proctor.cli._common import DB_OPTION, console, fail, handle_errors

_TOKEN_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(24))'"


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket, bound before the server starts so the URL printed is exact
    (with `--port 0`, the port the system picked) and a busy port is a clean error."""
    infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


@handle_errors
def serve(
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Address to listen on. Anything but a loopback address needs --token.",
    ),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port (0: any free one)."),
    token: str | None = typer.Option(
        None,
        "--token",
        envvar="PROCTOR_TOKEN",
        help="Require this token on every request: scripts send `Authorization: Bearer "
        "TOKEN`, a browser opens the printed link once.",
    ),
    db: str | None = DB_OPTION,
) -> None:
    """Browse runs, samples, comparisons and history in a web browser (read-only)."""
    if token is not None and not token.strip():
        raise fail("--token is empty: give a long random one, e.g. from " + _TOKEN_HINT)
    if token is None and not is_loopback(host):
        raise fail(
            f"--host {host} would show every stored prompt and output to the network: "
            f"give --token (or set PROCTOR_TOKEN), e.g. from {_TOKEN_HINT}"
        )
    try:
        import uvicorn

        from proctor.web import create_app
    except ImportError as exc:
        raise fail(
            f"proctor serve needs the web extra ({exc.name} is missing): pip install 'proctor[web]'"
        ) from None

    app = create_app(db, token=token)  # opens the store: a bad URL fails here, exit 2
    try:
        sock = _bind(host, port)
    except OSError as exc:
        app.state.store.close()
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    url = f"http://{shown}:{bound_port}/"
    if token is not None:
        url += f"?token={quote(token, safe='')}"
    out = console()
    out.print(f"Proctor viewer of {app.state.store.display_url}", soft_wrap=True, markup=False)
    out.print(f"open {url}", soft_wrap=True, markup=False)
    out.print("read-only · Ctrl-C to stop", style="dim")
    sys.stdout.flush()  # a wrapper script reading the link must see it now
    # No access log: it would write every request line, the token link's included.
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, server_header=False, proxy_headers=False
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
