"""URLs fit to show, store and hash: without credentials or query string."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["public_url"]


def public_url(url: str) -> str:
    """`url` without user-info (`user:password@`), query string or fragment.

    What remains names the server and path but carries no secret, so it can be
    shown in messages, stored with a run and hashed into cache keys.

    >>> public_url("https://ann:secret@llm.example.com:8443/v1?api-key=k#frag")
    'https://llm.example.com:8443/v1'
    >>> public_url("http://127.0.0.1:8000/v1")
    'http://127.0.0.1:8000/v1'
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[" in the host: cut it by hand
        base = url.split("#", 1)[0].split("?", 1)[0]
        scheme, sep, rest = base.partition("://")
        if not sep:
            return base.rpartition("@")[2]
        authority, slash, path = rest.partition("/")
        return f"{scheme}://{authority.rpartition('@')[2]}{slash}{path}"
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
