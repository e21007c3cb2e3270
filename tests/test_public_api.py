"""The public API is exactly what `proctor.__all__` lists, and every name resolves."""

import subprocess
import sys

import proctor

EXPECTED = {
    "Benchmark",
    "FewShot",
    "PromptTemplate",
    "load_benchmark",
    "ChatMessage",
    "Dataset",
    "FieldMap",
    "Sample",
    "GenerateConfig",
    "GenerateRequest",
    "Model",
    "ModelConfig",
    "ModelOutput",
    "Prices",
    "get_model",
    "Score",
    "ScoreContext",
    "Scorer",
    "scorer",
    "Metric",
    "MetricValue",
    "mean",
    "Store",
    "RunRecord",
    "SampleRecord",
    "ScoreRecord",
    "RunOptions",
    "RunSummary",
    "run_benchmark",
    "run_benchmark_async",
    "ConfigError",
    "DatasetError",
    "ModelError",
    "ProctorError",
    "RegistryError",
    "ScorerError",
    "StoreError",
    "TemplateError",
    "compare",
}


def test_all_is_exactly_the_curated_api() -> None:
    assert set(proctor.__all__) == EXPECTED


def test_every_exported_name_resolves() -> None:
    for name in proctor.__all__:
        assert getattr(proctor, name) is not None, name


def test_importing_proctor_imports_no_heavy_dependency() -> None:
    code = (
        "import sys, proctor, proctor.cli; "
        "print(sorted(m for m in ('aiohttp', 'sqlalchemy', 'numpy', 'scipy', 'alembic') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_proctor_compare_is_callable_however_it_was_imported() -> None:
    code = (
        "import proctor.compare._gates, proctor; "
        "from proctor.compare import compare; "
        "print(callable(proctor.compare), proctor.compare.compare is compare)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
