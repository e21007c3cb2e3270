"""Conventions of lm-evaluation-harness that every loglikelihood backend follows.

Scores are only comparable with published lm-eval numbers when the text is
split the same way, so `local:` and `openai:` share this one rule.
"""

from __future__ import annotations

__all__ = ["split_whitespace"]


def split_whitespace(context: str, continuation: str) -> tuple[str, str]:
    """Move the context's trailing whitespace onto the continuation (lm-eval's rule).

    >>> split_whitespace("Answer: ", "B")
    ('Answer:', ' B')
    >>> split_whitespace("Answer:", " B")
    ('Answer:', ' B')
    """
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces:
        return context[:-n_spaces], context[-n_spaces:] + continuation
    return context, continuation
