"""`openai:MODEL`: any endpoint that speaks the OpenAI chat-completions protocol.

OpenAI itself, vLLM, Ollama, llama.cpp server, TGI and LiteLLM all answer
`POST {base_url}/chat/completions`. This backend is a lean aiohttp client for
that one call: one `ClientSession` per model, created inside the running event
loop on first use and kept alive; headers, URL and the constant part of the
body are built once; each call serialises its body once and parses the reply
once. The engine owns retries, timeouts and concurrency, so `generate` makes
exactly one attempt and raises `ModelError` with `retryable` set truthfully:

| what happened | raised |
| --- | --- |
| 429 | `RateLimited` with `retry_after` from `retry-after-ms` or `Retry-After` |
| 408, 409, 5xx | `ModelError(retryable=True, status=..., retry_after=...)` |
| other 4xx | `ModelError(retryable=False)` with the server's error message |
| refused, reset or dropped connection | `ModelError(retryable=True)` |
| a reply that is not a chat completion | `ModelError("malformed response ...", retryable=True)` |

The base URL is `config.base_url`, else `OPENAI_BASE_URL`, else
`https://api.openai.com/v1`; a query string in it (`?api-version=...`) is
kept after `/chat/completions`. The key is `config.api_key`, else
`OPENAI_API_KEY`; without one no `Authorization` header is sent (local
servers need none). The key never appears in a message or a repr, and
neither do credentials or a query string of the base URL: messages, the repr
and the `endpoint` attribute (stored with a run, hashed into cache keys) use
the URL without them.
`config.options["extra_body"]` is merged into every chat-completions body,
last, so it can set any field the server understands.

`json_schema` on a request becomes `response_format`. No one form works on
both OpenAI and llama-cpp-python's server (the latter answers OpenAI's
`"json_schema"` type with an HTTP 500), so `config.options["json_format"]`
picks it:

* "openai" (the default):
  `{"type": "json_schema", "json_schema": {"name": "answer", "schema": S}}`,
  for OpenAI, vLLM and llama.cpp's own `llama-server`;
* "llama_cpp": `{"type": "json_object", "schema": S}`, for
  llama-cpp-python's server (llama.cpp's `llama-server` takes it too).

`loglikelihood` scores continuations through the legacy completions call,
`POST {base_url}/completions` with `echo` and `logprobs`, one request per
continuation, in order (a server keeping its prompt cache reuses the shared
context). It follows lm-evaluation-harness: the context's trailing
whitespace moves onto the continuation, and context + continuation are sent
as one text. The continuation's tokens are the echoed tokens whose
`text_offset` lies inside it (character offsets, as OpenAI, vLLM and
llama-cpp-python count; offsets in UTF-8 bytes are recognised too); a token
the server generates after the prompt lies outside and is ignored. A token
spanning the boundary counts with the context. `is_greedy` holds when each
continuation token's log-probability is the largest in its `top_logprobs`.
A server that has no completions call, refuses `echo` with `logprobs` (as
OpenAI's chat models do) or returns no logprobs raises a non-retryable
`ModelError` saying it cannot compute loglikelihoods; other failures map as
for `generate`. The context must not be empty: the first token of a prompt
has no log-probability. For llama-cpp-python's server, a model whose GGUF
adds no BOS token (SmolLM2) must be served with
`--kv_overrides tokenizer.ggml.add_bos_token=bool:true`: without a BOS its
echoed log-probabilities are shifted by one token.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, Literal, get_args

import aiohttp
from multidict import CIMultiDictProxy

from proctor.errors import ConfigError, ModelError, RateLimited
from proctor.model._echo_logprobs import CANNOT, echoed_loglikelihood
from proctor.model._lmeval import split_whitespace
from proctor.model._types import (
    GenerateConfig,
    GenerateRequest,
    Loglikelihood,
    LoglikelihoodRequest,
    ModelConfig,
    ModelOutput,
)
from proctor.model._urls import public_url

__all__ = ["OpenAIModel"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
_RETRYABLE_STATUS = frozenset({408, 409})
_ERROR_TEXT_LIMIT = 300
# Answers of a server that lacks the completions call or refuses echo with logprobs.
_NO_LOGLIKELIHOOD_STATUS = frozenset({400, 404, 405, 422, 501})


JsonFormat = Literal["openai", "llama_cpp"]


class OpenAIModel:
    """A model behind an OpenAI-compatible chat-completions endpoint.

    >>> model = OpenAIModel("gpt-4o-mini", ModelConfig(base_url="http://127.0.0.1:8000/v1"))
    >>> model
    OpenAIModel(spec='openai:gpt-4o-mini', url='http://127.0.0.1:8000/v1/chat/completions')
    """

    cache_by_default: ClassVar[bool] = True

    def __init__(self, name: str, config: ModelConfig | None = None) -> None:
        self.name = name
        self.spec = f"openai:{name}"
        self.config = config if config is not None else ModelConfig()
        base_url = self.config.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        # The path gets `/chat/completions`; a query string (`?api-version=...`) stays after it.
        base, question, query = base_url.partition("#")[0].partition("?")
        self.url = base.rstrip("/") + "/chat/completions" + question + query
        self._endpoint = public_url(self.url)
        self._completions_url = base.rstrip("/") + "/completions" + question + query
        self._completions_endpoint = public_url(self._completions_url)
        authority = self.url.partition("://")[2].partition("/")[0]
        userinfo = authority.rpartition("@")[0]
        self._userinfo = f"{userinfo}@" if userinfo else ""  # "user:password@" in the URL
        self._key = self.config.api_key or os.environ.get("OPENAI_API_KEY") or None
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._key:
            self._headers["Authorization"] = f"Bearer {self._key}"
        extra_body = self.config.options.get("extra_body") or {}
        if not isinstance(extra_body, dict):
            raise ConfigError(
                f"{self.spec}: options['extra_body'] must be a mapping of request fields, "
                f"got {type(extra_body).__name__}"
            )
        self._extra_body: dict[str, Any] = dict(extra_body)
        json_format = self.config.options.get("json_format", "openai")
        if json_format not in get_args(JsonFormat):
            raise ConfigError(
                f"{self.spec}: options['json_format'] must be 'openai' or 'llama_cpp', "
                f"got {json_format!r}"
            )
        self._json_format: JsonFormat = json_format
        self._default_fields = self._fields_for(self.config.generate)
        self._fields_cache: dict[GenerateConfig, dict[str, Any]] = {}
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"OpenAIModel(spec={self.spec!r}, url={self._endpoint!r})"

    @property
    def endpoint(self) -> str:
        """The chat-completions URL called, without credentials or query string."""
        return self._endpoint

    async def generate(self, request: GenerateRequest) -> ModelOutput:
        """One chat-completions call; raises `ModelError` on any failure."""
        body: dict[str, Any] = {"model": self.name, "messages": request.messages()}
        if request.json_schema is not None:
            body["response_format"] = self._response_format(request.json_schema)
        body.update(self._request_fields(request.config))
        status, raw, headers = await self._post(self.url, self._endpoint, json.dumps(body))
        if not 200 <= status < 300:
            raise self._status_error(status, headers, raw, self._endpoint)
        return self._parse(raw, status)

    async def loglikelihood(self, request: LoglikelihoodRequest) -> list[Loglikelihood]:
        """One echoed completions call per continuation; raises `ModelError` on any failure."""
        results = []
        for continuation in request.continuations:
            context, continuation = split_whitespace(request.context, continuation)
            results.append(await self._score(context, continuation))
        return results

    async def aclose(self) -> None:
        """Close the HTTP session; the next `generate` opens a new one."""
        session, self._session = self._session, None
        loop, self._loop = self._loop, None
        if session is None or session.closed:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is running:
            await session.close()

    # -- request --------------------------------------------------------------

    async def _post(
        self, url: str, endpoint: str, body: str
    ) -> tuple[int, bytes, CIMultiDictProxy[str]]:
        """One POST: status, body and headers; transport failures become `ModelError`."""
        session = self._session
        if session is None or session.closed or self._loop is not asyncio.get_running_loop():
            session = self._open_session()
        try:
            async with session.post(url, data=body.encode()) as response:
                return response.status, await response.read(), response.headers
        except aiohttp.InvalidURL as exc:
            raise ModelError(
                f"invalid URL {endpoint!r}: {self._redact(str(exc))}", retryable=False
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            detail = str(exc)
            reason = self._redact(
                f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
            )
            raise ModelError(
                f"connection error calling {endpoint}: {reason}", retryable=True
            ) from None

    def _response_format(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self._json_format == "llama_cpp":
            return {"type": "json_object", "schema": schema}
        return {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}

    def _open_session(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=max(1, self.config.max_concurrency))
        # The engine bounds each call with `asyncio.timeout`; the session only
        # bounds how long opening a connection may take.
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.config.timeout)
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers=self._headers,
            timeout=timeout,
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        self._loop = asyncio.get_running_loop()
        return self._session

    def _request_fields(self, generate: GenerateConfig) -> dict[str, Any]:
        if generate is self.config.generate:
            return self._default_fields
        fields = self._fields_cache.get(generate)
        if fields is None:
            if len(self._fields_cache) > 64:
                self._fields_cache.clear()
            fields = self._fields_cache[generate] = self._fields_for(generate)
        return fields

    def _fields_for(self, generate: GenerateConfig) -> dict[str, Any]:
        """Model defaults, then the request's settings, then `extra_body`."""
        fields = self.config.generate.to_dict()
        fields.update(generate.to_dict())
        fields.update(self._extra_body)
        return fields

    # -- response -------------------------------------------------------------

    def _parse(self, raw: bytes, status: int) -> ModelOutput:
        try:
            data = json.loads(raw)
            choice = data["choices"][0]
            text = choice["message"].get("content") or ""
            usage = data.get("usage") or {}
            return ModelOutput(
                text=text,
                input_tokens=usage.get("prompt_tokens"),
                output_tokens=usage.get("completion_tokens"),
                finish_reason=choice.get("finish_reason"),
            )
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            excerpt = self._redact(raw[:_ERROR_TEXT_LIMIT].decode("utf-8", "replace"))
            raise ModelError(
                f"malformed response from {self._endpoint}: not a chat completion: {excerpt!r}",
                retryable=True,
                status=status,
            ) from None

    # -- loglikelihood --------------------------------------------------------

    async def _score(self, context: str, continuation: str) -> Loglikelihood:
        if not context:
            raise ModelError(
                f"{self.spec}: loglikelihood needs a non-empty context (after moving its "
                "trailing whitespace): a prompt's first token has no log-probability",
                retryable=False,
            )
        if not continuation:
            raise ModelError(f"{self.spec}: empty continuation", retryable=False)
        body = {
            "model": self.name,
            "prompt": context + continuation,
            "max_tokens": 1,
            "echo": True,
            "logprobs": 1,
            "temperature": 0,
        }
        endpoint = self._completions_endpoint
        status, raw, headers = await self._post(self._completions_url, endpoint, json.dumps(body))
        if status in _NO_LOGLIKELIHOOD_STATUS:
            message = self._redact(_error_message(raw))
            raise ModelError(
                f"{CANNOT}: {endpoint} answered HTTP {status} to a completions request "
                f"with echo and logprobs: {message}",
                retryable=False,
                status=status,
            )
        if not 200 <= status < 300:
            raise self._status_error(status, headers, raw, endpoint)
        return echoed_loglikelihood(
            raw,
            status,
            context,
            continuation,
            endpoint=self._completions_endpoint,
            spec=self.spec,
            redact=self._redact,
        )

    def _status_error(
        self, status: int, headers: CIMultiDictProxy[str], raw: bytes, endpoint: str
    ) -> ModelError:
        message = self._redact(_error_message(raw))
        text = f"HTTP {status} from {endpoint}: {message}" if message else f"HTTP {status}"
        if status == 429:
            return RateLimited(text, retry_after=retry_after_seconds(headers))
        if status in _RETRYABLE_STATUS or status >= 500:
            return ModelError(
                text, retryable=True, status=status, retry_after=retry_after_seconds(headers)
            )
        return ModelError(text, retryable=False, status=status)

    def _redact(self, text: str) -> str:
        if self.url != self._endpoint and self.url in text:
            text = text.replace(self.url, self._endpoint)
        if self._completions_url != self._completions_endpoint and self._completions_url in text:
            text = text.replace(self._completions_url, self._completions_endpoint)
        if self._userinfo and self._userinfo in text:
            text = text.replace(self._userinfo, "")
        if self._key and self._key in text:
            text = text.replace(self._key, "***")
        return text


def _error_message(raw: bytes) -> str:
    """The server's explanation: `{"error": {"message": ...}}` when present, else the text."""
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
        if isinstance(error, str):
            return error
        if isinstance(data.get("message"), str):
            return data["message"]
    return raw[:_ERROR_TEXT_LIMIT].decode("utf-8", "replace").strip()


def retry_after_seconds(headers: CIMultiDictProxy[str]) -> float | None:
    """Seconds to wait from `retry-after-ms`, or `Retry-After` as seconds or an HTTP-date.

    >>> from multidict import CIMultiDict, CIMultiDictProxy
    >>> retry_after_seconds(CIMultiDictProxy(CIMultiDict({"Retry-After": "2"})))
    2.0
    >>> retry_after_seconds(CIMultiDictProxy(CIMultiDict({"retry-after-ms": "1500"})))
    1.5
    """
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return max(0.0, float(value) / 1000.0)
        except ValueError:
            pass
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())
