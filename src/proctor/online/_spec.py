"""Online benchmarks: a benchmark YAML whose dataset is a traffic source.

    name: support-online
    dataset:
      traffic: support-bot          # the --source given to `proctor ingest`
      sample: {rate: 0.1, seed: 7}  # or {per_window: 200, seed: 7}, optionally stratify: KEY
    judge: openai:gpt-4o-mini
    scorers:                        # reference-free: judges, rubrics with general
      - name: judge                 # criteria, format checks, python: checks
        args: {guidelines: "The answer is correct, complete and polite."}
      - json_valid
      - python:checks:no_internal_urls
    slices: [topic]
    online:
      window: 1d                    # default of --window
      operational: [latency, tokens, cost]   # production figures as metrics (the default)
      price_input: 0.15             # per million tokens, for cost
      price_output: 0.60

Everything but `dataset` and `online` is the ordinary benchmark format and is
validated by the same loader (`proctor.benchmark`), with the same file:line
errors. What only makes sense when Proctor calls the model (`prompt`,
`fewshot`, `generation`, `epochs`, `protocol`) is refused: online, the
inputs and answers are production's own. Without `sample`, every record is
scored (rate 1).
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from proctor.benchmark import Benchmark
from proctor.errors import ConfigError
from proctor.model import Prices
from proctor.online._sampling import SamplingRule
from proctor.online._windows import parse_duration

__all__ = ["OnlineBenchmark", "load_online_benchmark"]

# keys of the benchmark format that only apply when Proctor generates the answers
_GENERATION_KEYS = ("prompt", "fewshot", "generation", "epochs", "protocol", "continuation")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SampleSpec(_Strict):
    rate: float | None = Field(default=None, gt=0, le=1)
    per_window: int | None = Field(default=None, ge=1)
    stratify: str | None = Field(default=None, min_length=1)
    seed: int = 0

    @model_validator(mode="after")
    def _one_kind(self) -> SampleSpec:
        if (self.rate is None) == (self.per_window is None):
            raise ValueError("give exactly one of `rate` (0 < r <= 1) or `per_window` (n)")
        if self.stratify is not None and self.per_window is None:
            raise ValueError("`stratify` draws `per_window` records per value of the key")
        return self


class TrafficSpec(_Strict):
    traffic: str = Field(min_length=1)
    sample: SampleSpec = SampleSpec(rate=1.0)


class OnlineSpec(_Strict):
    window: str = "1d"
    operational: list[Literal["latency", "tokens", "cost"]] = ["latency", "tokens", "cost"]
    price_input: float | None = Field(default=None, ge=0)
    price_output: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _both_prices(self) -> OnlineSpec:
        if (self.price_input is None) != (self.price_output is None):
            raise ValueError("give both price_input and price_output, or neither")
        return self


@dataclass(frozen=True)
class OnlineBenchmark:
    """An online benchmark: scorers and slices (`benchmark`), the traffic `source` it
    scores, the source's sampling `rule`, the default `window` and token `prices`."""

    benchmark: Benchmark
    source: str
    rule: SamplingRule
    window: timedelta
    prices: Prices | None = None

    @property
    def name(self) -> str:
        return self.benchmark.name

    def describe(self) -> dict[str, Any]:
        """What is stored with each window run about the online side."""
        return {
            "source": self.source,
            "rule": self.rule.describe(),
            "window": int(self.window.total_seconds()),
            "prices": None
            if self.prices is None
            else {"input": self.prices.input_per_mtok, "output": self.prices.output_per_mtok},
        }


def _check(
    model: type[BaseModel], data: Any, node: Any, path: Path, prefix: tuple[str, ...]
) -> Any:
    from proctor.benchmark._load import _line_of

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = prefix + tuple(x for x in err["loc"] if not (isinstance(x, str) and "[" in x))
        message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        message = message.removeprefix("Value error, ")
        where = ".".join(str(x) for x in loc)
        raise ConfigError(
            f"{where}: {message}", source=str(path), line=_line_of(node, loc)
        ) from None


def load_online_benchmark(path: str | Path) -> OnlineBenchmark:
    """Read an online benchmark YAML (see the module docstring); errors name file:line."""
    from proctor.benchmark._load import _judge, _line_of, _read_yaml, _scorers, _validate
    from proctor.dataset import Dataset
    from proctor.online._operational import OPERATIONAL

    path = Path(path)
    data, node = _read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError("a benchmark file must be a YAML mapping", source=str(path), line=1)
    dataset = data.get("dataset")
    if not isinstance(dataset, dict) or "traffic" not in dataset:
        raise ConfigError(
            "dataset: an online benchmark scores traffic; write dataset: {traffic: SOURCE}",
            source=str(path),
            line=_line_of(node, ("dataset",)),
        )
    traffic = _check(TrafficSpec, dataset, node, path, ("dataset",))
    online = _check(OnlineSpec, data.get("online") or {}, node, path, ("online",))
    for key in _GENERATION_KEYS:
        if key in data:
            raise ConfigError(
                f"{key}: not used online, where inputs and answers are production's own",
                source=str(path),
                line=_line_of(node, (key,)),
            )
    derived = {k: v for k, v in data.items() if k not in ("dataset", "online")}
    derived["dataset"] = {"samples": [{"input": "-"}]}  # stands in for the traffic
    spec = _validate(derived, node, path)
    try:
        window = parse_duration(online.window, what="online.window")
    except ConfigError as exc:
        line = _line_of(node, ("online", "window"))
        raise ConfigError(exc.message, source=str(path), line=line) from None
    base = path.resolve().parent
    if str(base) not in sys.path:  # python: scorers may sit beside the file, as offline
        sys.path.insert(0, str(base))
    where = str(path)
    scorers = _scorers(spec.scorers, node, where)
    scorers += [OPERATIONAL[name] for name in dict.fromkeys(online.operational)]
    try:
        judge, judge_config = (None, None) if spec.judge is None else _judge(spec.judge)
    except ConfigError as exc:
        location = getattr(exc, "location", ())
        raise ConfigError(exc.message, source=where, line=_line_of(node, location)) from None
    sample = traffic.sample
    rule = SamplingRule(
        kind="rate" if sample.rate is not None else "per_window",
        rate=sample.rate,
        n=sample.per_window,
        stratify=sample.stratify,
        seed=sample.seed,
    )
    described = spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    described["dataset"] = traffic.model_dump(mode="json", exclude_none=True)
    described["online"] = online.model_dump(mode="json", exclude_none=True)
    benchmark = Benchmark(
        name=spec.name,
        description=spec.description,
        dataset=Dataset.from_records([], name=f"traffic:{traffic.traffic}"),
        scorers=scorers,
        slices=tuple(spec.slices),
        cluster=spec.cluster,
        judge=judge,
        judge_config=judge_config,
        path=path,
        spec=described,
    )
    prices = None
    if online.price_input is not None:
        prices = Prices(online.price_input, online.price_output or 0.0)
    return OnlineBenchmark(
        benchmark=benchmark, source=traffic.traffic, rule=rule, window=window, prices=prices
    )


def with_dataset(online: OnlineBenchmark, dataset: Any) -> Benchmark:
    """The online benchmark's `Benchmark` over one window's samples."""
    return dataclasses.replace(online.benchmark, dataset=dataset)
