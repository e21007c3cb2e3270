"""llama-cpp-python's own OpenAI-compatible server, run as a subprocess for tests.

    with LlamaServer(smollm2_path()) as server:
        model = OpenAIModel("smollm2", ModelConfig(base_url=server.base_url))

The server binds 127.0.0.1 on a free port, runs with a fixed seed and as
many threads as `local:` uses (so both compute the same numbers), does not
interrupt a request when the next one arrives, and logs to a file that is
shown when it fails to start. Leaving the block stops it.

It is started with `--kv_overrides tokenizer.ggml.add_bos_token=bool:true`:
llama-cpp-python 0.3.36's server shifts echoed prompt log-probabilities by
one token for a model whose GGUF adds no BOS (SmolLM2), and a BOS avoids it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

__all__ = ["LlamaServer"]

START_TIMEOUT = 120.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LlamaServer:
    """`python -m llama_cpp.server` on 127.0.0.1, ready once `GET /v1/models` answers."""

    def __init__(self, model_path: Path, *, n_ctx: int = 2048) -> None:
        self.model_path = model_path
        self.n_ctx = n_ctx
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._log: tempfile._TemporaryFileWrapper[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        threads = str(os.cpu_count() or 1)
        return [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(self.model_path),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
            "--kv_overrides",
            "tokenizer.ggml.add_bos_token=bool:true",
            "--seed",
            "0",
            "--n_threads",
            threads,
            "--n_threads_batch",
            threads,
            "--interrupt_requests",
            "false",
            "--verbose",
            "false",
        ]

    def start(self) -> None:
        self.port = _free_port()
        # Open until `stop`: the server writes to it for as long as it runs.
        self._log = tempfile.NamedTemporaryFile(prefix="llama-server-", suffix=".log")  # noqa: SIM115
        self._process = subprocess.Popen(
            self.command(), stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                log = self.log_tail()
                self.stop()
                raise RuntimeError(f"llama_cpp.server exited while starting:\n{log}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        log = self.log_tail()
        self.stop()
        raise RuntimeError(f"llama_cpp.server did not answer in {START_TIMEOUT:.0f}s:\n{log}")

    def log_tail(self, n_chars: int = 4000) -> str:
        if self._log is None:
            return ""
        return Path(self._log.name).read_bytes()[-n_chars:].decode("utf-8", "replace")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log, self._log = self._log, None
        if log is not None:
            log.close()

    def __enter__(self) -> LlamaServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
