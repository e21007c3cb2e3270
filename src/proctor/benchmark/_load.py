"""Load a `Benchmark` from a YAML file, with errors that name the file and line."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

from proctor.benchmark._benchmark import Benchmark
from proctor.benchmark._prompt import FewShot, PromptTemplate
from proctor.benchmark._spec import BenchmarkSpec, DatasetSpec, JudgeSpec, ScorerSpec
from proctor.dataset import ChatMessage, Dataset, FieldMap
from proctor.errors import ConfigError, ProctorError
from proctor.model import GenerateConfig, ModelConfig


def _text_loader() -> Any:
    """A YAML loader that reads every scalar as text, except null.

    Sample values are data, not configuration: under YAML 1.1 rules `no`
    would become false, `02134` an octal number and `12:30` the integer 750.
    Reading them as text keeps what the user wrote, as a CSV file would.
    """
    import yaml

    class TextLoader(yaml.SafeLoader):
        pass

    TextLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag == "tag:yaml.org,2002:null"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return TextLoader


def _samples_as_text(data: Any, text: str) -> None:
    """Replace the inline `samples:` lists of `data` with their text-only reading."""
    import yaml

    if not isinstance(data, dict):
        return
    raw = yaml.load(text, Loader=_text_loader())
    for section in ("dataset", "fewshot"):
        block, raw_block = data.get(section), raw.get(section)
        if (
            isinstance(block, dict)
            and isinstance(raw_block, dict)
            and isinstance(block.get("samples"), list)
        ):
            block["samples"] = raw_block["samples"]


def _read_yaml(path: Path) -> tuple[Any, Any]:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("benchmark file not found", source=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read benchmark file: {exc}", source=str(path)) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
        _samples_as_text(data, text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"invalid YAML: {problem}",
            source=str(path),
            line=None if mark is None else mark.line + 1,
        ) from None
    return data, node


def _line_of(node: Any, loc: tuple[Any, ...]) -> int | None:
    """The line of the YAML node at a pydantic error location (best effort)."""
    import yaml

    line = None if node is None else node.start_mark.line + 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == key), None)
            if match is None:
                match = next((k for k, _ in node.value if k.value == key), None)
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _validate(data: Any, node: Any, path: Path) -> BenchmarkSpec:
    from pydantic import ValidationError

    if not isinstance(data, dict):
        raise ConfigError(
            "a benchmark file must be a YAML mapping (name:, dataset:, scorers:)",
            source=str(path),
            line=1,
        )
    try:
        return BenchmarkSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and "[" in x))
        where = ".".join(str(x) for x in loc) or "benchmark"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        more = len(exc.errors()) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise ConfigError(
            f"{where}: {message}{suffix}", source=str(path), line=_line_of(node, loc)
        ) from None


def _dataset(spec: DatasetSpec, base: Path, where: str) -> Dataset:
    f = spec.fields
    fields = FieldMap(
        id=f.id,
        input=f.input,
        target=f.target,
        choices=tuple(f.choices) if isinstance(f.choices, list) else f.choices,
        metadata=None if f.metadata is None else tuple(f.metadata),
    )
    options = {"fields": fields, "limit": spec.limit, "shuffle": spec.shuffle, "seed": spec.seed}
    if spec.samples is not None:
        return Dataset.from_records(spec.samples, name=f"{where} (inline samples)", **options)
    assert spec.path is not None
    return Dataset.from_file(base / spec.path, format=spec.format, **options)


def _scorers(entries: list[str | ScorerSpec], node: Any, where: str) -> list[Any]:
    from proctor.scorer import resolve_scorer

    built = []
    for i, entry in enumerate(entries):
        spec = ScorerSpec(name=entry) if isinstance(entry, str) else entry
        try:
            scorer = resolve_scorer(spec.name, spec.args)
        except ProctorError as exc:
            message = exc.message if isinstance(exc, ConfigError) else str(exc)
            raise ConfigError(
                f"scorers[{i}]: {message}", source=where, line=_line_of(node, ("scorers", i))
            ) from None
        if spec.as_ or spec.applies_to != "all":
            scorer = dataclasses.replace(
                scorer, name=spec.as_ or scorer.name, applies_to=spec.applies_to
            )
        built.append(scorer)
    return built


def _judge(spec: str | JudgeSpec) -> tuple[str, ModelConfig | None]:
    """The benchmark judge's spec and, when the YAML says how to reach it, its config."""
    import os

    from proctor.model import ModelConfig, Prices

    if isinstance(spec, str):
        if not spec:
            raise ConfigError("judge: give a model spec")
        return spec, None
    api_key = None
    if spec.api_key_env:
        api_key = os.environ.get(spec.api_key_env)
        if not api_key:
            error = ConfigError(
                f"judge.api_key_env: the environment variable {spec.api_key_env} is not set"
            )
            error.location = ("judge", "api_key_env")  # type: ignore[attr-defined]
            raise error
    prices = None
    if spec.price_input is not None:
        prices = Prices(spec.price_input, spec.price_output or 0.0)
    return spec.model, ModelConfig(
        base_url=spec.base_url,
        api_key=api_key,
        timeout=spec.timeout,
        max_retries=spec.max_retries,
        max_concurrency=spec.max_concurrency,
        rpm=spec.rpm,
        prices=prices,
        cache=spec.cache,
    )


def load_benchmark(path: str | Path) -> Benchmark:
    """Read a benchmark YAML file into a `Benchmark`.

    Relative dataset paths are resolved from the file's folder, and that folder
    is put on `sys.path` so `python:` references can name modules beside it.
    """
    path = Path(path)
    data, node = _read_yaml(path)
    spec = _validate(data, node, path)
    base = path.resolve().parent
    if str(base) not in sys.path:
        sys.path.insert(0, str(base))
    where = str(path)
    try:
        dataset = _dataset(spec.dataset, base, where)
        fewshot = None
        if spec.fewshot is not None:
            fs = spec.fewshot
            samples = None
            if fs.path is not None or fs.samples is not None:
                src = _dataset(
                    DatasetSpec(path=fs.path, samples=fs.samples, fields=spec.dataset.fields),
                    base,
                    f"{where} fewshot",
                )
                samples = tuple(src)
            fewshot = FewShot(
                n=fs.n,
                seed=fs.seed,
                samples=samples,
                template=fs.template,
                separator=fs.separator,
                sampler=fs.sampler,
                group_by=fs.group_by,
            )
        p = spec.prompt
        prompt = PromptTemplate(
            template=p.template,
            system=p.system,
            messages=None
            if p.messages is None
            else tuple(ChatMessage(m.role, m.content) for m in p.messages),
            source="prompt",
        )
        g = spec.generation
        judge, judge_config = (None, None) if spec.judge is None else _judge(spec.judge)
        return Benchmark(
            name=spec.name,
            description=spec.description,
            dataset=dataset,
            prompt=prompt,
            fewshot=fewshot,
            scorers=_scorers(spec.scorers, node, where),
            slices=tuple(spec.slices),
            cluster=spec.cluster,
            epochs=spec.epochs,
            generation=GenerateConfig(
                temperature=g.temperature,
                max_tokens=g.max_tokens,
                top_p=g.top_p,
                stop=None if g.stop is None else tuple(g.stop),
                seed=g.seed,
            ),
            protocol=spec.protocol,
            continuation=spec.continuation,
            target_delimiter=spec.target_delimiter,
            judge=judge,
            judge_config=judge_config,
            path=path,
            spec=spec.model_dump(mode="json", by_alias=True, exclude_none=True),
        )
    except ConfigError as exc:
        if exc.source is None:
            location = getattr(exc, "location", ())
            line = _line_of(node, location) if location else None
            raise type(exc)(exc.message, source=where, line=line) from None
        raise
