"""Prompt templates (sandboxed Jinja2) and few-shot examples."""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from proctor.dataset import ChatMessage, Dataset, Sample
from proctor.dataset._canonical import hash_json, sample_digest
from proctor.errors import TemplateError

LETTERS = string.ascii_uppercase


def _environment() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    # Sandboxed: templates come from benchmark files, which may be shared.
    return ImmutableSandboxedEnvironment(
        undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False
    )


_ENV: Any = None


def _location(where: str) -> tuple[str | int, ...]:
    """`prompt.messages[1]` -> ("prompt", "messages", 1): where the template sits in YAML."""
    parts: list[str | int] = []
    for part in where.split("."):
        name, _, index = part.partition("[")
        parts.append(name)
        if index:
            parts.append(int(index.rstrip("]")))
    return tuple(parts)


def compile_template(source: str, *, where: str) -> Any:
    """Compile a Jinja2 template; a syntax error raises `TemplateError` naming `where`."""
    global _ENV
    from jinja2 import TemplateSyntaxError

    if _ENV is None:
        _ENV = _environment()
    try:
        return _ENV.from_string(source)
    except TemplateSyntaxError as exc:
        error = TemplateError(f"{where}: template error on its line {exc.lineno}: {exc.message}")
        error.location = _location(where)  # type: ignore[attr-defined]
        raise error from None


def references(source: str, name: str) -> bool:
    """Whether the template `source` (already compiled once, so valid) uses variable `name`."""
    from jinja2 import meta

    global _ENV
    if _ENV is None:
        _ENV = _environment()
    return name in meta.find_undeclared_variables(_ENV.parse(source))


def sample_context(sample: Sample) -> dict[str, Any]:
    """The variables a template sees for one sample."""
    return {
        "input": sample.input_text,
        "target": sample.targets[0] if sample.targets else "",
        "targets": list(sample.targets),
        "choices": list(sample.choices or ()),
        "letters": list(LETTERS[: len(sample.choices or ())]),
        "metadata": sample.metadata,
        "id": sample.id,
    }


def render_template(template: Any, context: dict[str, Any], *, where: str, sample: Sample) -> str:
    from jinja2 import TemplateError as JinjaError

    try:
        return template.render(context)
    except JinjaError as exc:
        raise TemplateError(f"{where}: cannot render for sample {sample.id!r}: {exc}") from None


@dataclass(frozen=True)
class FewShot:
    """Worked examples put before each question.

    Examples come from `samples` when given, else from the benchmark's own
    dataset. `sampler` "random" draws them with `seed`; "first" takes them in
    order (as lm-evaluation-harness's `first_n`). With `group_by` (a metadata
    key), each question gets examples of its own group only (MMLU: the same
    subject). The sample being asked is never among its own examples (a spare
    candidate replaces it). Each is rendered with `template` and the examples
    are joined, and followed, by `separator`.
    """

    n: int
    seed: int = 0
    samples: tuple[Sample, ...] | None = None
    template: str = "{{ input }}\n{{ target }}"
    separator: str = "\n\n"
    sampler: Literal["random", "first"] = "random"
    group_by: str | None = None

    def candidates(self, dataset: Dataset) -> list[Sample]:
        """n + 1 candidate examples per group (enough to skip the asked sample)."""
        if self.samples is not None:
            pool: list[Sample] = list(self.samples)
        elif self.group_by is None and self.sampler == "random":
            ids = dataset.all_ids()  # draw ids first: only the chosen samples are read
            chosen = random.Random(self.seed).sample(ids, min(self.n + 1, len(ids)))
            return [dataset.sample(i) for i in chosen]
        else:
            pool = list(dataset.with_options(limit=None, shuffle=False))
        groups: dict[Any, list[Sample]] = {}
        for sample in pool:
            key = None if self.group_by is None else sample.metadata.get(self.group_by)
            groups.setdefault(key, []).append(sample)
        chosen_all: list[Sample] = []
        for members in groups.values():
            k = min(self.n + 1, len(members))
            if self.sampler == "first":
                chosen_all.extend(members[:k])
            else:
                chosen_all.extend(random.Random(self.seed).sample(members, k))
        return chosen_all


@dataclass
class PromptTemplate:
    """How a sample becomes the model's input.

    `template` renders the user prompt (default: the sample's input). With a
    `system` prompt or `messages`, the input is a chat; otherwise plain text.
    `messages` lists chat turns whose `content` is a template each. A sample
    whose input is already a chat is passed through, after the system prompt.
    """

    template: str | None = None
    system: str | None = None
    messages: tuple[ChatMessage, ...] | None = None
    source: str = "prompt"
    _compiled: dict[str, Any] = field(default_factory=dict, repr=False)

    def describe(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "system": self.system,
            "messages": None if self.messages is None else [m.to_dict() for m in self.messages],
        }

    def _get(self, key: str, source: str) -> Any:
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = compile_template(source, where=f"{self.source}.{key}")
            self._compiled[key] = compiled
        return compiled

    def compile(self) -> None:
        """Compile every template now, so syntax errors appear before the run."""
        if self.template is not None:
            self._get("template", self.template)
        if self.system is not None:
            self._get("system", self.system)
        for i, message in enumerate(self.messages or ()):
            self._get(f"messages[{i}]", message.content)

    @cached_property
    def _uses_fewshot(self) -> bool:
        sources = [self.template, self.system, *(m.content for m in self.messages or ())]
        return any(src is not None and references(src, "fewshot") for src in sources)

    def render(self, sample: Sample, fewshot: str | None = None) -> str | tuple[ChatMessage, ...]:
        """The model input for `sample`; a few-shot block the templates do not place
        themselves goes before the question (the first user turn of a chat)."""
        context = sample_context(sample)
        context["fewshot"] = fewshot or ""
        prepend = fewshot if fewshot and not self._uses_fewshot else None
        system = None
        if self.system is not None:
            system = self._render("system", self.system, context, sample)
        head = (ChatMessage("system", system),) if system else ()
        if self.messages is not None:
            turns = tuple(
                ChatMessage(m.role, self._render(f"messages[{i}]", m.content, context, sample))
                for i, m in enumerate(self.messages)
            )
            return head + _before_first_user(turns, prepend)
        if not isinstance(sample.input, str) and self.template is None:
            return head + _before_first_user(sample.input, prepend)
        if self.template is None:
            text = context["input"]
        else:
            text = self._render("template", self.template, context, sample)
        if prepend:
            text = prepend + text
        return (*head, ChatMessage("user", text)) if head else text

    def _render(self, key: str, source: str, context: dict[str, Any], sample: Sample) -> str:
        return render_template(
            self._get(key, source), context, where=f"{self.source}.{key}", sample=sample
        )


def _before_first_user(
    turns: tuple[ChatMessage, ...], block: str | None
) -> tuple[ChatMessage, ...]:
    if not block:
        return turns
    for i, turn in enumerate(turns):
        if turn.role == "user":
            return (*turns[:i], ChatMessage("user", block + turn.content), *turns[i + 1 :])
    return (ChatMessage("user", block), *turns)


class FewShotRenderer:
    """Renders the few-shot block for each sample from a fixed candidate list."""

    def __init__(self, fewshot: FewShot, candidates: Sequence[Sample], *, source: str):
        self.fewshot = fewshot
        self.candidates = list(candidates)
        self._template = compile_template(fewshot.template, where=f"{source}.fewshot.template")
        self._source = source

    @cached_property
    def _groups(self) -> dict[Any, list[Sample]]:
        groups: dict[Any, list[Sample]] = {}
        for candidate in self.candidates:
            groups.setdefault(candidate.metadata.get(self.fewshot.group_by or ""), []).append(
                candidate
            )
        return groups

    @cached_property
    def version(self) -> str:
        return hash_json(
            {
                "n": self.fewshot.n,
                "template": self.fewshot.template,
                "separator": self.fewshot.separator,
                "group_by": self.fewshot.group_by,
                "examples": [sample_digest(s).hex() for s in self.candidates],
            }
        )

    def render(self, sample: Sample) -> str:
        group_by = self.fewshot.group_by
        pool = (
            self.candidates
            if group_by is None
            else self._groups.get(sample.metadata.get(group_by), [])
        )
        examples = [s for s in pool if s.id != sample.id][: self.fewshot.n]
        parts = [
            render_template(
                self._template, sample_context(s), where=f"{self._source}.fewshot", sample=s
            )
            for s in examples
        ]
        return self.fewshot.separator.join(parts) + self.fewshot.separator if parts else ""
