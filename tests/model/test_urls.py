"""URLs without secrets: `public_url` and what `ModelConfig.to_record()` stores."""

from __future__ import annotations

import pytest

from proctor.model import ModelConfig
from proctor.model._urls import public_url


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("http://user:pw@host/v1", "http://host/v1"),
        ("https://token@host:8443/v1/", "https://host:8443/v1/"),
        ("http://host/v1?api-key=secret&x=1", "http://host/v1"),
        ("http://u:p@host/v1/chat/completions?k=v#frag", "http://host/v1/chat/completions"),
        ("http://u:p@[::1]:8000/v1", "http://[::1]:8000/v1"),
        ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
        ("http://u:p@[::1/v1?k=v", "http://[::1/v1"),  # not parseable: cut by hand
    ],
)
def test_public_url_drops_credentials_and_query(url: str, public: str) -> None:
    assert public_url(url) == public


def test_to_record_masks_credentials_in_base_url() -> None:
    config = ModelConfig(base_url="http://user:pw@host/v1?api-key=secret", api_key="sk-1")
    record = config.to_record()
    assert record["base_url"] == "http://host/v1"
    assert "pw" not in repr(record) and "secret" not in repr(record) and "sk-1" not in repr(record)


def test_to_record_keeps_a_plain_or_missing_base_url() -> None:
    assert ModelConfig(base_url="http://host:8000/v1").to_record()["base_url"] == (
        "http://host:8000/v1"
    )
    assert ModelConfig().to_record()["base_url"] is None
