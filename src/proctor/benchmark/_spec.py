"""The benchmark YAML format, validated with pydantic.

Unknown keys are errors (a typo must not be silently ignored).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldsSpec(_Strict):
    id: str | None = None
    input: str | None = None
    target: str | None = None
    choices: str | list[str] | None = None
    metadata: list[str] | None = None


class DatasetSpec(_Strict):
    path: str | None = None
    format: Literal["jsonl", "ndjson", "csv", "tsv"] | None = None
    samples: list[dict[str, Any]] | None = None
    fields: FieldsSpec = FieldsSpec()
    limit: int | None = Field(default=None, ge=0)
    shuffle: bool = False
    seed: int = 0

    @model_validator(mode="after")
    def _one_source(self) -> DatasetSpec:
        if (self.path is None) == (self.samples is None):
            raise ValueError(
                "give exactly one of `path` (a JSONL/CSV file) or `samples` (an inline list)"
            )
        return self


class MessageSpec(_Strict):
    role: Literal["system", "user", "assistant"]
    content: str


class PromptSpec(_Strict):
    template: str | None = None
    system: str | None = None
    messages: list[MessageSpec] | None = None

    @model_validator(mode="after")
    def _template_or_messages(self) -> PromptSpec:
        if self.template is not None and self.messages is not None:
            raise ValueError("give `template` or `messages`, not both")
        return self


class FewShotSpec(_Strict):
    n: int = Field(ge=0)
    seed: int = 0
    path: str | None = None
    samples: list[dict[str, Any]] | None = None
    template: str = "{{ input }}\n{{ target }}"
    separator: str = "\n\n"
    sampler: Literal["random", "first"] = "random"
    group_by: str | None = None


class ScorerSpec(_Strict):
    name: str
    args: dict[str, Any] = {}
    as_: str | None = Field(default=None, alias="as")
    applies_to: Literal["all", "choices", "no_choices"] = "all"


class GenerationSpec(_Strict):
    temperature: float | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    top_p: float | None = None
    stop: list[str] | None = None
    seed: int | None = None


class JudgeSpec(_Strict):
    """The benchmark's judge and how to reach it. The key is read from the environment
    variable `api_key_env` names: keys never belong in a benchmark file."""

    model: str = Field(min_length=1)
    base_url: str | None = None
    api_key_env: str | None = None
    timeout: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=5, ge=0)
    max_concurrency: int = Field(default=32, ge=1)
    rpm: float | None = Field(default=None, gt=0)
    price_input: float | None = Field(default=None, ge=0)
    price_output: float | None = Field(default=None, ge=0)
    cache: bool | None = None

    @model_validator(mode="after")
    def _both_prices(self) -> JudgeSpec:
        if (self.price_input is None) != (self.price_output is None):
            raise ValueError("give both price_input and price_output, or neither")
        return self


class BenchmarkSpec(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    dataset: DatasetSpec
    prompt: PromptSpec = PromptSpec()
    fewshot: FewShotSpec | None = None
    scorers: list[str | ScorerSpec] = Field(min_length=1)
    slices: list[str] = []
    cluster: str | None = None
    epochs: int = Field(default=1, ge=1)
    generation: GenerationSpec = GenerationSpec()
    protocol: Literal["generate", "loglikelihood"] = "generate"
    continuation: str = "{{ choice }}"
    target_delimiter: str = " "
    judge: str | JudgeSpec | None = None
