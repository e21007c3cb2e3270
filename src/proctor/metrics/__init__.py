"""Metrics: aggregate per-sample statistics into figures with confidence intervals."""

from proctor.metrics._aggregate import SampleScores, compute_metrics
from proctor.metrics._agreement import (
    alpha_agreement,
    fleiss_kappa,
    kappa_agreement,
    krippendorff_alpha,
)
from proctor.metrics._corpus import CorpusMetric, corpus
from proctor.metrics._intervals import (
    clustered_interval,
    clustered_stderr,
    t_interval,
    wilson_interval,
)
from proctor.metrics._macro import macro_mean
from proctor.metrics._mean import mean, mean_of
from proctor.metrics._metric import Metric, MetricValue, metric_name
from proctor.metrics._passk import pass_at_k, pass_hat_k
from proctor.metrics._rubric import rubric_metrics

__all__ = [
    "ConfusionMatrix",
    "CorpusMetric",
    "FieldMetric",
    "LabelMetric",
    "Metric",
    "MetricValue",
    "SampleScores",
    "alpha_agreement",
    "clustered_interval",
    "clustered_stderr",
    "compute_metrics",
    "confusion_matrix",
    "corpus",
    "field_metrics",
    "fleiss_kappa",
    "kappa_agreement",
    "krippendorff_alpha",
    "label_metrics",
    "label_pairs",
    "macro_mean",
    "mean",
    "mean_of",
    "metric_name",
    "pass_at_k",
    "pass_hat_k",
    "per_label_figures",
    "rubric_metrics",
    "t_interval",
    "wilson_interval",
]


# The classification metrics need NumPy at import; load them only when asked for.
_LAZY = {
    "ConfusionMatrix",
    "FieldMetric",
    "LabelMetric",
    "confusion_matrix",
    "field_metrics",
    "fleiss_kappa",
    "kappa_agreement",
    "krippendorff_alpha",
    "label_metrics",
    "label_pairs",
    "per_label_figures",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from proctor.metrics import _classification

        return getattr(_classification, name)
    raise AttributeError(f"module 'proctor.metrics' has no attribute {name!r}")
