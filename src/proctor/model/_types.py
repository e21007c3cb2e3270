"""The `Model` protocol and the values that cross it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from proctor.dataset._sample import ChatMessage
from proctor.model._urls import public_url

if TYPE_CHECKING:
    from proctor.dataset import Sample


@dataclass(frozen=True, slots=True)
class GenerateConfig:
    """Generation settings. They belong to the run, not to the task version.

    >>> GenerateConfig(temperature=0.0, max_tokens=256)
    GenerateConfig(temperature=0.0, max_tokens=256, top_p=None, stop=None, seed=None)
    """

    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    stop: tuple[str, ...] | None = None
    seed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The settings that were set (None means "the backend's default")."""
        return {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in asdict(self).items()
            if v is not None
        }


@dataclass(frozen=True, slots=True)
class Prices:
    """Prices per million tokens, in the user's currency (USD by convention)."""

    input_per_mtok: float
    output_per_mtok: float

    def cost(self, input_tokens: int | None, output_tokens: int | None) -> float | None:
        """The cost of one call, or None when the token counts are unknown."""
        if input_tokens is None or output_tokens is None:
            return None
        return (input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok) / 1e6


@dataclass(frozen=True)
class ModelConfig:
    """How to reach a model and how hard to drive it.

    `api_key` is used for calls and never stored: `to_record()` leaves it out,
    and records `base_url` without credentials or query string.
    `timeout` is per call, in seconds; `max_retries` counts retries after the
    first attempt; `rpm` caps requests per minute (None: no cap).
    """

    generate: GenerateConfig = field(default_factory=GenerateConfig)
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 120.0
    max_retries: int = 5
    max_concurrency: int = 32
    rpm: float | None = None
    prices: Prices | None = None
    cache: bool | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        """A JSON-able description of this configuration without any secret."""
        record: dict[str, Any] = {
            "generate": self.generate.to_dict(),
            "base_url": None if self.base_url is None else public_url(self.base_url),
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "max_concurrency": self.max_concurrency,
            "rpm": self.rpm,
        }
        if self.prices is not None:
            record["prices"] = {
                "input_per_mtok": self.prices.input_per_mtok,
                "output_per_mtok": self.prices.output_per_mtok,
            }
        if self.options:
            record["options"] = self.options
        return record


@dataclass(frozen=True, slots=True)
class GenerateRequest:
    """One call to a model.

    `input` is the rendered prompt: a string, or chat messages when the
    benchmark uses messages or a system prompt. `sample` and `epoch` are given
    so that `python:` and `replay:` models can see which task they answer.
    `json_schema`, when set, asks for an answer that is JSON matching it
    (`{"type": "object"}` for any object): backends that can constrain decoding
    (a grammar, a response format) do; the others pass it on as best they can.
    """

    input: str | tuple[ChatMessage, ...]
    config: GenerateConfig = field(default_factory=GenerateConfig)
    sample: Sample | None = None
    epoch: int = 0
    json_schema: dict[str, Any] | None = None

    def messages(self) -> list[dict[str, str]]:
        """The input as chat-completions messages."""
        if isinstance(self.input, str):
            return [{"role": "user", "content": self.input}]
        return [m.to_dict() for m in self.input]

    def input_json(self) -> str | list[dict[str, str]]:
        """The input as stored with a run: the prompt text or the message list."""
        return self.input if isinstance(self.input, str) else self.messages()


@dataclass(slots=True)
class ModelOutput:
    """What a model answered.

    `extra` holds whatever else a system returns (retrieved contexts, tool
    calls); it is stored with the sample and scorers can read it.
    """

    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    finish_reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LoglikelihoodRequest:
    """Log-probabilities of several continuations of one context.

    All continuations share the context, so a backend evaluates the context
    once and reuses it for each (prefix reuse). The context is plain text.
    """

    context: str
    continuations: tuple[str, ...]
    sample: Sample | None = None
    epoch: int = 0


@dataclass(frozen=True, slots=True)
class Loglikelihood:
    """The summed log-probability of one continuation given its context.

    `is_greedy` is True when every continuation token is the most likely one;
    `n_tokens` counts the continuation's tokens.
    """

    logprob: float
    is_greedy: bool
    n_tokens: int


@runtime_checkable
class Model(Protocol):
    """The system under test, behind one async call.

    Implementations raise `ModelError` (with `retryable` set truthfully) for
    failed calls; the engine owns retries, timeouts and concurrency, so a
    backend makes exactly one attempt per `generate`.

    Backends that can score text also define

        async def loglikelihood(self, request: LoglikelihoodRequest) -> list[Loglikelihood]

    (one result per continuation, in order); the engine checks for it with
    `supports_loglikelihood(model)`.
    """

    spec: str
    config: ModelConfig
    cache_by_default: ClassVar[bool]

    async def generate(self, request: GenerateRequest) -> ModelOutput: ...

    async def aclose(self) -> None: ...


def supports_loglikelihood(model: object) -> bool:
    """Whether `model` can compute log-probabilities of given continuations."""
    return callable(getattr(model, "loglikelihood", None))
