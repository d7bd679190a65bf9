"""Powertools Logger/Tracer/Metrics shared by the handlers, and the metrics every outcome emits."""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from . import SERVICE
from .contracts import ApplyWrapupOutput, Outcome

NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Wrapguard")

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)

OUTCOME_METRICS = {
    Outcome.APPLIED: "WrapupApplied",
    Outcome.ALREADY_APPLIED: "WrapupAlreadyApplied",
    Outcome.STAGED: "WrapupStaged",
    Outcome.FAILED: "FailureRecorded",
}


def count_outcome(result: ApplyWrapupOutput, source: str) -> None:
    metrics.add_metric(name=OUTCOME_METRICS[result.outcome], unit=MetricUnit.Count, value=1)
    if result.failure_reason:
        count_failure(result.failure_reason, source)


def count_failure(reason: str, source: str) -> None:
    """Per-reason breakdown; the alarm watches the dimension-less FailureRecorded metric."""
    with single_metric(name="FailureRecordedByReason", unit=MetricUnit.Count, value=1, namespace=NAMESPACE) as metric:
        metric.add_dimension(name="service", value=SERVICE)
        metric.add_dimension(name="reason", value=reason)
        metric.add_dimension(name="source", value=source)
