"""Metrics: aggregate per-sample statistics into figures with confidence intervals."""

from proctor.metrics._aggregate import SampleScores, compute_metrics
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

__all__ = [
    "Metric",
    "MetricValue",
    "SampleScores",
    "clustered_interval",
    "clustered_stderr",
    "compute_metrics",
    "macro_mean",
    "mean",
    "mean_of",
    "metric_name",
    "pass_at_k",
    "pass_hat_k",
    "t_interval",
    "wilson_interval",
]
