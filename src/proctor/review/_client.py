"""A small client for Label Studio's HTTP API: the few endpoints a review needs.

Plain HTTP from the standard library: the official SDK is large and slow to
import, and a review needs four calls (api.labelstud.io/api-reference):

- `POST /api/projects` `{"title", "label_config"}` → the project (`id`);
- `POST /api/projects/{id}/import` with a JSON list of tasks → `task_count`;
- `GET /api/projects/{id}/export?exportType=JSON` → the full JSON export;
- `GET /api/users/` → the users, to name reviewers by e-mail.

Two kinds of token are accepted. A legacy token is sent as
`Authorization: Token <key>`. A personal access token is a JWT *refresh*
token: it is exchanged at `POST /api/token/refresh/` (`{"refresh": token}`
→ `{"access": ...}`) for a short-lived access token sent as
`Authorization: Bearer <access>`, exchanged again when the server answers
401. The kind is told from the token itself (a JWT is three base64url
parts, the first a JSON header). Tokens are never stored or printed.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from proctor.errors import ProctorError

__all__ = ["LabelStudio", "LabelStudioError", "is_personal_access_token"]


class LabelStudioError(ProctorError):
    """Label Studio could not be reached, refused the token, or refused a request."""

    def __init__(self, message: str, *, status: int | None = None):
        self.status = status
        super().__init__(message)


def is_personal_access_token(token: str) -> bool:
    """Whether `token` is a JWT (a personal access token) rather than a legacy key."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    head = parts[0] + "=" * (-len(parts[0]) % 4)
    try:
        header = json.loads(base64.urlsafe_b64decode(head))
    except (binascii.Error, ValueError):
        return False
    return isinstance(header, dict) and "alg" in header


class LabelStudio:
    """Label Studio at `url`, reached with `token` (legacy or personal access token).

    >>> LabelStudio("http://127.0.0.1:8080/", "abc123").url
    'http://127.0.0.1:8080'
    """

    def __init__(self, url: str, token: str, *, timeout: float = 60.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise LabelStudioError(f"Label Studio URL must be http(s)://HOST[:PORT], got {url!r}")
        if not token:
            raise LabelStudioError("no Label Studio token: give --token (or LABEL_STUDIO_API_KEY)")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._token = token
        self._personal = is_personal_access_token(token)
        self._access: str | None = None

    def __repr__(self) -> str:
        return f"LabelStudio({self.url!r})"  # never the token

    # --- the endpoints --------------------------------------------------------

    def create_project(self, title: str, label_config: str, *, description: str = "") -> int:
        """Create a project with the labeling config; its id."""
        body = {"title": title, "label_config": label_config, "description": description}
        project = self._call("POST", "/api/projects", body)
        if not isinstance(project, dict) or not isinstance(project.get("id"), int):
            raise LabelStudioError(f"Label Studio at {self.url} returned no project id")
        return int(project["id"])

    def import_tasks(self, project: int, tasks: list[dict[str, Any]]) -> int:
        """Add tasks (with their predictions) to a project; how many it took."""
        answer = self._call("POST", f"/api/projects/{project}/import", tasks)
        count = answer.get("task_count") if isinstance(answer, dict) else None
        return int(count) if isinstance(count, int) else len(tasks)

    def export(self, project: int) -> list[dict[str, Any]]:
        """The project's annotated tasks in Label Studio's full JSON export format."""
        tasks = self._call("GET", f"/api/projects/{project}/export", query={"exportType": "JSON"})
        if not isinstance(tasks, list):
            raise LabelStudioError(f"Label Studio at {self.url} returned no list of tasks")
        return tasks

    def user_emails(self) -> dict[int, str]:
        """User id → e-mail of the users this token may see (empty if it may see none)."""
        try:
            users = self._call("GET", "/api/users/")
        except LabelStudioError as exc:
            if exc.status in (401, 403, 404):
                return {}
            raise
        if isinstance(users, dict):  # paginated servers wrap the list
            users = users.get("results", [])
        return {
            u["id"]: u["email"]
            for u in users
            if isinstance(u, dict) and isinstance(u.get("id"), int) and u.get("email")
        }

    # --- plumbing ---------------------------------------------------------------

    def _authorization(self, *, fresh: bool = False) -> str:
        if not self._personal:
            return f"Token {self._token}"
        if self._access is None or fresh:
            answer = self._send("POST", "/api/token/refresh/", {"refresh": self._token}, None, None)
            access = answer.get("access") if isinstance(answer, dict) else None
            if not isinstance(access, str):
                raise LabelStudioError(
                    f"Label Studio at {self.url} gave no access token for the personal access token"
                )
            self._access = access
        return f"Bearer {self._access}"

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: dict[str, str] | None = None,
    ) -> Any:
        try:
            return self._send(method, path, body, query, self._authorization())
        except LabelStudioError as exc:
            if exc.status != 401 or not self._personal:
                raise
        # the access token expired (they live minutes): exchange the refresh token again
        return self._send(method, path, body, query, self._authorization(fresh=True))

    def _send(
        self,
        method: str,
        path: str,
        body: Any,
        query: dict[str, str] | None,
        authorization: str | None,
    ) -> Any:
        from urllib.error import HTTPError, URLError
        from urllib.request import Request, urlopen

        url = self.url + path + (f"?{urlencode(query)}" if query else "")
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if authorization is not None:
            headers["Authorization"] = authorization
        request = Request(url, data=data, headers=headers, method=method)
        try:
            with urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except HTTPError as exc:
            detail = _detail(exc.read())
            hint = " (check the token)" if exc.code in (401, 403) else ""
            raise LabelStudioError(
                f"Label Studio at {self.url} answered {exc.code} to {method} {path}{hint}"
                + (f": {detail}" if detail else ""),
                status=exc.code,
            ) from None
        except (URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise LabelStudioError(f"cannot reach Label Studio at {self.url}: {reason}") from None
        if not raw:
            return None
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            raise LabelStudioError(
                f"Label Studio at {self.url} answered {method} {path} with something not JSON"
            ) from None


def _detail(raw: bytes, limit: int = 300) -> str:
    """The server's error message, on one line and short."""
    text = raw.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        pass
    else:
        if isinstance(data, dict):
            text = str(data.get("detail") or data.get("validation_errors") or data)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
