"""Functions that the `python:` backend tests call as apps under test."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from proctor.dataset import Sample
from proctor.errors import ModelError
from proctor.model import run_inline


def upper(prompt: str) -> str:
    return prompt.upper()


def with_sample(prompt: str, sample: Sample | None) -> str:
    return f"{prompt}|{sample.id if sample else None}"


async def async_upper(prompt: str) -> str:
    await asyncio.sleep(0)
    return prompt.upper()


async def async_with_sample(prompt: Any, sample: Sample | None) -> str:
    return f"{prompt}|{sample.id if sample else None}"


def roles(messages: list[dict[str, str]]) -> str:
    return ",".join(f"{m['role']}:{m['content']}" for m in messages)


def rich(prompt: str) -> dict[str, Any]:
    return {
        "text": "answer",
        "contexts": ["doc 1", "doc 2"],
        "input_tokens": 7,
        "output_tokens": 1,
    }


def no_text(prompt: str) -> dict[str, Any]:
    return {"answer": "x"}


def not_json(prompt: str) -> dict[str, Any]:
    return {"text": "x", "handle": object()}


def wrong_type(prompt: str) -> int:
    return 42


def broken(prompt: str) -> str:
    raise ValueError("the app fell over")


def retry_me(prompt: str) -> str:
    raise ModelError("backend busy", retryable=True)


def thread_name(prompt: str) -> str:
    return threading.current_thread().name


@run_inline
def inline_thread_name(prompt: str) -> str:
    return threading.current_thread().name


not_callable = "a string"


class Gate:
    """Holds every caller until `target` calls are inside at once (or `timeout` passes)."""

    def __init__(self) -> None:
        self.reset(1)

    def reset(self, target: int, timeout: float = 5.0) -> None:
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.target = target
        self.timeout = timeout
        self.all_in = threading.Event()

    def __call__(self, prompt: str) -> str:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            if self.active >= self.target:
                self.all_in.set()
        self.all_in.wait(self.timeout)
        with self.lock:
            self.active -= 1
        return threading.current_thread().name


gate = Gate()
