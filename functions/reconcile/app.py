"""ReconcileFunction: on a schedule, record agent participants that ended without a wrap-up.

Reads the Analytics conversation details for the last window (with overlap), resumes from its
DynamoDB checkpoint, and stops cleanly before the Lambda times out. Errors raise, so the schedule's
retry and the next run (which resumes from the checkpoint) pick the work up again.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from wrapguard import metric_names
from wrapguard.aws.dynamodb import DynamoDB
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.failures import FailureSource
from wrapguard.domain.reconcile import Reconciler
from wrapguard.genesys.client import GenesysClient
from wrapguard.observability import count_failure, logger, metrics, tracer
from wrapguard.runtime import build_dynamodb, build_genesys, build_reconciler
from wrapguard.settings import ReconcileSettings, load_settings

settings = load_settings(ReconcileSettings)


@cache
def dynamodb() -> DynamoDB:
    return build_dynamodb()


@cache
def genesys() -> GenesysClient:
    return build_genesys(settings)


@cache
def reconciler() -> Reconciler:
    return build_reconciler(settings, genesys(), dynamodb())


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = reconciler().run(deadline=Deadline.from_lambda_context(context))
    metrics.add_metric(name=metric_names.RECONCILE_PASSES, unit=MetricUnit.Count, value=1)
    metrics.add_metric(name=metric_names.RECONCILE_CONVERSATIONS, unit=MetricUnit.Count, value=report.conversations)
    metrics.add_metric(name=metric_names.RECONCILE_MISSING_WRAPUPS, unit=MetricUnit.Count, value=report.missing)
    if report.lag_seconds is not None:
        metrics.add_metric(name=metric_names.RECONCILE_LAG_SECONDS, unit=MetricUnit.Seconds, value=report.lag_seconds)
    if report.recorded:
        metrics.add_metric(name=metric_names.FAILURE_RECORDED, unit=MetricUnit.Count, value=report.recorded)
    for reason, recorded in report.recorded_by_reason.items():
        count_failure(reason, FailureSource.RECONCILE.value, recorded)
    logger.info("reconcile pass", extra=report.as_dict())
    return report.as_dict()
