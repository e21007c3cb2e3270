"""Send drift alerts to a webhook: one JSON POST.

The payload:

    {"benchmark": "support-online", "source": "support-bot",
     "generated_at": "2024-05-08T06:00:00+00:00", "status": "alert",
     "alerts": [{"kind": "quality", "window": "2024-05-03", "metric": "judge/mean",
                 "value": 0.61, "baseline": 0.84, "delta": -0.23, "ci": [-0.31, -0.15],
                 "p_value": 1e-06, "q_value": 4e-06, "test": "welch", ...},
                {"kind": "input", "window": "2024-05-03", "what": "topic", "psi": 0.31, ...}]}

Slack, Teams and most alerting services accept a JSON POST on an incoming
webhook (through a small relay where they need their own shape). Only
`http://` and `https://` URLs are accepted; a non-2xx answer or a
connection failure raises `NotifyError`, so a scheduler sees it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

from proctor.errors import ProctorError

__all__ = ["NotifyError", "alert_payload", "notify"]


class NotifyError(ProctorError):
    """The webhook could not be reached, or did not accept the alert."""


def alert_payload(report: Any) -> dict[str, Any]:
    """The JSON body for a `StatusReport`'s alerts."""
    alerts = report.alerts()
    return {
        "benchmark": report.benchmark,
        "source": report.source,
        "generated_at": datetime.now(UTC).isoformat(),
        "status": "alert" if alerts else "ok",
        "alerts": alerts,
    }


def notify(url: str, payload: dict[str, Any], *, timeout: float = 10.0) -> int:
    """POST `payload` as JSON to `url`; the HTTP status. `NotifyError` if it fails."""
    if not url.startswith(("http://", "https://")):
        # the URL is not echoed: webhook URLs often carry their secret token
        raise NotifyError("--notify needs an http:// or https:// URL")
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "proctor-online"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        raise NotifyError(f"the webhook answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise NotifyError(f"cannot reach the webhook: {reason}") from None
