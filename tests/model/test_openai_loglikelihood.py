"""`openai:` loglikelihoods and JSON answers, against real HTTP servers on 127.0.0.1.

Loglikelihoods go to a small completions server in this module that answers
with scripted `logprobs` payloads; JSON answers go to the fake chat server.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from openai_server import FakeOpenAIServer, free_port

from proctor.errors import ConfigError, ModelError, RateLimited
from proctor.model import GenerateRequest, LoglikelihoodRequest, ModelConfig
from proctor.model._openai import OpenAIModel

GREEDY = object()  # in a script: this token is the most likely one


def completion(
    pieces: list[tuple[str, float | None, Any]], *, offsets_in_bytes: bool = False
) -> dict[str, Any]:
    """A completions reply echoing `pieces`: (token text, logprob, top_logprobs or GREEDY)."""
    tokens, offsets, logprobs, tops = [], [], [], []
    position = 0
    for text, logprob, top in pieces:
        tokens.append(text)
        offsets.append(position)
        logprobs.append(logprob)
        tops.append({text: logprob} if top is GREEDY else top)
        position += len(text.encode()) if offsets_in_bytes else len(text)
    logprobs_field = {
        "tokens": tokens,
        "token_logprobs": logprobs,
        "top_logprobs": tops,
        "text_offset": offsets,
    }
    return {
        "object": "text_completion",
        "choices": [{"index": 0, "text": "".join(tokens), "logprobs": logprobs_field}],
    }


@dataclass
class CompletionsServer:
    """Answers `POST /v1/completions` with queued replies, recording each request body."""

    replies: list[tuple[int, Any]] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def reply(self, payload: Any, status: int = 200) -> None:
        self.replies.append((status, payload))

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.bodies.append(await request.json())
        self.paths.append(request.path_qs)
        status, payload = self.replies.pop(0)
        if isinstance(payload, str):
            return web.Response(status=status, text=payload)
        return web.json_response(payload, status=status)


@pytest.fixture
async def completions() -> AsyncIterator[CompletionsServer]:
    server = CompletionsServer()
    app = web.Application()
    app.router.add_post("/v1/completions", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.port = runner.addresses[0][1]
    yield server
    await runner.cleanup()


@pytest.fixture
async def model(
    completions: CompletionsServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[OpenAIModel]:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    built = OpenAIModel("scripted", ModelConfig(base_url=completions.base_url))
    yield built
    await built.aclose()


def ask(context: str, *continuations: str) -> LoglikelihoodRequest:
    return LoglikelihoodRequest(context, continuations)


# -- which tokens are the continuation's ---------------------------------------


async def test_request_echoes_the_prompt_with_logprobs_and_one_token(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    completions.reply(completion([("The", None, None), (" sky", -1.0, GREEDY)]))
    await model.loglikelihood(ask("The", " sky"))
    assert completions.bodies == [
        {
            "model": "scripted",
            "prompt": "The sky",
            "max_tokens": 1,
            "echo": True,
            "logprobs": 1,
            "temperature": 0,
        }
    ]


async def test_continuation_is_the_tokens_whose_offsets_lie_inside_it(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    completions.reply(
        completion(
            [
                ("The", None, None),
                (" sky", -2.0, GREEDY),
                (" is", -0.5, GREEDY),
                (" clear", -1.25, GREEDY),
                (" blue", -0.75, GREEDY),
                (".", -0.1, GREEDY),  # generated after the prompt
            ]
        )
    )
    [result] = await model.loglikelihood(ask("The sky is", " clear blue"))
    assert (result.logprob, result.n_tokens) == (-2.0, 2)


async def test_end_of_sequence_reply_keeps_the_continuations_last_token(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    # The one generated token was end-of-sequence: the server appended nothing.
    completions.reply(
        completion([("The", None, None), (" sky", -2.0, GREEDY), (" is", -0.5, GREEDY)])
    )
    [result] = await model.loglikelihood(ask("The sky", " is"))
    assert (result.logprob, result.n_tokens) == (-0.5, 1)


async def test_generated_token_after_the_prompt_is_left_out(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    completions.reply(
        completion([("The", None, None), (" sky", -2.0, GREEDY), (" is", -9.0, GREEDY)])
    )
    [result] = await model.loglikelihood(ask("The", " sky"))
    assert (result.logprob, result.n_tokens) == (-2.0, 1)


async def test_trailing_whitespace_of_the_context_moves_onto_the_continuation(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    completions.reply(
        completion([("Answer", None, None), (":", -1.0, GREEDY), (" B", -0.5, GREEDY)])
    )
    [result] = await model.loglikelihood(ask("Answer: ", "B"))
    assert completions.bodies[0]["prompt"] == "Answer: B"
    assert (result.logprob, result.n_tokens) == (-0.5, 1)


async def test_one_request_per_continuation_in_order(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    completions.reply(completion([("A", None, None), (" x", -1.0, GREEDY)]))
    completions.reply(completion([("A", None, None), (" y", -3.0, {" x": -1.0, " y": -3.0})]))
    results = await model.loglikelihood(ask("A", " x", " y"))
    assert [b["prompt"] for b in completions.bodies] == ["A x", "A y"]
    assert [r.logprob for r in results] == [-1.0, -3.0]


async def test_character_offsets_with_tokens_that_split_a_character(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    # As llama-cpp-python reports "☕" cut in two tokens: the second has no
    # text of its own and the offset of the character it completes.
    reply = completion(
        [("Le", None, None), (" café", -1.0, GREEDY), (" ", -0.5, GREEDY), ("", -2.0, GREEDY)]
    )
    reply["choices"][0]["logprobs"]["tokens"].append("")
    reply["choices"][0]["logprobs"]["token_logprobs"].append(-0.25)
    reply["choices"][0]["logprobs"]["top_logprobs"].append({"": -0.25})
    reply["choices"][0]["logprobs"]["text_offset"].append(8)
    completions.reply(reply)
    [result] = await model.loglikelihood(ask("Le café", " ☕"))
    assert (result.logprob, result.n_tokens) == (-2.75, 3)


async def test_offsets_counted_in_bytes_are_recognised(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    pieces = [("Le", None, None), (" café", -1.0, GREEDY), (" au", -2.0, GREEDY)]
    pieces += [(" lait", -0.5, GREEDY)]
    completions.reply(completion(pieces, offsets_in_bytes=True))
    [result] = await model.loglikelihood(ask("Le café au", " lait"))
    assert (result.logprob, result.n_tokens) == (-0.5, 1)


# -- is_greedy ----------------------------------------------------------------------


async def test_greedy_when_every_continuation_token_is_the_most_likely(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    completions.reply(
        completion(
            [("Hi", None, None), (" there", -0.2, {" there": -0.2}), ("!", -0.3, {"!": -0.3})]
        )
    )
    [result] = await model.loglikelihood(ask("Hi", " there!"))
    assert result.is_greedy


async def test_not_greedy_when_one_token_is_not_the_most_likely(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    completions.reply(
        completion(
            [
                ("Hi", None, None),
                (" there", -0.2, {" there": -0.2}),
                ("!", -2.0, {".": -0.4, "!": -2.0}),
            ]
        )
    )
    [result] = await model.loglikelihood(ask("Hi", " there!"))
    assert not result.is_greedy


async def test_greedy_context_does_not_matter(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    completions.reply(
        completion([("Hi", None, None), (" you", -5.0, {" there": -0.1}), ("!", -0.3, GREEDY)])
    )
    [result] = await model.loglikelihood(ask("Hi you", "!"))
    assert result.is_greedy


# -- errors ---------------------------------------------------------------------------


async def test_missing_completions_call_is_a_clear_non_retryable_error(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    completions.reply({"detail": "Not Found"}, status=404)
    with pytest.raises(ModelError, match="this server cannot compute loglikelihoods") as caught:
        await model.loglikelihood(ask("A", " b"))
    assert caught.value.retryable is False
    assert caught.value.status == 404


async def test_refused_echo_with_logprobs_is_a_clear_non_retryable_error(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    refusal = "Setting 'echo' and 'logprobs' at the same time is not supported for this model."
    completions.reply({"error": {"message": refusal}}, status=400)
    with pytest.raises(ModelError, match=r"cannot compute loglikelihoods.*not supported") as caught:
        await model.loglikelihood(ask("A", " b"))
    assert caught.value.retryable is False


async def test_reply_without_logprobs_is_a_clear_non_retryable_error(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    completions.reply({"choices": [{"index": 0, "text": "A b", "logprobs": None}]})
    with pytest.raises(ModelError, match=r"cannot compute loglikelihoods.*no logprobs") as caught:
        await model.loglikelihood(ask("A", " b"))
    assert caught.value.retryable is False


async def test_reply_that_does_not_echo_the_prompt_is_non_retryable(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    reply = completion([(" c", -1.0, GREEDY)])
    reply["choices"][0]["logprobs"]["text_offset"] = [3]
    completions.reply(reply)
    with pytest.raises(ModelError, match="did not echo the prompt") as caught:
        await model.loglikelihood(ask("A", " b"))
    assert caught.value.retryable is False


async def test_server_errors_stay_retryable(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    completions.reply({"error": {"message": "overloaded"}}, status=503)
    with pytest.raises(ModelError, match="HTTP 503") as caught:
        await model.loglikelihood(ask("A", " b"))
    assert caught.value.retryable is True


async def test_rate_limit_is_rate_limited(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    completions.reply({"error": {"message": "slow down"}}, status=429)
    with pytest.raises(RateLimited):
        await model.loglikelihood(ask("A", " b"))


async def test_malformed_reply_is_retryable(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    completions.reply("<html>gateway</html>")
    with pytest.raises(ModelError, match="malformed response") as caught:
        await model.loglikelihood(ask("A", " b"))
    assert caught.value.retryable is True


async def test_refused_connection_is_retryable() -> None:
    model = OpenAIModel("x", ModelConfig(base_url=f"http://127.0.0.1:{free_port()}/v1"))
    try:
        with pytest.raises(ModelError, match="connection error") as caught:
            await model.loglikelihood(ask("A", " b"))
    finally:
        await model.aclose()
    assert caught.value.retryable is True


async def test_empty_context_is_refused_without_a_request(
    model: OpenAIModel, completions: CompletionsServer
) -> None:
    with pytest.raises(ModelError, match="non-empty context") as caught:
        await model.loglikelihood(ask("  ", "b"))
    assert caught.value.retryable is False
    assert completions.bodies == []


async def test_query_string_of_the_base_url_is_kept(completions: CompletionsServer) -> None:
    base_url = completions.base_url + "?api-version=1"
    model = OpenAIModel("x", ModelConfig(base_url=base_url, api_key="sk-secret"))
    completions.reply({"error": {"message": "no such model"}}, status=404)
    try:
        with pytest.raises(ModelError) as caught:
            await model.loglikelihood(ask("A", " b"))
    finally:
        await model.aclose()
    assert completions.paths == ["/v1/completions?api-version=1"]
    assert "api-version" not in str(caught.value)
    assert "sk-secret" not in str(caught.value)


# -- json_schema ----------------------------------------------------------------------

SCHEMA = {"type": "object", "properties": {"answer": {"type": "integer"}}}


async def test_json_schema_is_sent_in_openai_form_by_default(
    make_openai: Any, server: FakeOpenAIServer
) -> None:
    await make_openai().generate(GenerateRequest("2 + 2?", json_schema=SCHEMA))
    assert server.requests[-1].body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "answer", "schema": SCHEMA},
    }


async def test_json_schema_is_sent_in_llama_cpp_form_when_chosen(
    make_openai: Any, server: FakeOpenAIServer
) -> None:
    model = make_openai(options={"json_format": "llama_cpp"})
    await model.generate(GenerateRequest("2 + 2?", json_schema=SCHEMA))
    assert server.requests[-1].body["response_format"] == {"type": "json_object", "schema": SCHEMA}


async def test_no_response_format_without_json_schema(
    make_openai: Any, server: FakeOpenAIServer
) -> None:
    await make_openai().generate(GenerateRequest("2 + 2?"))
    assert "response_format" not in server.requests[-1].body


async def test_extra_body_can_override_the_response_format(
    make_openai: Any, server: FakeOpenAIServer
) -> None:
    model = make_openai(options={"extra_body": {"response_format": {"type": "text"}}})
    await model.generate(GenerateRequest("2 + 2?", json_schema=SCHEMA))
    assert json.dumps(server.requests[-1].body["response_format"]) == '{"type": "text"}'


def test_unknown_json_format_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="json_format"):
        OpenAIModel("x", ModelConfig(options={"json_format": "grammar"}))
