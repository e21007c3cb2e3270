"""`Benchmark`: a dataset, a prompt, scorers, and how to slice the results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from proctor.benchmark._prompt import (
    LETTERS,
    FewShot,
    FewShotRenderer,
    PromptTemplate,
    compile_template,
    render_template,
    sample_context,
)
from proctor.dataset import ChatMessage, Dataset, Sample
from proctor.dataset._canonical import hash_json
from proctor.errors import ConfigError
from proctor.model import GenerateConfig, ModelConfig
from proctor.scorer import Scorer


@dataclass
class Benchmark:
    """A standardized set of tasks plus the way to score them.

    `task_version` hashes what makes two runs comparable: the dataset version,
    the prompt and the few-shot set. Generation settings are not part of it;
    they belong to the model configuration of each run. `generation` only
    holds defaults for that configuration.

        bench = Benchmark(
            name="support",
            dataset=Dataset.from_file("questions.jsonl"),
            prompt=PromptTemplate(template="Customer: {{ input }}\\nAgent:"),
            scorers=[exact_match()],
            slices=("topic",),
        )
    """

    name: str
    dataset: Dataset
    scorers: Sequence[Scorer]
    prompt: PromptTemplate = field(default_factory=PromptTemplate)
    fewshot: FewShot | None = None
    slices: tuple[str, ...] = ()
    cluster: str | None = None
    epochs: int = 1
    description: str = ""
    generation: GenerateConfig = field(default_factory=GenerateConfig)
    protocol: Literal["generate", "loglikelihood"] = "generate"
    continuation: str = "{{ choice }}"
    target_delimiter: str = " "
    path: Path | None = None
    spec: dict[str, Any] = field(default_factory=dict)
    judge: str | None = None
    judge_config: ModelConfig | None = None

    def __post_init__(self) -> None:
        where = str(self.path) if self.path else self.name
        if self.judge:
            # the benchmark's judge is the default of every judge scorer that names none
            self.scorers = [s.with_judge(self.judge) for s in self.scorers]
        if not self.scorers:
            raise ConfigError("a benchmark needs at least one scorer", source=where)
        names = [s.name for s in self.scorers]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ConfigError(
                f"scorer {dupes[0]!r} is listed twice; give each a distinct "
                "configuration or drop one",
                source=where,
            )
        if self.epochs < 1:
            raise ConfigError(f"epochs must be at least 1, got {self.epochs}", source=where)
        self.scorers = _bind_components(self.scorers, where)
        self.prompt.compile()
        if self.protocol == "loglikelihood":
            if self.prompt.system is not None or self.prompt.messages is not None:
                raise ConfigError(
                    "protocol: loglikelihood scores continuations of a plain-text prompt; "
                    "drop the system prompt and messages, or use protocol: generate",
                    source=where,
                )
            self._continuation = compile_template(
                self.continuation, where=f"{self.prompt.source}.continuation"
            )

    def with_judge(self, spec: str, config: ModelConfig | None = None) -> Benchmark:
        """This benchmark with `spec` judging where its scorers name no judge of their own;
        `config` says how to reach it (base URL, prices, concurrency)."""
        import dataclasses

        return dataclasses.replace(self, judge=spec, judge_config=config or self.judge_config)

    def model_configs(self) -> dict[str, ModelConfig]:
        """Configurations of the models the scorers call, by spec (the benchmark's judge)."""
        if self.judge and self.judge_config is not None:
            return {self.judge: self.judge_config}
        return {}

    @cached_property
    def _fewshot(self) -> FewShotRenderer | None:
        if self.fewshot is None or self.fewshot.n == 0:
            return None
        return FewShotRenderer(
            self.fewshot, self.fewshot.candidates(self.dataset), source=self.prompt.source
        )

    @cached_property
    def task_version(self) -> str:
        """Hash of dataset version + prompt + few-shot set."""
        task: dict[str, Any] = {
            "dataset": self.dataset.version,
            "prompt": self.prompt.describe(),
            "fewshot": None if self._fewshot is None else self._fewshot.version,
        }
        if self.protocol == "loglikelihood":
            task["loglikelihood"] = [self.continuation, self.target_delimiter]
        return hash_json(task)

    def check_keys(self) -> None:
        """Slice and cluster keys must name metadata that some sample has (a typo would
        otherwise give an empty breakdown, or samples wrongly treated as independent)."""
        known = self.dataset.metadata_keys
        for kind, key in [*(("slice", k) for k in self.slices), ("cluster", self.cluster)]:
            if key is not None and key not in known:
                where = str(self.path) if self.path else self.name
                listed = ", ".join(sorted(known)) or "none"
                raise ConfigError(
                    f"{kind} key {key!r} is in no sample's metadata (metadata keys: {listed})",
                    source=where,
                )

    def render(self, sample: Sample) -> str | tuple[ChatMessage, ...]:
        """The model input for `sample`: prompt text or chat messages."""
        fewshot = None if self._fewshot is None else self._fewshot.render(sample)
        return self.prompt.render(sample, fewshot)

    def continuations(self, sample: Sample) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """For `protocol: loglikelihood`: each choice's continuation (with the target
        delimiter in front) and its text (without, as `acc_norm` measures it)."""
        texts = []
        for index, choice in enumerate(sample.choices or ()):
            context = sample_context(sample) | {
                "choice": choice,
                "index": index,
                "letter": LETTERS[index],
            }
            texts.append(
                render_template(
                    self._continuation,
                    context,
                    where=f"{self.prompt.source}.continuation",
                    sample=sample,
                )
            )
        return tuple(self.target_delimiter + t for t in texts), tuple(texts)

    def describe(self) -> dict[str, Any]:
        """What is stored with a run to say what was run."""
        return {
            "name": self.name,
            "description": self.description,
            "dataset": {
                "source": self.dataset.name,
                "version": self.dataset.version,
                "total": self.dataset.total,
            },
            "prompt": self.prompt.describe(),
            "fewshot": None
            if self.fewshot is None
            else {
                "n": self.fewshot.n,
                "seed": self.fewshot.seed,
                "template": self.fewshot.template,
            },
            "slices": list(self.slices),
            "cluster": self.cluster,
            "epochs": self.epochs,
            "protocol": self.protocol,
            "judge": self.judge,
            "judge_config": None if self.judge_config is None else self.judge_config.to_record(),
            "spec": self.spec,
        }


def _bind_components(scorers: Sequence[Scorer], where: str) -> list[Scorer]:
    """Check that composites name scorers listed before them, and make the components'
    signatures part of each composite's (a changed judge changes the blend too)."""
    import dataclasses

    seen: dict[str, Scorer] = {}
    bound = []
    for scorer_ in scorers:
        if scorer_.depends_on:
            missing = [n for n in scorer_.depends_on if n not in seen]
            if missing:
                known = ", ".join(seen) or "none"
                raise ConfigError(
                    f"composite {scorer_.name!r} combines {', '.join(map(repr, missing))}, which "
                    f"is not a scorer listed before it (listed before: {known})",
                    source=where,
                )
            parts = hash_json([seen[n].signature for n in scorer_.depends_on])[:12]
            extra = {**scorer_.signature_extra, "of": parts}
            scorer_ = dataclasses.replace(scorer_, signature_extra=extra)
        seen[scorer_.name] = scorer_
        bound.append(scorer_)
    return bound
