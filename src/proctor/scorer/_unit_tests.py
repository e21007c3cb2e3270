"""`unit_tests`: run the model's code against the sample's tests, in the sandbox.

The sample carries its tests in `metadata["tests"]` (Python source defining
`check(candidate)`, HumanEval's convention) and the function to test in
`metadata["entry_point"]`. The program run is HumanEval's

    prompt + completion + "\\n" + tests + "\\n" + f"check({entry_point})"

where `prompt` is the sample's input (the function signature and docstring)
and `completion` is what the model wrote. A chat model often answers with a
fenced code block, often repeating the signature: the first fenced block is
taken when there is one, and when it defines `entry_point` itself it is used
as the whole function (after the prompt, so the prompt's imports and helpers
stay available and the model's definition wins).

The program passes when it exits cleanly. A failing assertion, an exception,
a timeout or a broken limit is a wrong answer, with the reason in the
explanation — never a scorer error. Generated code runs only in the sandbox;
a machine without isolation refuses unless `allow_unisolated=True`.

Metrics: `pass@k` and `pass^k` for every k in `k` (default 1), estimated
from each sample's epochs (n generations per sample).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from proctor.errors import ConfigError, ScorerError
from proctor.scorer._score import Score, ScoreFn, scorer

if TYPE_CHECKING:
    from proctor.dataset import Sample
    from proctor.metrics import Metric
    from proctor.model import ModelOutput
    from proctor.scorer._score import ScoreContext

_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)```", re.S | re.I)


def completion_code(prompt: str, text: str, entry_point: str) -> str:
    """The program text for the model's answer `text` to `prompt` (see the module docstring).

    >>> completion_code("def f():\\n", "    return 1\\n", "f")
    'def f():\\n    return 1\\n'
    >>> completion_code("def f():\\n", "```python\\ndef f():\\n    return 2\\n```", "f")
    'def f():\\n    pass\\n\\ndef f():\\n    return 2\\n'
    """
    match = _FENCE.search(text)
    code = match.group(1) if match else text
    if re.search(rf"^\s*(async\s+)?def\s+{re.escape(entry_point)}\s*\(", code, re.M):
        # The answer restates the function: keep the prompt for its imports and helpers,
        # with a body so it still parses, and let the model's definition replace it.
        return prompt + "    pass\n\n" + code.lstrip("\n")
    return prompt + code


def _metrics(*, k: tuple[int, ...] = (1,), **_: Any) -> list[Metric]:
    from proctor.metrics import pass_at_k, pass_hat_k

    return [pass_at_k(n) for n in k] + [pass_hat_k(n) for n in k if n > 1]


@scorer("unit_tests", metrics=_metrics)
def unit_tests(
    *,
    k: tuple[int, ...] = (1,),
    timeout: float = 10.0,
    memory_mb: int = 512,
    allow_unisolated: bool = False,
) -> ScoreFn:
    """Pass when the model's code passes the sample's tests in the sandbox."""
    from proctor.sandbox import Limits, Sandbox, detect_isolation

    k = tuple(int(n) for n in k)
    if not k or min(k) < 1:
        raise ConfigError(f"unit_tests: k must list numbers of at least 1, got {k}")
    if detect_isolation() == "none" and not allow_unisolated:
        raise ConfigError(
            "unit_tests runs model-written code, and no sandbox isolation is available here "
            "(install bubblewrap); pass allow_unisolated: true only for code you trust"
        )
    limits = Limits(cpu_seconds=timeout, wall_seconds=timeout + 5, memory_mb=memory_mb)
    holder: dict[str, Sandbox] = {}

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        tests = sample.metadata.get("tests")
        entry_point = sample.metadata.get("entry_point")
        if not isinstance(tests, str) or not isinstance(entry_point, str):
            raise ScorerError("unit_tests needs metadata 'tests' and 'entry_point'")
        prompt = sample.input if isinstance(sample.input, str) else ""
        program = (
            completion_code(prompt, output.text, entry_point)
            + "\n"
            + tests
            + "\n"
            + f"check({entry_point})\n"
        )
        sandbox = holder.get("sandbox")
        if sandbox is None:
            sandbox = holder["sandbox"] = Sandbox(limits=limits, allow_unisolated=allow_unisolated)
        result = await sandbox.run(program)
        passed = result.status == "passed"
        explanation = "all tests passed" if passed else f"{result.status}: {result.detail}"
        return Score(
            passed,
            explanation=explanation[:500],
            metadata={
                "status": result.status,
                "duration": round(result.duration, 4),
                "isolation": sandbox.isolation,
            },
        )

    return score
