"""MMLU (Hendrycks et al., 2021, "Measuring Massive Multitask Language Understanding").

57 subjects of four-option multiple-choice questions. `mmlu` runs them all,
`mmlu:SUBJECT` one. The prompt and scoring are those of lm-evaluation-
harness's `mmlu` task (`lm_eval/tasks/mmlu/default/_default_template_yaml`):

    The following are multiple choice questions (with answers) about {subject}.

    {question}
    A. {choice A}
    B. {choice B}
    C. {choice C}
    D. {choice D}
    Answer:

scored on the continuations " A", " B", " C", " D" by log-probability
(`loglikelihood_choice`). With letters as the options, every option's text
is one character long, so `acc_norm` equals `acc`. k-shot prompts put the
first k questions of the subject's dev split, each followed by " X" (its
answer), before the question, separated by blank lines. The headline is the
micro average over questions (`acc`); the macro average over subjects
(`acc_macro`) and one figure per subject (the `subject` slice) come with it.

The data is read from the user's copy, in either layout:

* the original release (`data.tar` of the paper's repository): folders
  `dev/`, `val/`, `test/` holding `{subject}_{split}.csv` files without a
  header (question, A, B, C, D, answer letter);
* the Hugging Face `cais/mmlu` layout: one folder per subject holding
  `test-*.parquet` and `dev-*.parquet` files (question, subject, choices,
  answer index); reading it needs `pyarrow` (`pip install 'proctor[hf]'`).

Both give the same samples, ids (`{subject}-{split}-{row:04d}`) and dataset version.
Without `--data`, the Hugging Face copy is loaded with the `datasets`
package when it is installed and its cache (or the network) has it.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from proctor.benchmark import Benchmark, FewShot, PromptTemplate
from proctor.dataset import Dataset
from proctor.errors import ConfigError, DatasetError

SUBJECTS = (
    "abstract_algebra", "anatomy", "astronomy", "business_ethics", "clinical_knowledge",
    "college_biology", "college_chemistry", "college_computer_science", "college_mathematics",
    "college_medicine", "college_physics", "computer_security", "conceptual_physics",
    "econometrics", "electrical_engineering", "elementary_mathematics", "formal_logic",
    "global_facts", "high_school_biology", "high_school_chemistry",
    "high_school_computer_science", "high_school_european_history", "high_school_geography",
    "high_school_government_and_politics", "high_school_macroeconomics",
    "high_school_mathematics", "high_school_microeconomics", "high_school_physics",
    "high_school_psychology", "high_school_statistics", "high_school_us_history",
    "high_school_world_history", "human_aging", "human_sexuality", "international_law",
    "jurisprudence", "logical_fallacies", "machine_learning", "management", "marketing",
    "medical_genetics", "miscellaneous", "moral_disputes", "moral_scenarios", "nutrition",
    "philosophy", "prehistory", "professional_accounting", "professional_law",
    "professional_medicine", "professional_psychology", "public_relations",
    "security_studies", "sociology", "us_foreign_policy", "virology", "world_religions",
)  # fmt: skip
LETTERS = "ABCD"
QUESTION = (
    "{{ input | trim }}\nA. {{ choices[0] }}\nB. {{ choices[1] }}\nC. {{ choices[2] }}\n"
    "D. {{ choices[3] }}\nAnswer:"
)
HEADER = (
    "The following are multiple choice questions (with answers) about "
    "{{ metadata.subject | replace('_', ' ') }}.\n\n"
)
DATA_HELP = (
    "point --data at MMLU: the original release (folders dev/ val/ test/ of "
    "{subject}_{split}.csv files, from the data.tar of github.com/hendrycks/test) or a copy "
    "of the Hugging Face dataset cais/mmlu (one folder of parquet files per subject)"
)


def _record(
    subject: str, split: str, index: int, question: str, choices: list[str], answer: str
) -> dict[str, Any]:
    return {
        "id": f"{subject}-{split}-{index:04d}",
        "input": question,
        "choices": choices,
        "target": answer,
        "subject": subject,
    }


def _read_csv(path: Path, subject: str, split: str) -> list[dict[str, Any]]:
    records = []
    with path.open(newline="", encoding="utf-8") as f:
        for line, row in enumerate(csv.reader(f), start=1):
            if len(row) != 6 or row[5].strip() not in tuple(LETTERS):
                raise DatasetError(
                    "expected question, A, B, C, D and an answer letter",
                    source=str(path),
                    line=line,
                )
            records.append(_record(subject, split, len(records), row[0], row[1:5], row[5].strip()))
    return records


def _read_parquet(folder: Path, split: str, subject: str) -> list[dict[str, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ConfigError(
            "reading the Hugging Face layout of MMLU needs pyarrow: pip install 'proctor[hf]'"
        ) from None
    records = []
    for path in sorted(folder.glob(f"{split}-*.parquet")):
        for row in pq.read_table(path).to_pylist():
            answer = row["answer"]
            if not isinstance(answer, int) or not 0 <= answer < 4 or len(row["choices"]) != 4:
                raise DatasetError(
                    f"row {len(records)}: expected four choices and an answer 0-3", source=str(path)
                )
            records.append(
                _record(
                    subject,
                    split,
                    len(records),
                    row["question"],
                    list(row["choices"]),
                    LETTERS[answer],
                )
            )
    return records


def _split(data: Path, subject: str, split: str) -> list[dict[str, Any]]:
    """One subject's split from either layout; `ConfigError` when neither is there."""
    for root in (data, data / "data"):
        path = root / split / f"{subject}_{split}.csv"
        if path.is_file():
            return _read_csv(path, subject, split)
    folder = data / subject
    if folder.is_dir() and any(folder.glob(f"{split}-*.parquet")):
        return _read_parquet(folder, split, subject)
    raise ConfigError(f"no MMLU {split} split for {subject!r} under {data}; {DATA_HELP}")


def _present(data: Path) -> tuple[str, ...]:
    """The subjects whose test split is under `data`, in either layout."""
    roots = (data / "test", data / "data" / "test")
    return tuple(
        subject
        for subject in SUBJECTS
        if any((root / f"{subject}_test.csv").is_file() for root in roots)
        or any((data / subject).glob("test-*.parquet"))
    )


def _from_datasets(subject: str, split: str) -> list[dict[str, Any]]:
    try:
        from datasets import load_dataset
    except ImportError:
        raise ConfigError(f"MMLU data not given; {DATA_HELP}") from None
    name_split = "validation" if split == "val" else split
    try:
        rows = load_dataset("cais/mmlu", subject, split=name_split)
    except Exception as exc:  # the datasets package raises many kinds when offline
        raise ConfigError(f"cannot load cais/mmlu ({exc}); {DATA_HELP}") from None
    return [
        _record(subject, split, i, r["question"], list(r["choices"]), LETTERS[r["answer"]])
        for i, r in enumerate(rows)
    ]


def _records(data: Path | None, subjects: tuple[str, ...], split: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for subject in subjects:
        out.extend(
            _split(data, subject, split) if data is not None else _from_datasets(subject, split)
        )
    return out


def mmlu(arg: str | None = None, *, data: Path | None = None, shots: int = 0) -> Benchmark:
    """MMLU, all subjects or one (`mmlu:anatomy`), 0-shot or k-shot from the dev split."""
    from proctor.scorer import resolve_scorer

    if arg is not None and arg not in SUBJECTS:
        raise ConfigError(f"unknown MMLU subject {arg!r} (subjects: {', '.join(SUBJECTS)})")
    if not 0 <= shots <= 5:
        raise ConfigError(f"MMLU's dev split has 5 questions per subject; --shots {shots}")
    subjects = (arg,) if arg is not None else _present(data) if data is not None else SUBJECTS
    if not subjects:
        raise ConfigError(f"no MMLU subject found under {data}; {DATA_HELP}")
    name = f"mmlu:{arg}" if arg is not None else "mmlu"
    if len(subjects) < len(SUBJECTS) and arg is None:  # a partial copy: say so in the name
        name = f"mmlu ({len(subjects)} of {len(SUBJECTS)} subjects)"
    dataset = Dataset.from_records(_records(data, subjects, "test"), name=name)
    fewshot = None
    if shots:
        dev = Dataset.from_records(_records(data, subjects, "dev"), name=f"{name} dev")
        fewshot = FewShot(
            n=shots,
            samples=tuple(dev),
            sampler="first",
            group_by="subject",
            template=QUESTION + " {{ target }}",
            separator="\n\n",
        )
    return Benchmark(
        name=name if not shots else f"{name} ({shots}-shot)",
        description="MMLU (Hendrycks et al., 2021), prompted and scored as lm-evaluation-harness",
        dataset=dataset,
        prompt=PromptTemplate(template=HEADER + "{{ fewshot }}" + QUESTION, source="mmlu"),
        fewshot=fewshot,
        scorers=[resolve_scorer("loglikelihood_choice", {"macro_by": "subject"})],
        slices=("subject",) if arg is None else (),
        protocol="loglikelihood",
        continuation="{{ letter }}",
    )


mmlu.description = "Massive Multitask Language Understanding: 57 subjects, 4 options; ARG: subject"  # type: ignore[attr-defined]
