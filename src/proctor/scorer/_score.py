"""`Score`, the `Scorer` interface and the `scorer` decorator that builds scorers.

A scorer is an async callable `(sample, output, ctx) -> Score`. Scorers are
made by factory functions decorated with `@scorer`, so that every scorer knows
its registered name, the keyword arguments it was built with and its version:
together they are the scorer's *signature*, stored with each run so that two
runs are only compared on scorers that mean the same thing.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from proctor.dataset import Sample
    from proctor.metrics import Metric
    from proctor.model import GenerateRequest, Model, ModelOutput

ScoreValue = bool | int | float | str
ScoreSource = Literal["scorer", "judge", "human"]
Applicability = Literal["all", "choices", "no_choices"]


@dataclass(frozen=True, slots=True)
class Score:
    """What one scorer says about one output.

    `value` is a bool (right/wrong), a number, or a label. An answer that cannot
    be parsed is scored as wrong (False or 0) with the reason in `explanation`;
    a scorer that fails raises instead, and the engine records the error.
    `source` tells who scored: a `scorer` (code), a `judge` (a model), or a
    `human` (`annotator` names them).
    """

    value: ScoreValue
    explanation: str | None = None
    answer: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    source: ScoreSource = "scorer"
    annotator: str | None = None

    def as_float(self) -> float | None:
        """The value as a number (True is 1.0), or None for a label."""
        if isinstance(self.value, bool):
            return 1.0 if self.value else 0.0
        if isinstance(self.value, int | float):
            return float(self.value)
        return None


class ScoreContext(Protocol):
    """What a scorer may use besides the sample and the output.

    `generate` calls another model (a judge) through the engine, so the
    engine's concurrency limits, retries, cache and cost accounting apply.
    """

    @property
    def settings(self) -> dict[str, Any]:
        """The run's settings: benchmark name, model spec, generation config."""
        ...

    @property
    def scores(self) -> Mapping[str, Score]:
        """This sample's scores by the scorers listed before this one (for composites)."""
        ...

    def model(self, spec: str) -> Model:
        """The model for `spec`, created once per run."""
        ...

    async def generate(self, model: Model, request: GenerateRequest) -> ModelOutput:
        """Call `model` through the engine and return its output."""
        ...


ScoreFn = Callable[["Sample", "ModelOutput", ScoreContext], Awaitable[Score]]


@dataclass(frozen=True)
class Scorer:
    """A scorer built by a `@scorer` factory: its function plus its identity.

    `name` is the registered name (or `python:pkg.mod:fn`), `args` the keyword
    arguments of the factory, `version` bumps when the scoring logic changes.
    `signature_extra` lets scorers add more identity (a judge prompt hash).
    `applies_to` limits the scorer to multiple-choice samples ("choices") or to
    the others ("no_choices"), so one benchmark can mix both kinds of question;
    a sample it does not apply to gets no score and does not count in its n.
    `uses_judge` marks scorers whose `model` argument names a judge; a
    benchmark's `judge` fills it in where the scorer leaves it unset (see
    `with_judge`), `build` being the factory that rebuilds the scorer.
    `depends_on` names the scorers whose scores this one combines (a
    composite); the engine scores those first and hands their scores over as
    `ctx.scores`. `kind` is the registered name, kept when `name` is changed
    (`as:` in YAML), so that `rebuild_scorer` can build it again from a run.
    """

    name: str
    fn: ScoreFn
    args: dict[str, Any] = field(default_factory=dict)
    version: str = "1"
    metrics: Sequence[Metric] = ()
    signature_extra: dict[str, str] = field(default_factory=dict)
    applies_to: Applicability = "all"
    uses_judge: bool = False
    depends_on: tuple[str, ...] = ()
    build: Callable[..., Scorer] | None = field(default=None, compare=False, repr=False)
    kind: str = ""

    def __post_init__(self) -> None:
        # the registered name survives a rename (`as:`), so a stored run can be rebuilt
        if not self.kind:
            object.__setattr__(self, "kind", self.name)

    def with_judge(self, spec: str) -> Scorer:
        """This scorer with judge `spec`, unless its own `model` argument names one."""
        if not self.uses_judge or self.args.get("model") or self.build is None:
            return self
        rebuilt = self.build(**{**self.args, "model": spec})
        return dataclasses.replace(rebuilt, name=self.name, applies_to=self.applies_to)

    def applies(self, sample: Sample) -> bool:
        """Whether this scorer scores `sample` (see `applies_to`)."""
        return self.applies_to_kind(bool(sample.choices))

    def applies_to_kind(self, multiple_choice: bool) -> bool:
        """Whether this scorer scores samples with choices (True) or without (False)."""
        if self.applies_to == "all":
            return True
        return multiple_choice == (self.applies_to == "choices")

    async def __call__(self, sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        return await self.fn(sample, output, ctx)

    @property
    def signature(self) -> str:
        """A stable string naming exactly what this scorer computes.

        >>> # exact_match|v1|args=sha256:1f2e...
        """
        parts = [self.name, f"v{self.version}"]
        canonical = json.dumps(self.args, sort_keys=True, separators=(",", ":"), default=str)
        parts.append("args=" + hashlib.sha256(canonical.encode()).hexdigest()[:12])
        for key in sorted(self.signature_extra):
            parts.append(f"{key}={self.signature_extra[key]}")
        if self.applies_to != "all":
            parts.append(f"applies_to={self.applies_to}")
        return "|".join(parts)

    def describe(self) -> dict[str, Any]:
        """What is stored with a run to identify (and rebuild) this scorer."""
        return {
            "name": self.name,
            "scorer": self.kind,
            "args": self.args,
            "version": self.version,
            "signature": self.signature,
            "metrics": [m.name for m in self.metrics],
            "higher_is_better": {m.name: m.higher_is_better for m in self.metrics},
            "applies_to": self.applies_to,
        }


def scorer(
    name: str,
    *,
    version: str = "1",
    metrics: Callable[..., Sequence[Metric]] | None = None,
    signature: Callable[..., dict[str, str]] | None = None,
    uses_judge: bool = False,
) -> Callable[[Callable[..., ScoreFn]], Callable[..., Scorer]]:
    """Turn a factory returning a score function into a factory returning a `Scorer`.

    The factory must take keyword-only arguments; they become the scorer's
    `args` and part of its signature. `metrics` builds the metrics that
    aggregate this scorer's scores (default: the mean with a 95% CI); it is
    called with the factory's keyword arguments when it accepts any, so the
    metrics can depend on them. `signature`, called with the same arguments,
    adds identity the arguments alone do not show (a prompt's hash, a schema
    file's content) to the scorer's signature. `uses_judge` says the factory's
    `model` argument is a judge that the benchmark's `judge` may supply.

        @scorer("exact_match")
        def exact_match(*, ignore_case: bool = True) -> ScoreFn:
            async def score(sample, output, ctx) -> Score: ...
            return score
    """

    def decorate(factory: Callable[..., ScoreFn]) -> Callable[..., Scorer]:
        @functools.wraps(factory)
        def build(**kwargs: Any) -> Scorer:
            fn = factory(**kwargs)
            if metrics is None:
                from proctor.metrics import mean

                built: Sequence[Metric] = (mean(),)
            elif inspect.signature(metrics).parameters:
                built = tuple(metrics(**kwargs))
            else:
                built = tuple(metrics())
            extra = {} if signature is None else dict(signature(**kwargs))
            return Scorer(
                name=name,
                fn=fn,
                args=dict(kwargs),
                version=version,
                metrics=built,
                signature_extra=extra,
                uses_judge=uses_judge,
                build=build,
            )

        build.scorer_name = name  # type: ignore[attr-defined]
        return build

    return decorate


def rebuild_scorer(entry: dict[str, Any]) -> Scorer:
    """The scorer a run's stored description (`Scorer.describe()`) names, built again.

    Raises `ProctorError` when it cannot be (an unknown scorer, a module gone).
    """
    from proctor.scorer._resolve import resolve_scorer

    built = resolve_scorer(entry.get("scorer") or entry["name"], entry.get("args") or {})
    return dataclasses.replace(
        built, name=entry["name"], applies_to=entry.get("applies_to") or "all"
    )
