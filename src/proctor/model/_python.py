"""`python:package.module:function`: your own app or pipeline as the model under test.

The function receives the rendered input — the prompt string, or a list of
`{"role": ..., "content": ...}` dicts when the benchmark uses chat messages —
and, if it accepts a second positional parameter, the `Sample` being answered:

    def answer(prompt: str) -> str: ...
    async def answer(messages: list[dict[str, str]], sample: Sample) -> dict: ...

It returns the answer text, or a dict with `text` and any other JSON-able
fields. `input_tokens`, `output_tokens` and `finish_reason` fill the usage
fields of the `ModelOutput`; everything else lands in its `extra`, where
scorers can read it (retrieved contexts, tool calls, ...).

Async functions are awaited on the engine's event loop. Sync functions run in
a worker thread so a slow app never blocks the loop: each model has its own
pool of `config.max_concurrency` threads (named `proctor-python_N`), started
on first use and shut down by `aclose()`, so as many calls run at once as the
engine allows. A fast, non-blocking sync function can skip the thread hop:
decorate it with `@run_inline`, or set `ModelConfig(options={"threaded": False})`
(`{"threaded": True}` forces the thread even for a decorated function).

Exceptions raised by the function become non-retryable `ModelError`s that
name the exception type; a `ModelError` it raises itself passes through, so
an app can mark its own failures retryable.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from proctor._imports import import_object
from proctor.errors import ConfigError, ModelError
from proctor.model._types import GenerateRequest, ModelConfig, ModelOutput

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

__all__ = ["PythonModel", "run_inline"]

F = TypeVar("F", bound=Callable[..., Any])

_INLINE_FLAG = "__proctor_inline__"
_USAGE_KEYS = ("input_tokens", "output_tokens")


def run_inline(fn: F) -> F:
    """Mark a sync app function as fast enough to call on the event loop, without a thread.

    >>> @run_inline
    ... def upper(prompt: str) -> str:
    ...     return prompt.upper()
    """
    setattr(fn, _INLINE_FLAG, True)
    return fn


class PythonModel:
    """Calls a Python function for every sample."""

    cache_by_default: ClassVar[bool] = False

    def __init__(self, name: str, config: ModelConfig | None = None) -> None:
        self.name = name
        self.spec = f"python:{name}"
        self.config = config if config is not None else ModelConfig()
        self.function = _import_function(name)
        self._is_async = _is_async(self.function)
        self._wants_sample = _accepts_two_positionals(self.function)
        threaded = self.config.options.get("threaded")
        if threaded is None:
            threaded = not getattr(self.function, _INLINE_FLAG, False)
        self._threaded = bool(threaded)
        self._executor: ThreadPoolExecutor | None = None

    def __repr__(self) -> str:
        return f"PythonModel(spec={self.spec!r})"

    async def generate(self, request: GenerateRequest) -> ModelOutput:
        """Call the function once and convert what it returns."""
        prompt = request.input if isinstance(request.input, str) else request.messages()
        args: tuple[Any, ...] = (prompt, request.sample) if self._wants_sample else (prompt,)
        try:
            if self._is_async:
                result = await self.function(*args)
            elif self._threaded:
                result = await self._in_thread(args)
            else:
                result = self.function(*args)
            if inspect.isawaitable(result):
                result = await result
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(f"{type(exc).__name__}: {exc}", retryable=False) from exc
        return self._to_output(result)

    async def aclose(self) -> None:
        """Shut down the thread pool; the next `generate` starts a new one.

        Calls still queued are cancelled. A call still running (one the engine
        gave up on after its timeout) cannot be interrupted: it is left to end
        on its own thread instead of being waited for.
        """
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    async def _in_thread(self, args: tuple[Any, ...]) -> Any:
        # Imported here, so that importing `proctor.model` stays light.
        import asyncio
        import contextvars
        import functools

        executor = self._executor
        if executor is None:
            from concurrent.futures import ThreadPoolExecutor

            executor = self._executor = ThreadPoolExecutor(
                max_workers=max(1, self.config.max_concurrency),
                thread_name_prefix="proctor-python",
            )
        # Like `asyncio.to_thread`, the function sees the caller's context variables.
        call = functools.partial(contextvars.copy_context().run, self.function, *args)
        return await asyncio.get_running_loop().run_in_executor(executor, call)

    def _to_output(self, result: Any) -> ModelOutput:
        if isinstance(result, str):
            return ModelOutput(text=result)
        if not isinstance(result, dict):
            raise ModelError(
                f"{self.name} returned {type(result).__name__}; "
                "expected a str or a dict with a 'text' field",
                retryable=False,
            )
        text = result.get("text")
        if not isinstance(text, str):
            raise ModelError(
                f"{self.name} returned a dict without a str 'text' field "
                f"(keys: {', '.join(map(str, result)) or 'none'})",
                retryable=False,
            )
        extra = {k: v for k, v in result.items() if k != "text"}
        usage: dict[str, int | None] = {}
        for key in _USAGE_KEYS:
            value = extra.pop(key, None)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise ModelError(f"{self.name} returned a non-integer {key!r}", retryable=False)
            usage[key] = value
        finish_reason = extra.pop("finish_reason", None)
        if finish_reason is not None and not isinstance(finish_reason, str):
            raise ModelError(f"{self.name} returned a non-string 'finish_reason'", retryable=False)
        if extra:
            try:
                json.dumps(extra)
            except (TypeError, ValueError) as exc:
                raise ModelError(
                    f"{self.name} returned fields that are not JSON-able: {exc}", retryable=False
                ) from None
        return ModelOutput(
            text=text,
            input_tokens=usage["input_tokens"],
            output_tokens=usage["output_tokens"],
            finish_reason=finish_reason,
            extra=extra,
        )


def _import_function(ref: str) -> Callable[..., Any]:
    """`package.module:function` (or `module:Class.method`) to the callable it names."""
    obj = import_object(ref, what=f"python model {ref!r}")
    if not callable(obj):
        raise ConfigError(f"python model {ref!r}: {ref.partition(':')[2]!r} is not callable")
    return obj


def _is_async(fn: Callable[..., Any]) -> bool:
    if inspect.iscoroutinefunction(fn):
        return True
    call = getattr(fn, "__call__", None)  # noqa: B004 - objects with an async __call__
    return call is not None and inspect.iscoroutinefunction(call)


def _accepts_two_positionals(fn: Callable[..., Any]) -> bool:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    count = 0
    for param in signature.parameters.values():
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            return True
        if param.kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        ):
            count += 1
    return count >= 2
