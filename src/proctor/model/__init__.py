"""Models: the systems under test, behind one async `generate` call."""

from proctor.model._python import run_inline
from proctor.model._resolve import get_model
from proctor.model._types import (
    GenerateConfig,
    GenerateRequest,
    Loglikelihood,
    LoglikelihoodRequest,
    Model,
    ModelConfig,
    ModelOutput,
    Prices,
    supports_loglikelihood,
)

__all__ = [
    "GenerateConfig",
    "GenerateRequest",
    "Loglikelihood",
    "LoglikelihoodRequest",
    "Model",
    "ModelConfig",
    "ModelOutput",
    "Prices",
    "get_model",
    "run_inline",
    "supports_loglikelihood",
]
