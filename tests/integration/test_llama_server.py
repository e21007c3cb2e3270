"""`openai:` against llama-cpp-python's real server running the real SmolLM2 model.

The server is started with a BOS token (see `llama_server.py`), so its
loglikelihoods must agree, to float noise, with the same model file scored
in this process with a BOS in front: by `local:smollm2` with
`options={"add_bos": True}`, and by a direct llama_cpp computation that
follows lm-evaluation-harness's token split.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from llama_server import LlamaServer
from local_support import require_llama

from proctor.errors import ModelError
from proctor.model import (
    GenerateConfig,
    GenerateRequest,
    Loglikelihood,
    LoglikelihoodRequest,
    ModelConfig,
)
from proctor.model._lmeval import split_whitespace
from proctor.model._local import LocalModel, smollm2_path
from proctor.model._openai import OpenAIModel

require_llama()

# The server evaluates context and continuation in one batch, as the direct
# computation does: they agree to float32 rounding (about 1e-6 measured).
# `local:` evaluates the context, then the continuation, in separate batches;
# llama.cpp's kernels differ slightly by batch size (up to about 2e-3 seen).
# A missing BOS or a shift by one token moves these numbers by whole units.
DIRECT_TOLERANCE = 1e-4
LOCAL_TOLERANCE = 1e-2
CASES = [
    ("The capital of France is", (" Paris", " London", " a city in Europe")),
    ("Question: What is 2 + 2?\nAnswer: ", ("4", "five", "22 apples")),
    ("1, 2, 3, 4,", (" 5", " 6, 7, 8")),
    ("Le café est", (" très chaud", " ☕ froid")),
]
ANSWER_SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "integer"}},
    "required": ["answer"],
}


@pytest.fixture(scope="session")
def llama_server() -> Iterator[LlamaServer]:
    with LlamaServer(smollm2_path()) as server:
        yield server


@pytest.fixture(scope="session")
def reference_llm() -> Iterator[Any]:
    from llama_cpp import Llama

    llm = Llama(model_path=str(smollm2_path()), n_ctx=2048, logits_all=True, verbose=False)
    yield llm
    llm.close()


def reference_loglikelihoods(
    llm: Any, context: str, continuations: tuple[str, ...]
) -> list[Loglikelihood]:
    """BOS + context + continuation evaluated at once; the continuation split as lm-eval does."""
    import numpy as np

    results = []
    for continuation in continuations:
        context_text, continuation_text = split_whitespace(context, continuation)
        bos = [llm.token_bos()]
        head = bos + llm.tokenize(context_text.encode(), add_bos=False, special=False)
        whole = bos + llm.tokenize(
            (context_text + continuation_text).encode(), add_bos=False, special=False
        )
        tail = whole[len(head) :]
        llm.reset()
        llm.eval(whole)
        logits = np.asarray(llm.scores[len(head) - 1 : len(whole) - 1], dtype=np.float64)
        shifted = logits - logits.max(axis=1, keepdims=True)
        logprobs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        picked = logprobs[np.arange(len(tail)), tail]
        greedy = bool(np.all(logits.argmax(axis=1) == np.asarray(tail)))
        results.append(Loglikelihood(float(picked.sum()), greedy, len(tail)))
    return results


def assert_agree(got: list[Loglikelihood], want: list[Loglikelihood], tolerance: float) -> None:
    assert [r.n_tokens for r in got] == [r.n_tokens for r in want]
    assert [r.is_greedy for r in got] == [r.is_greedy for r in want]
    for one, other in zip(got, want, strict=True):
        assert one.logprob == pytest.approx(other.logprob, abs=tolerance)


@pytest.fixture
async def served(llama_server: LlamaServer) -> AsyncIterator[OpenAIModel]:
    model = OpenAIModel("smollm2", ModelConfig(base_url=llama_server.base_url))
    yield model
    await model.aclose()


async def test_chat_generation_returns_text_and_usage(served: OpenAIModel) -> None:
    request = GenerateRequest("Name a colour.", GenerateConfig(temperature=0.0, max_tokens=24))
    output = await served.generate(request)
    assert output.text.strip()
    assert output.input_tokens and output.input_tokens > 0
    assert output.output_tokens and 0 < output.output_tokens <= 24


async def test_chat_generation_at_temperature_zero_is_deterministic(served: OpenAIModel) -> None:
    request = GenerateRequest(
        "Write one sentence about the sea.", GenerateConfig(temperature=0.0, max_tokens=32)
    )
    first = await served.generate(request)
    second = await served.generate(request)
    assert first.text == second.text


@pytest.mark.parametrize(("context", "continuations"), CASES)
async def test_server_loglikelihoods_agree_with_direct_computation(
    served: OpenAIModel, reference_llm: Any, context: str, continuations: tuple[str, ...]
) -> None:
    remote = await served.loglikelihood(LoglikelihoodRequest(context, continuations))
    want = reference_loglikelihoods(reference_llm, context, continuations)
    assert_agree(remote, want, DIRECT_TOLERANCE)


@pytest.mark.parametrize(("context", "continuations"), CASES)
async def test_server_loglikelihoods_agree_with_local_model(
    served: OpenAIModel, context: str, continuations: tuple[str, ...]
) -> None:
    local_model = LocalModel("smollm2", ModelConfig(options={"add_bos": True}))
    remote = await served.loglikelihood(LoglikelihoodRequest(context, continuations))
    local = await local_model.loglikelihood(LoglikelihoodRequest(context, continuations))
    assert_agree(remote, local, LOCAL_TOLERANCE)


async def test_multi_token_continuations_and_a_greedy_one_are_covered(
    served: OpenAIModel,
) -> None:
    context, continuations = CASES[0]
    results = await served.loglikelihood(LoglikelihoodRequest(context, continuations))
    assert results[0].is_greedy  # " Paris" is what SmolLM2 predicts
    assert not results[1].is_greedy
    assert results[2].n_tokens > 1


async def test_json_schema_in_llama_cpp_form_yields_json(llama_server: LlamaServer) -> None:
    model = OpenAIModel(
        "smollm2",
        ModelConfig(base_url=llama_server.base_url, options={"json_format": "llama_cpp"}),
    )
    try:
        request = GenerateRequest(
            "What is 2 + 2? Answer in JSON.",
            GenerateConfig(temperature=0.0, max_tokens=40),
            json_schema=ANSWER_SCHEMA,
        )
        output = await model.generate(request)
    finally:
        await model.aclose()
    assert isinstance(json.loads(output.text)["answer"], int)


async def test_openai_json_schema_form_is_refused_by_llama_cpp_python(
    served: OpenAIModel,
) -> None:
    request = GenerateRequest("What is 2 + 2?", json_schema=ANSWER_SCHEMA)
    with pytest.raises(ModelError, match="json_object"):
        await served.generate(request)
