"""`openai:` against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import openai_server
import pytest
from openai_server import FakeOpenAIServer, Fault, free_port

from proctor.dataset import ChatMessage
from proctor.errors import ConfigError, ModelError, RateLimited
from proctor.model import GenerateConfig, GenerateRequest, ModelConfig
from proctor.model._openai import OpenAIModel

MakeModel = Callable[..., OpenAIModel]
SECRET = "sk-test-0123456789abcdef"


async def test_success_parses_text_usage_and_finish_reason(make_openai: MakeModel) -> None:
    output = await make_openai().generate(GenerateRequest("two words"))
    assert output.text == "two words"
    assert (output.input_tokens, output.output_tokens) == (2, 2)
    assert output.finish_reason == "stop"


async def test_finish_reason_length_is_reported(make_openai: MakeModel) -> None:
    request = GenerateRequest("one two three", GenerateConfig(max_tokens=1))
    output = await make_openai().generate(request)
    assert (output.text, output.finish_reason) == ("one", "length")


async def test_body_carries_messages_and_only_the_set_fields(
    make_openai: MakeModel, server: FakeOpenAIServer
) -> None:
    messages = (ChatMessage("system", "be brief"), ChatMessage("user", "hi"))
    config = GenerateConfig(temperature=0.0, stop=("\n",))
    await make_openai("my-model").generate(GenerateRequest(messages, config))
    assert server.requests[-1].body == {
        "model": "my-model",
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
        "temperature": 0.0,
        "stop": ["\n"],
    }


async def test_model_defaults_request_settings_and_extra_body_merge_in_order(
    make_openai: MakeModel, server: FakeOpenAIServer
) -> None:
    model = make_openai(
        generate=GenerateConfig(temperature=1.0, seed=7),
        options={"extra_body": {"top_k": 5, "seed": 8}},
    )
    await model.generate(GenerateRequest("hi", GenerateConfig(temperature=0.2, max_tokens=9)))
    body = server.requests[-1].body
    assert {k: body[k] for k in ("temperature", "max_tokens", "seed", "top_k")} == {
        "temperature": 0.2,
        "max_tokens": 9,
        "seed": 8,
        "top_k": 5,
    }


async def test_null_content_is_empty_text() -> None:
    with FakeOpenAIServer(lambda messages: None) as server:
        model = OpenAIModel("m", ModelConfig(base_url=server.base_url))
        try:
            output = await model.generate(GenerateRequest("hi"))
        finally:
            await model.aclose()
    assert (output.text, output.output_tokens) == ("", 0)


async def test_429_raises_rate_limited_with_retry_after_seconds(
    make_openai: MakeModel, server: FakeOpenAIServer
) -> None:
    server.fail_next("429", retry_after=3)
    with pytest.raises(RateLimited) as caught:
        await make_openai().generate(GenerateRequest("hi"))
    assert caught.value.retryable and caught.value.status == 429
    assert caught.value.retry_after == 3.0


async def test_429_retry_after_as_http_date(
    make_openai: MakeModel, server: FakeOpenAIServer
) -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    server.fail_next("429", retry_after=format_datetime(when, usegmt=True))
    with pytest.raises(RateLimited) as caught:
        await make_openai().generate(GenerateRequest("hi"))
    assert caught.value.retry_after is not None
    assert 25 <= caught.value.retry_after <= 30


async def test_retry_after_ms_wins_over_retry_after(
    make_openai: MakeModel, server: FakeOpenAIServer
) -> None:
    server.fail_next("429", retry_after=3, retry_after_ms=250)
    with pytest.raises(RateLimited) as caught:
        await make_openai().generate(GenerateRequest("hi"))
    assert caught.value.retry_after == 0.25


@pytest.mark.parametrize("status", ["500", "503", "408", "409"])
async def test_server_errors_are_retryable_with_status(
    make_openai: MakeModel, server: FakeOpenAIServer, status: str
) -> None:
    server.fail_next(status, retry_after=1)
    with pytest.raises(ModelError) as caught:
        await make_openai().generate(GenerateRequest("hi"))
    assert caught.value.retryable
    assert caught.value.status == int(status)
    assert caught.value.retry_after == 1.0


async def test_400_is_not_retryable_and_carries_the_server_message(
    make_openai: MakeModel, server: FakeOpenAIServer
) -> None:
    server.fail_next("400", message="max_tokens is too large")
    with pytest.raises(ModelError) as caught:
        await make_openai().generate(GenerateRequest("hi"))
    assert not caught.value.retryable
    assert caught.value.status == 400
    assert "max_tokens is too large" in str(caught.value)


async def test_dropped_connection_is_retryable(
    make_openai: MakeModel, server: FakeOpenAIServer
) -> None:
    server.fail_next("drop")
    with pytest.raises(ModelError) as caught:
        await make_openai().generate(GenerateRequest("hi"))
    assert caught.value.retryable and caught.value.status is None


async def test_refused_connection_is_retryable(make_openai: MakeModel) -> None:
    model = make_openai(base_url=f"http://127.0.0.1:{free_port()}/v1")
    with pytest.raises(ModelError) as caught:
        await model.generate(GenerateRequest("hi"))
    assert caught.value.retryable


async def test_malformed_response_is_retryable(
    make_openai: MakeModel, server: FakeOpenAIServer
) -> None:
    server.fail_next("malformed")
    with pytest.raises(ModelError, match="malformed response") as caught:
        await make_openai().generate(GenerateRequest("hi"))
    assert caught.value.retryable


async def test_the_model_recovers_after_a_fault(
    make_openai: MakeModel, server: FakeOpenAIServer
) -> None:
    model = make_openai()
    server.fail_next("drop")
    with pytest.raises(ModelError):
        await model.generate(GenerateRequest("hi"))
    assert (await model.generate(GenerateRequest("again"))).text == "again"


async def test_api_key_is_sent_as_bearer_header(
    make_openai: MakeModel, server: FakeOpenAIServer
) -> None:
    await make_openai(api_key=SECRET).generate(GenerateRequest("hi"))
    assert server.requests[-1].headers["authorization"] == f"Bearer {SECRET}"


async def test_no_authorization_header_without_a_key(
    make_openai: MakeModel, server: FakeOpenAIServer
) -> None:
    await make_openai().generate(GenerateRequest("hi"))
    assert "authorization" not in server.requests[-1].headers


@pytest.mark.parametrize("kind", ["429", "500", "400", "401", "drop", "malformed"])
async def test_api_key_never_appears_in_errors(
    make_openai: MakeModel, server: FakeOpenAIServer, kind: str
) -> None:
    model = make_openai(api_key=SECRET)
    server.fail_next(kind, message=f"Incorrect API key provided: {SECRET}")
    with pytest.raises(ModelError) as caught:
        await model.generate(GenerateRequest("hi"))
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value)
    assert SECRET not in repr(model) and SECRET not in repr(model.config)


async def test_environment_supplies_base_url_and_key(
    server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url + "/")
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    model = OpenAIModel("env-model", ModelConfig())
    try:
        assert (await model.generate(GenerateRequest("from env"))).text == "from env"
    finally:
        await model.aclose()
    assert server.requests[-1].headers["authorization"] == f"Bearer {SECRET}"


def test_extra_body_must_be_a_mapping() -> None:
    with pytest.raises(ConfigError, match="extra_body"):
        OpenAIModel("m", ModelConfig(options={"extra_body": "temperature=0"}))


def test_default_base_url_is_openai(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    model = OpenAIModel("gpt-4o-mini", ModelConfig())
    assert model.url == "https://api.openai.com/v1/chat/completions"
    assert model.spec == "openai:gpt-4o-mini"
    assert OpenAIModel.cache_by_default is True


async def test_aclose_then_generate_opens_a_new_session(make_openai: MakeModel) -> None:
    model = make_openai()
    await model.generate(GenerateRequest("one"))
    await model.aclose()
    assert (await model.generate(GenerateRequest("two"))).text == "two"


async def test_a_call_cut_by_the_engine_timeout_leaves_the_model_usable(
    make_openai: MakeModel, server: FakeOpenAIServer
) -> None:
    model = make_openai()
    server.fail_next("slow", delay=2.0)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.1):
            await model.generate(GenerateRequest("hi"))
    assert (await model.generate(GenerateRequest("next"))).text == "next"


async def test_fault_plan_decides_per_request() -> None:
    def plan(n: int, body: dict[str, object]) -> Fault | None:
        return Fault("503") if n % 2 == 0 else None

    with FakeOpenAIServer(fault=plan) as server:
        model = OpenAIModel("m", ModelConfig(base_url=server.base_url))
        try:
            with pytest.raises(ModelError):
                await model.generate(GenerateRequest("first"))
            assert (await model.generate(GenerateRequest("second"))).text == "second"
        finally:
            await model.aclose()
        assert server.count == 2


async def test_fake_server_runs_as_a_separate_process() -> None:
    script = Path(openai_server.__file__)
    command = [sys.executable, str(script), "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            base_url = process.stdout.readline().split()[-1]
            assert base_url.startswith("http://127.0.0.1:")
            model = OpenAIModel("m", ModelConfig(base_url=base_url))
            try:
                assert (await model.generate(GenerateRequest("over there"))).text == "over there"
            finally:
                await model.aclose()
        finally:
            process.terminate()
        assert process.wait(timeout=10) == 0


def test_importing_proctor_model_does_not_import_aiohttp() -> None:
    code = "import sys, proctor.model; print('aiohttp' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_endpoint_is_the_chat_completions_url_without_credentials_or_query() -> None:
    model = OpenAIModel(
        "m", ModelConfig(base_url="https://ann:hunter2@llm.example.com:8443/v1/?api-key=k1")
    )
    assert model.endpoint == "https://llm.example.com:8443/v1/chat/completions"
    assert "hunter2" not in repr(model) and "k1" not in repr(model)
    with pytest.raises(AttributeError):
        model.endpoint = "http://elsewhere/v1"  # type: ignore[misc]


def test_endpoint_of_a_plain_url_is_the_url_called(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    model = OpenAIModel("m", ModelConfig())
    assert model.endpoint == model.url == "https://api.openai.com/v1/chat/completions"


async def test_query_string_follows_the_path_and_credentials_stay_out_of_errors(
    make_openai: MakeModel, server: FakeOpenAIServer
) -> None:
    authority = server.base_url.partition("://")[2]
    model = make_openai(base_url=f"http://ann:hunter2@{authority}?api-version=2024")
    assert model.url.endswith("/v1/chat/completions?api-version=2024")
    assert (await model.generate(GenerateRequest("hi"))).text == "hi"
    server.fail_next("500")
    with pytest.raises(ModelError) as caught:
        await model.generate(GenerateRequest("hi"))
    assert model.endpoint in str(caught.value)
    assert "hunter2" not in str(caught.value) and "api-version" not in str(caught.value)
