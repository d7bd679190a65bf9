"""Every CloudWatch metric name wrapguard emits, in one place, with its dimensions: the code emits from
this module and the dashboard and alarms in template.yaml use the same names (tests/unit/test_dashboard.py
reads both).

Namespace and service are the stack name in Lambda (template.yaml Globals), so two stacks never share a
metric. Dimensions stay bounded: service, reason, source, class, queue and media type; never a conversation,
participant or agent id (one CloudWatch metric per value would be unbounded cost).
"""

from __future__ import annotations

from typing import Final

from .contracts import Outcome
from .domain.event_results import EventAction
from .domain.failures import FailureReason

SERVICE = frozenset({"service"})
BY_REASON = frozenset({"service", "reason", "source"})
BY_CLASS = frozenset({"service", "class"})
BY_QUEUE = frozenset({"service", "queue", "mediaType"})
BY_FUNCTION = frozenset({"service", "function_name"})  # Powertools' cold start metric
BY_SOURCE = frozenset({"service", "source"})

# Every failure recorded, whatever its reason (dashboard only: the alarms watch the classes below).
FAILURE_RECORDED = "FailureRecorded"
# Dimensions service, reason, source.
FAILURE_RECORDED_BY_REASON = "FailureRecordedByReason"
# Dimensions service, class: what a failure means to whoever is told about it.
FAILURE_RECORDED_BY_CLASS = "FailureRecordedByClass"
# Genesys refused wrapguard's client (401/403): every write fails until someone repairs it. Alarmed.
AUTH: Final = "auth"
# Genesys failed or throttled after the client's retries. Alarmed above a threshold.
UPSTREAM: Final = "upstream"
# A participant ended without a real code: the agents', not the system's, to fix. Never alarmed per miss;
# the compliance floor alarm watches the daily rate instead.
COMPLIANCE: Final = "compliance"
# One request went wrong (closed window, unknown code or conversation, another writer won): for review.
REVIEW: Final = "review"
FAILURE_CLASSES: dict[FailureReason, str] = {
    FailureReason.UNAUTHORIZED: AUTH,
    FailureReason.FORBIDDEN: AUTH,
    FailureReason.TIMEOUT: UPSTREAM,
    FailureReason.UPSTREAM_ERROR: UPSTREAM,
    FailureReason.RATE_LIMITED: UPSTREAM,
    FailureReason.MISSING_WRAPUP: COMPLIANCE,
    FailureReason.PLACEHOLDER_CODE: COMPLIANCE,
    FailureReason.WINDOW_CLOSED: REVIEW,
    FailureReason.INVALID_CODE: REVIEW,
    FailureReason.NOT_FOUND: REVIEW,
    FailureReason.SUPERSEDED: REVIEW,
}

# Observe and off modes (domain/modes.py), dimensions service and source (data_action, eventbridge):
# a code wrapguard would have applied and did not write, and a request or event it did not act on.
WOULD_APPLY = "WouldApply"
DISABLED = "Disabled"
BY_SOURCE_METRICS = frozenset({WOULD_APPLY, DISABLED})

DATA_ACTION_OUTCOMES: dict[Outcome, str] = {
    Outcome.APPLIED: "WrapupApplied",
    Outcome.ALREADY_APPLIED: "WrapupAlreadyApplied",
    Outcome.STAGED: "WrapupStaged",
    Outcome.SUPERSEDED: "WrapupSuperseded",
    Outcome.FAILED: FAILURE_RECORDED,
    Outcome.OBSERVED: WOULD_APPLY,
    Outcome.DISABLED: DISABLED,
}

EVENT_ACTIONS: dict[EventAction, str] = {
    EventAction.APPLIED: "EventApplied",
    EventAction.ALREADY_APPLIED: "EventAlreadyApplied",
    EventAction.AGENT_CODED: "EventAgentCoded",
    EventAction.SUPERSEDED: "EventSuperseded",
    EventAction.NOTHING_TO_APPLY: "EventNothingToApply",
    EventAction.NOT_AN_AGENT: "EventNotAnAgent",
    EventAction.FAILED: "EventFailed",
    EventAction.VERIFIED: "EventVerified",
    EventAction.MISSING_WRAPUP: "EventMissingWrapup",
    EventAction.ALREADY_RECORDED: "EventAlreadyRecorded",
    EventAction.IGNORED: "EventIgnored",
    EventAction.MALFORMED_RECORDED: "EventMalformedRecorded",
    EventAction.OBSERVED: WOULD_APPLY,
    EventAction.DISABLED: DISABLED,
}

# Reconciler passes. ReconcilePasses is counted once per pass that returned (a failed pass raises first):
# the heartbeat ReconcileHeartbeatAlarm watches.
RECONCILE_PASSES = "ReconcilePasses"
RECONCILE_CONVERSATIONS = "ReconcileConversations"
RECONCILE_MISSING_WRAPUPS = "ReconcileMissingWrapups"
RECONCILE_LAG_SECONDS = "ReconcileLagSeconds"  # now - the watermark after the pass
# Compliance of agent participants first counted by a pass, per queue and media type (coded is
# checked - missing - placeholder).
COMPLIANCE_CHECKED = "ComplianceChecked"
COMPLIANCE_MISSING = "ComplianceMissing"
COMPLIANCE_PLACEHOLDER = "CompliancePlaceholder"
# One value per participant, 100 (coded) or 0: its Average over any period is the compliance rate.
COMPLIANCE_RATE = "ComplianceRate"
# The same participants over all queues (dimension service only): the compliance floor alarm's figures
# (an alarm cannot SEARCH the per-queue metrics, and its math takes at most 10 metrics).
COMPLIANCE_CHECKED_TOTAL = "ComplianceCheckedTotal"
COMPLIANCE_CODED_TOTAL = "ComplianceCodedTotal"
# Genesys answers worth watching, and the client's retries.
GENESYS_THROTTLED = "GenesysThrottled"  # HTTP 429
GENESYS_SERVER_ERROR = "GenesysServerError"  # HTTP 5xx
GENESYS_RETRY = "GenesysRetry"
# Ledger versions Firehose did not take after its retries (the ledger table still holds them; each is
# logged with its key and version).
LEDGER_DELIVERY_FAILED = "LedgerDeliveryFailed"
# Misses whose effective code became a reviewer's code (once per participant), counted where a deployed
# function writes that version (a workstation's resolve --code-id emits no metric: `report` counts all).
LEDGER_SETTLED_BY_REVIEW = "LedgerSettledByReview"
# Ledger versions written by a reconcile pass (new participants and changed effective codes).
LEDGER_VERSIONS = "LedgerVersions"
# The runtime policy (policy_source.py): a deployed document the functions rejected (alarm), a failed read.
POLICY_REJECTED = "PolicyRejected"
POLICY_READ_FAILED = "PolicyReadFailed"
COLD_START = "ColdStart"  # emitted by Powertools (log_metrics(capture_cold_start_metric=True))


def emitted() -> dict[str, frozenset[str]]:
    """Every metric name the code can emit -> its dimension names."""
    dimensions = {
        name: BY_SOURCE if name in BY_SOURCE_METRICS else SERVICE
        for name in (*DATA_ACTION_OUTCOMES.values(), *EVENT_ACTIONS.values())
    }
    dimensions.update(
        {
            FAILURE_RECORDED_BY_REASON: BY_REASON,
            FAILURE_RECORDED_BY_CLASS: BY_CLASS,
            RECONCILE_PASSES: SERVICE,
            RECONCILE_CONVERSATIONS: SERVICE,
            RECONCILE_MISSING_WRAPUPS: SERVICE,
            RECONCILE_LAG_SECONDS: SERVICE,
            COMPLIANCE_CHECKED: BY_QUEUE,
            COMPLIANCE_MISSING: BY_QUEUE,
            COMPLIANCE_PLACEHOLDER: BY_QUEUE,
            COMPLIANCE_RATE: BY_QUEUE,
            COMPLIANCE_CHECKED_TOTAL: SERVICE,
            COMPLIANCE_CODED_TOTAL: SERVICE,
            GENESYS_THROTTLED: SERVICE,
            GENESYS_SERVER_ERROR: SERVICE,
            GENESYS_RETRY: SERVICE,
            LEDGER_DELIVERY_FAILED: SERVICE,
            LEDGER_VERSIONS: SERVICE,
            LEDGER_SETTLED_BY_REVIEW: SERVICE,
            POLICY_REJECTED: SERVICE,
            POLICY_READ_FAILED: SERVICE,
            COLD_START: BY_FUNCTION,
        }
    )
    return dimensions


def failure_class(reason: str) -> str:
    """The class of a failure reason (FailureReason's value). A reason added without a class counts as
    review, never as a page (tests/unit/test_dashboard.py keeps every reason classed)."""
    try:
        return FAILURE_CLASSES[FailureReason(reason)]
    except ValueError:
        return REVIEW
