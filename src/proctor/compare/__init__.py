"""Compare runs: paired significance per metric and slice, regressions, gates, planning.

    import proctor

    comparison = proctor.compare("a1b2c3", "d4e5f6")   # the package is callable
    comparison = proctor.compare.compare("a1b2c3", "d4e5f6", store=store)
    for m in comparison.metrics:
        print(m.name, m.a, m.b, m.delta, m.ci_low, m.ci_high, m.q_value, m.status)

NumPy and SciPy are imported only when a comparison runs.
"""

from __future__ import annotations

import sys
import types
from typing import Any

__all__ = [
    "Comparison",
    "GateResult",
    "MetricDelta",
    "SampleChange",
    "compare",
    "detectable_binary",
    "detectable_continuous",
    "evaluate_gates",
    "history",
    "plan_binary",
    "plan_continuous",
]

_WHERE = {
    "Comparison": "_compare",
    "MetricDelta": "_compare",
    "SampleChange": "_compare",
    "compare": "_compare",
    "GateResult": "_gates",
    "evaluate_gates": "_gates",
    "history": "_history",
    "detectable_binary": "_plan",
    "detectable_continuous": "_plan",
    "plan_binary": "_plan",
    "plan_continuous": "_plan",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'proctor.compare' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"proctor.compare.{module}"), name)


class _CallableModule(types.ModuleType):
    """`proctor.compare(run_a, run_b)` is `compare(run_a, run_b)`: the package is both the
    namespace of the comparison tools and the function most people want from it."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return __getattr__("compare")(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
