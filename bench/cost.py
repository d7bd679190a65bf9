"""What a million interactions cost on AWS, from what the peak benchmark measured (issue 19 item 4).

Prices: AWS on-demand, US East (N. Virginia), looked up 2026-12-04 (sources below, each with the
date the source gives). Request counts and durations come from the run: Lambda invocations (every
attempt, both functions), billed durations (our measured compute plus the waits in simulated
seconds: lambda_async.Invocation.billed_seconds) x the template's MemorySize, DynamoDB requests as
the local AWS server counted them, dead-letter messages, and the log bytes the handlers wrote.
"""

from __future__ import annotations

from dataclasses import dataclass

GB = 1024**3


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    source: str


PRICES = {
    "lambda_requests": Price(
        0.20 / 1e6,
        "request",
        "aws.amazon.com/lambda/pricing ($0.20 per 1M requests; same for arm64 and x86)",
    ),
    "lambda_arm64_gb_s": Price(
        0.0000133334,
        "GB-second",
        "aws.amazon.com/lambda/pricing (arm64, first 7.5 billion GB-s a month; as quoted by cloudchipr.com,"
        " 2024); INIT phase billed for ZIP managed runtimes since 2025-08-01 (AWS Compute Blog, 2025-04-29)",
    ),
    "dynamodb_wru": Price(
        0.625 / 1e6,
        "write request unit",
        "aws.amazon.com/dynamodb/pricing/on-demand ($0.625 per 1M WRU after the Nov 2024 cut; AWS News Blog"
        " post updated 2025-01-31)",
    ),
    "dynamodb_rru": Price(0.125 / 1e6, "read request unit", "same page ($0.125 per 1M RRU)"),
    "eventbridge_partner_events": Price(
        1.00 / 1e6,
        "event",
        "aws.amazon.com/eventbridge/pricing (partner events ingested: $1.00 per 1M, per 64 KB chunk; the"
        " page's SaaS example bills them)",
    ),
    "sqs_requests": Price(
        0.40 / 1e6, "request", "aws.amazon.com/sqs/pricing (standard, $0.40 per 1M; cloudburn.io, 2026-03)"
    ),
    "cloudwatch_logs_gb": Price(
        0.50,
        "GB ingested",
        "aws.amazon.com/cloudwatch/pricing (Lambda logs, first tier of the tiered price from 2025-05-01:"
        " $0.50/GB; duckbillgroup.com, 2025)",
    ),
    "cloudwatch_metric_month": Price(
        0.30,
        "custom metric a month",
        "aws.amazon.com/cloudwatch/pricing (first 10,000 metrics; each distinct name and dimension values"
        " is one metric, EMF included)",
    ),
    "cloudwatch_alarm_month": Price(0.10, "standard alarm a month", "same page (standard resolution)"),
    "cloudwatch_dashboard_month": Price(3.00, "dashboard a month", "same page (beyond the first three, free)"),
}

# Lambda writes START, END and REPORT lines for every invocation (about 350 bytes together; assumption).
PLATFORM_LOG_BYTES = 350
# Genesys events per interaction on the partner bus besides user.end (and its duplicates): `acw` when
# after-call work ends and `wrapup` when a code is set (assumption: one of each). The run does not
# deliver them; each is priced as one event-function invocation of the run's median duration with
# the verification path's DynamoDB writes (idempotency put and update, resolve_open) and no Genesys call.
OTHER_EVENTS_PER_INTERACTION = 2.0
VERIFICATION_WRITES = 3
ACW_ASSUMPTION = (
    "each of those is one event-function invocation of the run's median duration with 3 DynamoDB writes"
    " and no Genesys request (the event carries the code)"
)
# Cold-start (INIT) import times of the packaged handlers, docs/benchmarks.md "Cold start" (x86_64 host,
# 2026-12-04 18:01 run).
INIT_SECONDS = {"WrapupEventsFunction": 0.379, "ApplyWrapupFunction": 0.250}


@dataclass(frozen=True)
class Usage:
    """Measured totals of one run."""

    interactions: int
    lambda_invocations: int
    billed_seconds: float  # sum over invocations
    median_event_seconds: float  # billed seconds of the event function's median invocation
    cold_starts: dict[str, int]  # function -> containers started
    memory_mb: int
    dynamodb_writes: int
    dynamodb_reads: int
    user_end_deliveries: int
    dead_letter_messages: int
    log_bytes: int  # what the handlers wrote (logs and EMF metrics)


def cost_lines(usage: Usage) -> list[tuple[str, float, float]]:
    """(what, quantity per million interactions, USD per million interactions) rows."""
    per_million = 1e6 / usage.interactions
    gb = usage.memory_mb / 1024
    init = sum(INIT_SECONDS.get(function, 0.7) * count for function, count in usage.cold_starts.items())
    verifications = OTHER_EVENTS_PER_INTERACTION * usage.interactions
    invocations = usage.lambda_invocations + verifications
    gb_s = (usage.billed_seconds + init + verifications * usage.median_event_seconds) * gb
    writes = usage.dynamodb_writes + verifications * VERIFICATION_WRITES
    events = usage.user_end_deliveries + verifications
    log_bytes = usage.log_bytes * invocations / usage.lambda_invocations + PLATFORM_LOG_BYTES * invocations
    rows = [
        ("Lambda requests", invocations, PRICES["lambda_requests"]),
        ("Lambda GB-s (arm64, incl. INIT)", gb_s, PRICES["lambda_arm64_gb_s"]),
        ("DynamoDB write request units", writes, PRICES["dynamodb_wru"]),
        ("DynamoDB read request units", usage.dynamodb_reads, PRICES["dynamodb_rru"]),
        ("EventBridge partner events", events, PRICES["eventbridge_partner_events"]),
        ("SQS requests (dead-letter queue)", usage.dead_letter_messages, PRICES["sqs_requests"]),
        ("CloudWatch Logs ingested (GB, incl. EMF metrics)", log_bytes / GB, PRICES["cloudwatch_logs_gb"]),
    ]
    return [(what, quantity * per_million, quantity * price.usd * per_million) for what, quantity, price in rows]


def total(lines: list[tuple[str, float, float]]) -> float:
    return sum(row[2] for row in lines)


def deployed_alarms() -> int:
    """The alarms template.yaml deploys with the event path and its defaults (the optional no-events
    alarm, off by default, not counted)."""
    from wrapguard_local.template import load_template

    resources = load_template()["Resources"].values()
    return sum(
        1
        for resource in resources
        if resource["Type"] == "AWS::CloudWatch::Alarm" and resource.get("Condition") in {None, "HasEventSource"}
    )


# A large centre's queues times the media types each handles (voice, chat, email...): the compliance
# metrics are kept per queue and media type. An assumption; the per-pair price is shown beside it.
QUEUE_MEDIA_PAIRS = 100


def custom_metrics(queue_media_pairs: int) -> int:
    """The most distinct CloudWatch metrics (name and dimension values) the code can emit in a month,
    from wrapguard/metric_names.py: each dimension set's possible values counted."""
    from wrapguard import metric_names
    from wrapguard.domain.failures import FailureReason
    from wrapguard.domain.model import FailureSource

    values = {
        metric_names.SERVICE: 1,
        metric_names.BY_SOURCE: len(FailureSource),
        metric_names.BY_REASON: len(FailureReason) * len(FailureSource),
        metric_names.BY_CLASS: len(set(metric_names.FAILURE_CLASSES.values()) | {metric_names.REVIEW}),
        metric_names.BY_QUEUE: queue_media_pairs,
        metric_names.BY_FUNCTION: 3,  # the three functions' ColdStart
    }
    return sum(values[dimensions] for dimensions in metric_names.emitted().values())


def monthly_lines(queue_media_pairs: int = QUEUE_MEDIA_PAIRS) -> list[tuple[str, float, float]]:
    """(what, how many, USD a month) rows: CloudWatch's per-month charges, whatever the volume."""
    rows = [
        (
            f"CloudWatch custom metrics (at most, with {queue_media_pairs} queue x media type pairs)",
            custom_metrics(queue_media_pairs),
            "cloudwatch_metric_month",
        ),
        ("CloudWatch alarms (template.yaml, event path on)", deployed_alarms(), "cloudwatch_alarm_month"),
        ("CloudWatch dashboard", 1, "cloudwatch_dashboard_month"),
    ]
    return [(what, float(count), count * PRICES[key].usd) for what, count, key in rows]
