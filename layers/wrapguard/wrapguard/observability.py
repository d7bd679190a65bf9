"""Powertools Logger/Tracer/Metrics shared by the handlers, and the metrics every outcome emits."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit, single_metric

from . import OBSERVABILITY, SERVICE, metric_names
from .contracts import ApplyWrapupOutput
from .domain.event_results import EventResult
from .domain.failures import FailureSource
from .settings import ObservabilitySettings, load_settings

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

    from .domain.compliance import ParticipantCheck

NAMESPACE = OBSERVABILITY.powertools_metrics_namespace

FuncT = TypeVar("FuncT", bound=Callable[..., Any])


class TracerLike(Protocol):
    def capture_lambda_handler(self, handler: FuncT) -> FuncT: ...
    def capture_method(self, method: FuncT) -> FuncT: ...


class UntracedTracer:
    """Stands in for Powertools' Tracer when tracing is off.

    Tracer() imports aws-xray-sdk, which imports botocore: about 0.3 s of cold start even when the
    tracer is disabled. With tracing off we skip that import; Lambda's own active tracing still
    records the invocation.
    """

    def capture_lambda_handler(self, handler: FuncT) -> FuncT:
        return handler

    def capture_method(self, method: FuncT) -> FuncT:
        return method


def tracing_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Powertools' own rule (ObservabilitySettings.tracing_enabled), for `environ` or this process."""
    return (OBSERVABILITY if environ is None else load_settings(ObservabilitySettings, environ)).tracing_enabled


def _tracer() -> Tracer | UntracedTracer:
    if not tracing_enabled():
        return UntracedTracer()
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE)


logger = Logger(service=SERVICE)
tracer = cast(TracerLike, _tracer())  # Powertools' decorators are untyped; same shape
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def count_outcome(result: ApplyWrapupOutput, source: str) -> None:
    _count_answer(metric_names.DATA_ACTION_OUTCOMES[result.outcome], source)
    if result.failure_reason:
        count_failure(result.failure_reason, source)


def count_event(result: EventResult) -> None:
    _count_answer(metric_names.EVENT_ACTIONS[result.action], FailureSource.EVENTBRIDGE.value)
    if result.recorded_failure and result.reason is not None:
        metrics.add_metric(name=metric_names.FAILURE_RECORDED, unit=MetricUnit.Count, value=1)
        count_failure(result.reason.value, FailureSource.EVENTBRIDGE.value)


def _count_answer(name: str, source: str) -> None:
    """One answer's metric; observe and off mode's (WouldApply, Disabled) per source (metric_names.py)."""
    if name not in metric_names.BY_SOURCE_METRICS:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        return
    with single_metric(name=name, unit=MetricUnit.Count, value=1, namespace=NAMESPACE) as metric:
        metric.add_dimension(name="service", value=SERVICE)
        metric.add_dimension(name="source", value=source)


def count_failure(reason: str, source: str, value: int = 1) -> None:
    """Per reason and source (the dashboard), and per class (the alarms: auth and upstream failures page,
    compliance findings never do one by one; metric_names.FAILURE_CLASSES)."""
    with single_metric(
        name=metric_names.FAILURE_RECORDED_BY_REASON, unit=MetricUnit.Count, value=value, namespace=NAMESPACE
    ) as metric:
        metric.add_dimension(name="service", value=SERVICE)
        metric.add_dimension(name="reason", value=reason)
        metric.add_dimension(name="source", value=source)
    with single_metric(
        name=metric_names.FAILURE_RECORDED_BY_CLASS, unit=MetricUnit.Count, value=value, namespace=NAMESPACE
    ) as metric:
        metric.add_dimension(name="service", value=SERVICE)
        metric.add_dimension(name="class", value=metric_names.failure_class(reason))


# --- compliance, reconcile and Genesys health (names and dimensions: metric_names.py) ------------
def count_compliance(checks: Iterable[ParticipantCheck]) -> None:
    """Per queue and media type: participants first counted by this pass, and one ComplianceRate
    value each (100 coded, 0 not), so the metric's Average over any period is the compliance rate."""
    from .domain.compliance import UNKNOWN, ComplianceCounts  # reconciler only: not on the data action's path

    groups: dict[tuple[str, str], list[ParticipantCheck]] = {}
    for check in checks:
        groups.setdefault((check.queue_id or UNKNOWN, check.media_type or UNKNOWN), []).append(check)
    total = ComplianceCounts()
    for (queue, media), group in groups.items():
        emf = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
        emf.add_dimension(name="queue", value=queue)
        emf.add_dimension(name="mediaType", value=media)
        counts = ComplianceCounts()
        for check in group:
            counts.add(check.outcome)
            total.add(check.outcome)
            emf.add_metric(
                name=metric_names.COMPLIANCE_RATE, unit=MetricUnit.Percent, value=100 if check.is_compliant else 0
            )
        for name, value in (
            (metric_names.COMPLIANCE_CHECKED, counts.checked),
            (metric_names.COMPLIANCE_MISSING, counts.missing),
            (metric_names.COMPLIANCE_PLACEHOLDER, counts.placeholder),
        ):
            emf.add_metric(name=name, unit=MetricUnit.Count, value=value)
        emf.flush_metrics()
    if total.checked:
        # Over all queues, coded included when 0: the floor alarm divides coded by checked.
        emf = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
        emf.add_metric(name=metric_names.COMPLIANCE_CHECKED_TOTAL, unit=MetricUnit.Count, value=total.checked)
        emf.add_metric(name=metric_names.COMPLIANCE_CODED_TOTAL, unit=MetricUnit.Count, value=total.coded)
        emf.flush_metrics()


def count_genesys_answer(status: int | None) -> None:
    """Called for every Genesys HTTP answer (inside the request): counts throttling and server errors."""
    if status == 429:
        _count_quietly(metric_names.GENESYS_THROTTLED)
    elif status is not None and status >= 500:
        _count_quietly(metric_names.GENESYS_SERVER_ERROR)


def count_genesys_retry() -> None:
    _count_quietly(metric_names.GENESYS_RETRY)


def _count_quietly(name: str) -> None:
    """These run in the middle of a Genesys request: a metric that cannot be added must not turn an
    answered (perhaps applied) request into an error, so it is logged and dropped."""
    try:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    except Exception as exc:
        logger.warning("metric not counted", extra={"metric": name, "error": type(exc).__name__})


def count_ledger_undelivered(records: int) -> None:
    """Ledger versions Firehose did not take (store/ledger.py logs each one); flushed with the handler's metrics."""
    metrics.add_metric(name=metric_names.LEDGER_DELIVERY_FAILED, unit=MetricUnit.Count, value=records)


def count_settled_by_review(participants: int) -> None:
    metrics.add_metric(name=metric_names.LEDGER_SETTLED_BY_REVIEW, unit=MetricUnit.Count, value=participants)


class PolicyProblems:
    """policy_source.PolicyReport: an error log line and a metric each; never the document's content."""

    def rejected(self, problems: list[str]) -> None:
        logger.error(
            "deployed wrap-up policy rejected; keeping the last valid one",
            extra={"problems": problems[:20], "fix": "wrapguard-setup policy show / policy set"},
        )
        _count_quietly(metric_names.POLICY_REJECTED)

    def read_failed(self, code: str) -> None:
        logger.warning("wrap-up policy not read from AppConfig; keeping the current one", extra={"error": code})
        _count_quietly(metric_names.POLICY_READ_FAILED)
