"""Benchmarks: YAML and Python give the same object; versions; prompts; few-shot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proctor.benchmark import Benchmark, PromptTemplate, load_benchmark
from proctor.dataset import ChatMessage, Dataset, FieldMap, Sample
from proctor.errors import ConfigError, TemplateError
from proctor.model import GenerateConfig
from proctor.scorer import resolve_scorer

ROWS = [
    {
        "qid": f"q{i}",
        "question": f"What is {i}+{i}?",
        "answer": str(2 * i),
        "topic": "even" if i % 2 == 0 else "odd",
    }
    for i in range(8)
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "q.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    return tmp_path


def yaml_benchmark(folder: Path, extra: str = "") -> Path:
    path = folder / "bench.yaml"
    path.write_text(
        "name: sums\n"
        "dataset:\n  path: q.jsonl\n  fields: {id: qid, input: question, target: answer}\n"
        'prompt:\n  template: "Q: {{ input }}\\nA:"\n'
        "scorers:\n  - exact_match\n  - name: numeric\n    args: {tolerance: 0.5}\n"
        "slices: [topic]\n" + extra
    )
    return path


def python_benchmark(folder: Path) -> Benchmark:
    return Benchmark(
        name="sums",
        dataset=Dataset.from_file(
            folder / "q.jsonl", fields=FieldMap(id="qid", input="question", target="answer")
        ),
        prompt=PromptTemplate(template="Q: {{ input }}\nA:"),
        scorers=[resolve_scorer("exact_match"), resolve_scorer("numeric", {"tolerance": 0.5})],
        slices=("topic",),
    )


def test_yaml_and_python_give_the_same_benchmark(folder: Path) -> None:
    from_yaml = load_benchmark(yaml_benchmark(folder))
    from_python = python_benchmark(folder)
    assert from_yaml.task_version == from_python.task_version
    assert [s.signature for s in from_yaml.scorers] == [s.signature for s in from_python.scorers]
    assert from_yaml.slices == from_python.slices
    sample = next(iter(from_yaml.dataset))
    assert from_yaml.render(sample) == from_python.render(sample) == "Q: What is 0+0?\nA:"


def test_task_version_follows_data_prompt_and_fewshot_but_not_generation(folder: Path) -> None:
    base = load_benchmark(yaml_benchmark(folder))
    settings = load_benchmark(yaml_benchmark(folder, "generation: {temperature: 0.7}\n"))
    assert settings.task_version == base.task_version
    assert settings.generation == GenerateConfig(temperature=0.7)
    fewshot = load_benchmark(yaml_benchmark(folder, "fewshot: {n: 2}\n"))
    assert fewshot.task_version != base.task_version
    other_prompt = python_benchmark(folder)
    other_prompt.prompt = PromptTemplate(template="Question: {{ input }}")
    assert other_prompt.task_version != base.task_version
    (folder / "q.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS[:-1]))
    assert load_benchmark(yaml_benchmark(folder)).task_version != base.task_version


def test_scorer_arguments_change_the_signature_not_the_task(folder: Path) -> None:
    a = resolve_scorer("numeric", {"tolerance": 0.5})
    b = resolve_scorer("numeric", {"tolerance": 0.0})
    assert a.signature != b.signature and a.signature.startswith("numeric|v")


def test_fewshot_examples_never_include_the_sample_asked(folder: Path) -> None:
    bench = load_benchmark(yaml_benchmark(folder, "fewshot: {n: 7, seed: 3}\n"))
    for sample in bench.dataset:
        prompt = bench.render(sample)
        assert prompt.count("What is") == 8  # seven examples and the question itself
        assert prompt.count(sample.input_text) == 1 and prompt.endswith(
            f"Q: {sample.input_text}\nA:"
        )


def test_fewshot_from_an_inline_list(folder: Path) -> None:
    extra = (
        "fewshot:\n  n: 1\n  samples: [{qid: e1, question: 'What is 10+10?', "
        "answer: '20'}]\n  template: 'Q: {{ input }} A: {{ target }}'\n"
    )
    bench = load_benchmark(yaml_benchmark(folder, extra))
    prompt = bench.render(next(iter(bench.dataset)))
    assert prompt.startswith("Q: What is 10+10? A: 20\n\n")


def test_system_prompt_makes_a_chat(folder: Path) -> None:
    bench = python_benchmark(folder)
    bench.prompt = PromptTemplate(
        system="Be brief about {{ metadata.topic }}.", template="{{ input }}"
    )
    rendered = bench.render(Sample(id="x", input="hi", metadata={"topic": "odd"}))
    assert rendered == (ChatMessage("system", "Be brief about odd."), ChatMessage("user", "hi"))


def test_choices_and_letters_are_available_to_templates() -> None:
    prompt = PromptTemplate(
        template="{{ input }}\n{% for l, c in zip(letters, choices) %}{{ l }}. {{ c }}\n"
        "{% endfor %}"
    )
    with pytest.raises(TemplateError):  # zip is not a template builtin
        prompt.render(Sample(id="x", input="Pick", choices=("a", "b")))
    loop = PromptTemplate(
        template="{{ input }}{% for c in choices %} {{ letters[loop.index0] }}. {{ c }}{% endfor %}"
    )
    assert loop.render(Sample(id="x", input="Pick", choices=("a", "b"))) == "Pick A. a B. b"


def test_templates_are_sandboxed() -> None:
    prompt = PromptTemplate(template="{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(TemplateError, match="cannot render"):
        prompt.render(Sample(id="x", input="hi"))


def test_an_unknown_variable_names_the_sample() -> None:
    prompt = PromptTemplate(template="{{ question }}")
    with pytest.raises(TemplateError, match="sample 'x'"):
        prompt.render(Sample(id="x", input="hi"))


def test_python_references_resolve_beside_the_yaml(folder: Path) -> None:
    (folder / "beside_yaml_checks.py").write_text(
        "def short(sample, output, ctx):\n    return len(output.text) < 10\n"
    )
    path = folder / "b.yaml"
    path.write_text(
        "name: x\ndataset: {path: q.jsonl, fields: {input: question}}\n"
        "scorers: ['python:beside_yaml_checks:short']\n"
    )
    assert load_benchmark(path).scorers[0].name == "python:beside_yaml_checks:short"


@pytest.mark.parametrize(
    "body,message",
    [
        ("name: x\nscorers: [exact_match]\n", "dataset: Field required"),
        (
            "name: x\ndataset: {path: q.jsonl, samples: []}\nscorers: [exact_match]\n",
            "give exactly one of",
        ),
        ("name: x\ndataset: {path: q.jsonl}\nscorers: []\n", "scorers"),
        ("name: x\ndataset: {path: q.jsonl}\nscorers: [exact_match]\nepochs: 0\n", "epochs"),
        ("- just\n- a list\n", "must be a YAML mapping"),
    ],
)
def test_invalid_benchmarks_are_config_errors(folder: Path, body: str, message: str) -> None:
    path = folder / "bad.yaml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=message):
        load_benchmark(path)


def test_the_same_scorer_twice_needs_distinct_names(folder: Path) -> None:
    path = folder / "twice.yaml"
    path.write_text(
        "name: x\ndataset: {path: q.jsonl, fields: {input: question}}\n"
        "scorers:\n  - exact_match\n  - exact_match\n"
    )
    with pytest.raises(ConfigError, match="listed twice"):
        load_benchmark(path)
    path.write_text(
        "name: x\ndataset: {path: q.jsonl, fields: {input: question}}\n"
        "scorers:\n  - exact_match\n  - {name: exact_match, as: strict_match,"
        " args: {ignore_case: false}}\n"
    )
    assert [s.name for s in load_benchmark(path).scorers] == ["exact_match", "strict_match"]


def test_inline_samples_in_yaml(tmp_path: Path) -> None:
    path = tmp_path / "inline.yaml"
    path.write_text(
        "name: inline\ndataset:\n  samples:\n    - {input: '2+2?', target: '4'}\n"
        "    - {input: '3+3?', target: '6'}\nscorers: [exact_match]\n"
    )
    bench = load_benchmark(path)
    assert [s.target for s in bench.dataset] == ["4", "6"]


def test_inline_sample_values_are_read_as_written(tmp_path: Path) -> None:
    path = tmp_path / "inline.yaml"
    path.write_text(
        "name: inline\ndataset:\n  samples:\n"
        "    - {input: 'Is it open?', target: no, zip: 02134, at: 12:30, v: 1.10, n: null}\n"
        "scorers: [exact_match]\nepochs: 2\n"
    )
    bench = load_benchmark(path)
    sample = next(iter(bench.dataset))
    assert sample.target == "no"
    assert sample.metadata == {"zip": "02134", "at": "12:30", "v": "1.10"}
    assert bench.epochs == 2  # configuration keeps its types


def test_fewshot_goes_into_the_first_user_turn_of_chat_prompts(folder: Path) -> None:
    bench = load_benchmark(yaml_benchmark(folder, "fewshot: {n: 2}\n"))
    bench.prompt = PromptTemplate(
        messages=(ChatMessage("system", "Add."), ChatMessage("user", "{{ input }}"))
    )
    rendered = bench.render(next(iter(bench.dataset)))
    assert rendered[0] == ChatMessage("system", "Add.")
    assert rendered[1].role == "user" and rendered[1].content.count("What is") == 3
    assert rendered[1].content.endswith("What is 0+0?")


def test_fewshot_is_prepended_unless_a_template_really_uses_it(folder: Path) -> None:
    bench = load_benchmark(yaml_benchmark(folder, "fewshot: {n: 2}\n"))
    bench.prompt = PromptTemplate(template="{# fewshot #}Q: {{ input }}")
    assert bench.render(next(iter(bench.dataset))).count("What is") == 3
    placed = PromptTemplate(template="Q: {{ input }}\nExamples:\n{{ fewshot }}")
    bench.prompt = placed
    assert bench.render(next(iter(bench.dataset))).startswith("Q: What is 0+0?\nExamples:")


def test_template_syntax_errors_name_the_file_once_and_the_line(folder: Path) -> None:
    path = folder / "bad.yaml"
    path.write_text(
        "name: x\ndataset: {path: q.jsonl, fields: {input: question}}\n"
        "prompt:\n  template: '{{ input '\nscorers: [exact_match]\n"
    )
    with pytest.raises(TemplateError) as err:
        load_benchmark(path)
    message = str(err.value)
    assert message.startswith(f"{path}:4: prompt.template: template error")
    assert message.count(str(path)) == 1
