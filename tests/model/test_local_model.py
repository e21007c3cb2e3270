"""`local:smollm2`: the embedded model, run for real through llama-cpp-python."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from local_support import require_llama

from proctor.errors import ConfigError
from proctor.model import (
    GenerateConfig,
    GenerateRequest,
    LoglikelihoodRequest,
    ModelConfig,
    get_model,
)


@pytest.fixture(scope="module")
def model():
    require_llama()
    return get_model("local:smollm2")


@pytest.fixture(scope="module")
def direct():
    """The same GGUF loaded straight into llama-cpp-python, keeping every position's logits."""
    require_llama()
    from llama_cpp import Llama

    from proctor.model._local import smollm2_path

    llm = Llama(model_path=str(smollm2_path()), logits_all=True, n_ctx=1024, verbose=False)
    yield llm
    llm.close()


def direct_logprob(llm, context: str, continuation: str, *, bos: bool = False) -> float:
    """Sum of the continuation's token log-probabilities given the context, computed here."""
    import numpy as np

    stripped = context.rstrip()
    continuation = context[len(stripped) :] + continuation
    head = [llm.token_bos()] if bos else []
    ctx = head + llm.tokenize(stripped.encode(), add_bos=False, special=False)
    whole = head + llm.tokenize((stripped + continuation).encode(), add_bos=False, special=False)
    cont = whole[len(ctx) :]
    llm.reset()
    llm.eval(ctx + cont[:-1])
    logits = np.asarray(llm.scores[: llm.n_tokens], dtype=np.float64)
    top = logits.max(axis=1, keepdims=True)
    logprobs = logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
    return float(sum(logprobs[len(ctx) - 1 + i, token] for i, token in enumerate(cont)))


QUESTIONS = [
    ("The capital of France is", (" Paris", " London", " Berlin", " a river")),
    ("Question: What colour is the sky on a clear day?\nAnswer:", (" blue", " green", " red")),
    ("2 + 2 = ", ("4", "5", "22")),
    ("Water freezes at", (" 0 degrees Celsius", " 100 degrees Celsius")),
]


@pytest.mark.parametrize("context,continuations", QUESTIONS)
async def test_loglikelihoods_equal_a_direct_computation(
    model, direct, context, continuations
) -> None:
    results = await model.loglikelihood(LoglikelihoodRequest(context, continuations))
    for result, continuation in zip(results, continuations, strict=True):
        assert result.logprob == pytest.approx(
            direct_logprob(direct, context, continuation), abs=1e-4
        )
    assert sum(r.is_greedy for r in results) <= 1


async def test_the_likely_answer_is_greedy(model) -> None:
    paris, london = await model.loglikelihood(
        LoglikelihoodRequest("The capital of France is", (" Paris", " London"))
    )
    assert paris.is_greedy and not london.is_greedy and paris.logprob > london.logprob


async def test_generation_is_deterministic(model) -> None:
    request = GenerateRequest("Name three colours.", GenerateConfig(max_tokens=24))
    first = await model.generate(request)
    second = await model.generate(request)
    assert first.text == second.text and first.text
    assert first.output_tokens is not None and first.output_tokens <= 24


async def test_json_schema_constrains_the_answer(model) -> None:
    schema = {
        "type": "object",
        "properties": {"verdict": {"enum": ["yes", "no"]}},
        "required": ["verdict"],
    }
    out = await model.generate(
        GenerateRequest("Is Paris in France? Answer in JSON.", json_schema=schema)
    )
    assert json.loads(out.text)["verdict"] in ("yes", "no")


async def test_the_model_is_loaded_once_per_process(model) -> None:
    other = get_model("local:smollm2")
    assert other.loaded is model.loaded


def test_a_missing_gguf_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such GGUF file"):
        get_model(f"local:{tmp_path / 'missing.gguf'}")
    with pytest.raises(ConfigError, match=r"local:smollm2 or local:PATH\.gguf"):
        get_model("local:tinyllama")


def test_without_the_extra_the_error_names_it() -> None:
    code = (
        "import sys; sys.modules['llama_cpp'] = None\n"
        "import asyncio\n"
        "from proctor.model import get_model, GenerateRequest\n"
        "from proctor.errors import ConfigError\n"
        "try:\n"
        "    asyncio.run(get_model('local:smollm2').generate(GenerateRequest('hi')))\n"
        "except ConfigError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "pip install 'proctor[local]'" in out.stdout


async def test_bos_follows_the_gguf_unless_overridden(model, direct) -> None:
    assert model.loaded.add_bos is False  # SmolLM2's GGUF says no BOS
    forced = get_model("local:smollm2", ModelConfig(options={"add_bos": True}))
    assert forced.loaded.add_bos is True and forced.loaded is not model.loaded
    request = LoglikelihoodRequest("Water freezes at", (" 0 degrees Celsius",))
    (with_bos,) = await forced.loglikelihood(request)
    (without,) = await model.loglikelihood(request)
    expected = direct_logprob(direct, request.context, request.continuations[0], bos=True)
    assert with_bos.logprob == pytest.approx(expected, abs=1e-4)
    assert with_bos.logprob != pytest.approx(without.logprob, abs=1e-4)
