"""Redaction of personal data before traffic is stored.

Built-in patterns, each replaced by a placeholder:

- `email` -> `[EMAIL]`: local@domain.tld, the usual addr-spec subset of RFC 5322.
- `card` -> `[CARD]`: 13–19 digits, optionally grouped by spaces or hyphens,
  that pass the Luhn check (ISO/IEC 7812-1).
- `phone` -> `[PHONE]`: 9–15 digits (E.164 numbers have at most 15) written
  as a phone number: with a leading `+`, an area code in parentheses, or
  groups separated by spaces, dots or hyphens.

Phone detection trades recall for precision: dates (2024-05-01), times,
IPv4 addresses and bare digit runs without a `+` are left alone, and so are
numbers of fewer than 9 digits (a local number without its area code).
Add your own rules with `python:` redactors: functions `text -> text`, or
`text -> (text, count)` to say how many spans they replaced (a function
returning only text counts one per changed field).

Only the number of redactions is kept (per record, in `traffic.redactions`);
the redacted text is never stored, and records are hashed after redaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from proctor._imports import import_object
from proctor.errors import ConfigError

__all__ = ["Redactor", "luhn_valid", "python_redactor"]

_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_CARD = r"(?<![\d+])\d(?:[ -]?\d){12,18}(?![\d])"
_PHONE = (
    r"(?<![\w+])\+\d{8,15}(?!\w)"  # +E.164 written without separators
    r"|(?<![\w@.+/:-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,8}(?:[ .-]\d{1,8}){0,5}"
    r"(?![\w@/:]|[.-]\d)"
)
_PATTERN = re.compile(f"(?P<email>{_EMAIL})|(?P<card>{_CARD})|(?P<phone>{_PHONE})")
# A cheap first look: a card or a phone number of 9+ digits needs a stretch of at least
# nine digits and separators; an e-mail address needs an '@'. Most text has neither.
_DIGIT_STRETCH = re.compile(r"\d[\d ().-]{7,}\d")
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}\b|^\d{1,2}[.-]\d{1,2}[.-]\d{2,4}$")
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")

TextFn = Callable[[str], Any]


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check that payment card numbers carry (ISO/IEC 7812-1)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _phone(candidate: str) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    if not 9 <= digits <= 15:
        return False
    stripped = candidate.strip()
    if _DATE.match(stripped) or _IPV4.match(stripped):
        return False
    # a bare run of digits is an id or an amount more often than a phone number
    return stripped.startswith("+") or "(" in stripped or any(c in " .-" for c in stripped)


def python_redactor(ref: str) -> TextFn:
    """The function a `python:package.module:function` redactor names."""
    fn = import_object(ref.removeprefix("python:"), what=f"redactor {ref!r}")
    if not callable(fn):
        raise ConfigError(f"redactor {ref!r} is not callable")
    return fn  # type: ignore[no-any-return]


class Redactor:
    """Applies the built-in patterns (unless `builtin` is False), then `custom` functions.

    >>> Redactor().text("write to ann@example.org or call +44 20 7946 0958")
    ('write to [EMAIL] or call [PHONE]', 2)
    """

    def __init__(self, *, builtin: bool = True, custom: Sequence[TextFn] = ()) -> None:
        self.builtin = builtin
        self.custom = list(custom)
        self.counts: dict[str, int] = {}
        """Redactions so far, by kind (`email`, `card`, `phone`, `custom`)."""

    @property
    def active(self) -> bool:
        return self.builtin or bool(self.custom)

    def needed(self, texts: list[str]) -> bool:
        """Whether any of `texts` may have something to redact (a cheap first look)."""
        if self.custom:
            return True
        if not self.builtin:
            return False
        blob = "\x00".join(texts)  # a NUL stops a digit stretch at the end of each text
        return "@" in blob or _DIGIT_STRETCH.search(blob) is not None

    def text(self, value: str) -> tuple[str, int]:
        """`value` redacted, and how many spans were replaced."""
        count = 0
        if self.builtin and ("@" in value or _DIGIT_STRETCH.search(value)):
            value, count = self._builtin(value)
        for fn in self.custom:
            result = fn(value)
            if isinstance(result, tuple) and len(result) == 2:
                new, n = result
                n = int(n)
            else:
                new, n = result, -1
            if not isinstance(new, str):
                raise ConfigError(f"redactor {fn!r} returned {type(new).__name__}, not text")
            if n < 0:
                n = int(new != value)
            if n:
                self.counts["custom"] = self.counts.get("custom", 0) + n
            count += n
            value = new
        return value, count

    def _builtin(self, value: str) -> tuple[str, int]:
        found = 0

        def replace(match: re.Match[str]) -> str:
            nonlocal found
            kind = match.lastgroup
            text = match.group()
            if kind == "card":
                digits = text.replace(" ", "").replace("-", "")
                if luhn_valid(digits):
                    kind = "card"
                elif _phone(text):
                    kind = "phone"
                else:
                    return text
            elif kind == "phone" and not _phone(text):
                return text
            found += 1
            self.counts[kind] = self.counts.get(kind, 0) + 1  # type: ignore[index]
            return f"[{kind.upper()}]"  # type: ignore[union-attr]

        return _PATTERN.sub(replace, value), found

    def value(self, value: Any) -> tuple[Any, int]:
        """Any JSON value with every string in it redacted, and the count."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            total = 0
            items = []
            for item in value:
                new, n = self.value(item)
                items.append(new)
                total += n
            return items, total
        if isinstance(value, dict):
            total = 0
            mapping = {}
            for key, item in value.items():
                new, n = self.value(item)
                mapping[key] = new
                total += n
            return mapping, total
        return value, 0
