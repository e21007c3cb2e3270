"""Redaction: e-mails, phone numbers and card numbers go; dates, ids and amounts stay."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from proctor.errors import ConfigError
from proctor.online._redact import Redactor, luhn_valid, python_redactor


@pytest.mark.parametrize(
    "text",
    [
        "ann.lee@example.com",
        "first.last+tag@mail.co.uk",
        "+44 20 7946 0958",
        "(555) 123-4567",
        "555-123-4567",
        "555.123.4567",
        "+1-555-123-4567",
        "+33 1 23 45 67 89",
        "01 23 45 67 89",
        "+8613800138000",
        "4111 1111 1111 1111",
        "5555-5555-5555-4444",
        "378282246310005",
    ],
)
def test_personal_data_is_replaced(text: str) -> None:
    redacted, count = Redactor().text(f"write to {text} today")
    assert text not in redacted and count == 1
    assert redacted.startswith("write to [") and redacted.endswith("] today")


@pytest.mark.parametrize(
    "text",
    [
        "on 2024-05-01 at 10:30",
        "ip 192.168.100.200",
        "order 123456789012",  # a bare digit run: an id, not a phone
        "4111 1111 1111 1112",  # fails the Luhn check
        "version 1.2.3, price 1234.56",
        "call 555-1234",  # too short to be told from other numbers
    ],
)
def test_other_numbers_are_kept(text: str) -> None:
    assert Redactor().text(text) == (text, 0)


def test_each_kind_is_counted() -> None:
    redactor = Redactor()
    text, count = redactor.text("a@b.io, c@d.io, +44 20 7946 0958, 4111111111111111")
    assert text == "[EMAIL], [EMAIL], [PHONE], [CARD]" and count == 4
    assert redactor.counts == {"email": 2, "phone": 1, "card": 1}


def test_luhn_check() -> None:
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")


def test_json_values_are_redacted_throughout() -> None:
    value, count = Redactor().value({"user": "a@b.io", "tags": ["x", "+44 20 7946 0958"], "n": 3})
    assert value == {"user": "[EMAIL]", "tags": ["x", "[PHONE]"], "n": 3} and count == 2


def test_python_redactors_run_after_the_built_in_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "my_redactors.py").write_text(
        "import re\n"
        "def account(text):\n"
        "    return re.sub(r'ACC-\\d+', '[ACCOUNT]', text)\n"
        "def counted(text):\n"
        "    return text.replace('secret', '[X]'), text.count('secret')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "my_redactors", raising=False)
    redactor = Redactor(
        custom=[
            python_redactor("python:my_redactors:account"),
            python_redactor("my_redactors:counted"),
        ]
    )
    text, count = redactor.text("ACC-991 secret secret a@b.io")
    assert text == "[ACCOUNT] [X] [X] [EMAIL]"
    assert count == 4  # e-mail 1, account 1 (a changed field), secret 2 (counted)


def test_an_unknown_python_redactor_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="nowhere_module"):
        python_redactor("python:nowhere_module:fn")


def test_built_in_patterns_can_be_turned_off() -> None:
    assert Redactor(builtin=False).text("a@b.io") == ("a@b.io", 0)
