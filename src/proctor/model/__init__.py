"""Models: the systems under test, behind one async `generate` call."""

from proctor.model._python import run_inline
from proctor.model._resolve import get_model
from proctor.model._types import (
    GenerateConfig,
    GenerateRequest,
    Model,
    ModelConfig,
    ModelOutput,
    Prices,
)

__all__ = [
    "GenerateConfig",
    "GenerateRequest",
    "Model",
    "ModelConfig",
    "ModelOutput",
    "Prices",
    "get_model",
    "run_inline",
]
