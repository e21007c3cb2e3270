"""`python:` calls the user's own function."""

from __future__ import annotations

import asyncio
import threading

import pytest
from python_model_apps import gate

from proctor.dataset import ChatMessage, Sample
from proctor.errors import ConfigError, ModelError
from proctor.model import GenerateRequest, ModelConfig
from proctor.model._python import PythonModel

APPS = "python_model_apps"
SAMPLE = Sample(id="s1", input="hi")


async def generate(function: str, request: GenerateRequest, **options: object) -> object:
    model = PythonModel(f"{APPS}:{function}", ModelConfig(options=dict(options)))
    return await model.generate(request)


async def test_sync_function_gets_the_prompt() -> None:
    output = await generate("upper", GenerateRequest("hi", sample=SAMPLE))
    assert output.text == "HI"


async def test_async_function_is_awaited() -> None:
    output = await generate("async_upper", GenerateRequest("hi"))
    assert output.text == "HI"


async def test_two_parameter_function_gets_the_sample() -> None:
    output = await generate("with_sample", GenerateRequest("hi", sample=SAMPLE))
    assert output.text == "hi|s1"


async def test_two_parameter_async_function_gets_the_sample() -> None:
    output = await generate("async_with_sample", GenerateRequest("hi", sample=SAMPLE))
    assert output.text == "hi|s1"


async def test_chat_input_is_passed_as_message_dicts() -> None:
    messages = (ChatMessage("system", "s"), ChatMessage("user", "u"))
    output = await generate("roles", GenerateRequest(messages))
    assert output.text == "system:s,user:u"


async def test_dict_return_fills_usage_and_extra() -> None:
    output = await generate("rich", GenerateRequest("hi"))
    assert output.text == "answer"
    assert (output.input_tokens, output.output_tokens) == (7, 1)
    assert output.extra == {"contexts": ["doc 1", "doc 2"]}


@pytest.mark.parametrize("function", ["no_text", "not_json", "wrong_type"])
async def test_unusable_return_is_a_non_retryable_error(function: str) -> None:
    with pytest.raises(ModelError) as caught:
        await generate(function, GenerateRequest("hi"))
    assert not caught.value.retryable


async def test_user_exception_becomes_non_retryable_model_error() -> None:
    with pytest.raises(ModelError, match="ValueError: the app fell over") as caught:
        await generate("broken", GenerateRequest("hi"))
    assert not caught.value.retryable


async def test_model_error_from_the_app_passes_through() -> None:
    with pytest.raises(ModelError, match="backend busy") as caught:
        await generate("retry_me", GenerateRequest("hi"))
    assert caught.value.retryable


async def test_sync_function_runs_in_a_worker_thread() -> None:
    output = await generate("thread_name", GenerateRequest("hi"))
    assert output.text != threading.current_thread().name


async def test_threaded_false_calls_inline() -> None:
    output = await generate("thread_name", GenerateRequest("hi"), threaded=False)
    assert output.text == threading.current_thread().name


async def test_run_inline_decorator_calls_inline() -> None:
    output = await generate("inline_thread_name", GenerateRequest("hi"))
    assert output.text == threading.current_thread().name


async def test_sync_calls_run_as_concurrently_as_max_concurrency_allows() -> None:
    # 40 is more than any default thread pool of asyncio (at most 32 threads):
    # every call is held until all 40 are running at once.
    gate.reset(target=40)
    model = PythonModel(f"{APPS}:gate", ModelConfig(max_concurrency=40))
    try:
        await asyncio.gather(*(model.generate(GenerateRequest("hi")) for _ in range(40)))
    finally:
        await model.aclose()
    assert gate.peak == 40


async def test_sync_calls_use_at_most_max_concurrency_threads_of_their_own() -> None:
    gate.reset(target=1)  # nobody waits
    model = PythonModel(f"{APPS}:gate", ModelConfig(max_concurrency=3))
    try:
        outputs = await asyncio.gather(*(model.generate(GenerateRequest("hi")) for _ in range(30)))
    finally:
        await model.aclose()
    threads = {output.text for output in outputs}
    assert all(name.startswith("proctor-python") for name in threads)
    assert 1 <= len(threads) <= 3


async def test_aclose_shuts_the_thread_pool_down_and_generate_starts_a_new_one() -> None:
    model = PythonModel(f"{APPS}:thread_name", ModelConfig())
    await model.generate(GenerateRequest("hi"))
    executor = model._executor
    assert executor is not None
    await model.aclose()
    with pytest.raises(RuntimeError, match="shutdown"):
        executor.submit(print)
    output = await model.generate(GenerateRequest("hi"))
    assert output.text.startswith("proctor-python")
    assert model._executor is not executor
    await model.aclose()


@pytest.mark.parametrize(
    ("ref", "reason"),
    [
        ("no_such_module_xyz:f", "cannot import module"),
        (f"{APPS}:missing", "has no attribute"),
        (f"{APPS}:not_callable", "not callable"),
        (APPS, "python:package.module:function"),
    ],
)
def test_bad_reference_is_a_config_error(ref: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason) as caught:
        PythonModel(ref, ModelConfig())
    assert ref in str(caught.value)


def test_spec_and_cache_default() -> None:
    model = PythonModel(f"{APPS}:upper", ModelConfig())
    assert model.spec == f"python:{APPS}:upper"
    assert PythonModel.cache_by_default is False
