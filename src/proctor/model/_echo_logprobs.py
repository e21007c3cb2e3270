"""Reading log-probabilities from an OpenAI completions reply that echoed its prompt.

Servers that speak the legacy completions protocol (`/v1/completions` with
`echo` and `logprobs`) return, for every prompt token, its text, its
log-probability, the most likely alternatives and its `text_offset`. This
module picks the continuation's tokens out of that reply.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from proctor.errors import ModelError
from proctor.model._types import Loglikelihood

__all__ = ["CANNOT", "echoed_loglikelihood"]

_ERROR_TEXT_LIMIT = 300
CANNOT = "this server cannot compute loglikelihoods"


def echoed_loglikelihood(
    raw: bytes,
    status: int,
    context: str,
    continuation: str,
    *,
    endpoint: str,
    spec: str,
    redact: Callable[[str], str],
) -> Loglikelihood:
    """The continuation's log-probability from a completions reply that echoed the prompt.

    The continuation's tokens are those whose `text_offset` falls inside it:
    a token the server generated after the prompt starts at its end and is
    left out, and nothing is assumed about whether one was generated (an
    end-of-sequence token adds no entry).
    """
    try:
        logprobs = json.loads(raw)["choices"][0].get("logprobs")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        excerpt = redact(raw[:_ERROR_TEXT_LIMIT].decode("utf-8", "replace"))
        raise ModelError(
            f"malformed response from {endpoint}: not a completion: {excerpt!r}",
            retryable=True,
            status=status,
        ) from None
    keys = ("tokens", "token_logprobs", "top_logprobs", "text_offset")
    if not isinstance(logprobs, dict) or not all(isinstance(logprobs.get(k), list) for k in keys):
        raise ModelError(
            f"{CANNOT}: its completions from {endpoint} carry no logprobs with {', '.join(keys)}",
            retryable=False,
        )
    tokens, token_logprobs, top_logprobs, offsets = (logprobs[k] for k in keys)
    prompt = context + continuation
    if _offsets_count_bytes(prompt, tokens, offsets):
        start, end = len(context.encode()), len(prompt.encode())
    else:
        start, end = len(context), len(prompt)
    if not any(isinstance(o, int) and o < start for o in offsets):
        raise ModelError(f"{CANNOT}: {endpoint} did not echo the prompt", retryable=False)
    picked = [i for i, o in enumerate(offsets) if isinstance(o, int) and start <= o < end]
    if not picked:
        raise ModelError(
            f"{spec}: continuation {continuation!r} has no token of its own in the "
            f"server's tokenisation of {prompt!r}",
            retryable=False,
        )
    total, greedy = 0.0, True
    try:
        for i in picked:
            logprob, top = token_logprobs[i], top_logprobs[i]
            if logprob is None or not top:
                raise ModelError(
                    f"{CANNOT}: no log-probability for token {tokens[i]!r} of {prompt!r}",
                    retryable=False,
                )
            total += float(logprob)
            greedy = greedy and float(logprob) >= max(float(v) for v in top.values())
    except (IndexError, TypeError, ValueError, AttributeError):
        raise ModelError(
            f"malformed response from {endpoint}: bad logprobs",
            retryable=True,
            status=status,
        ) from None
    return Loglikelihood(logprob=total, is_greedy=greedy, n_tokens=len(picked))


def _offsets_count_bytes(prompt: str, tokens: list[Any], offsets: list[Any]) -> bool:
    """Whether `text_offset` counts UTF-8 bytes rather than characters.

    Decided by where the tokens' text is found: at its offsets in the
    characters, or in the bytes, of the prompt.

    >>> _offsets_count_bytes("é a", ["é", " a"], [0, 2])
    True
    >>> _offsets_count_bytes("é a", ["é", " a"], [0, 1])
    False
    """
    if prompt.isascii():
        return False
    encoded = prompt.encode()
    in_chars = in_bytes = 0
    for token, offset in zip(tokens, offsets, strict=False):
        if isinstance(token, str) and token and isinstance(offset, int):
            in_chars += prompt.startswith(token, offset)
            in_bytes += encoded.startswith(token.encode(), offset)
    return in_bytes > in_chars
