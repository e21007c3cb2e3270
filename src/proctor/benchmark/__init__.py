"""Benchmarks: a dataset, a prompt, scorers, slices; declared in YAML or Python."""

from proctor.benchmark._benchmark import Benchmark
from proctor.benchmark._load import load_benchmark
from proctor.benchmark._prompt import FewShot, PromptTemplate

__all__ = ["Benchmark", "FewShot", "PromptTemplate", "load_benchmark"]
