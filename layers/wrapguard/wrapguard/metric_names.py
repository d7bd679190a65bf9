"""Every CloudWatch metric name wrapguard emits, in one place, with its dimensions: the code emits from
this module and the dashboard and alarms in template.yaml use the same names (tests/unit/test_dashboard.py
reads both).

Dimensions stay bounded: service, reason, source, queue and media type; never a conversation,
participant or agent id (one CloudWatch metric per value would be unbounded cost).
"""

from __future__ import annotations

from .contracts import Outcome
from .domain.event_results import EventAction

SERVICE = frozenset({"service"})
BY_REASON = frozenset({"service", "reason", "source"})
BY_QUEUE = frozenset({"service", "queue", "mediaType"})
BY_FUNCTION = frozenset({"service", "function_name"})  # Powertools' cold start metric

# Dimension-less: the failure alarm watches it.
FAILURE_RECORDED = "FailureRecorded"
# Dimensions service, reason, source.
FAILURE_RECORDED_BY_REASON = "FailureRecordedByReason"

DATA_ACTION_OUTCOMES: dict[Outcome, str] = {
    Outcome.APPLIED: "WrapupApplied",
    Outcome.ALREADY_APPLIED: "WrapupAlreadyApplied",
    Outcome.STAGED: "WrapupStaged",
    Outcome.SUPERSEDED: "WrapupSuperseded",
    Outcome.FAILED: FAILURE_RECORDED,
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
}

# Reconciler passes.
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
# Genesys answers worth watching, and the client's retries.
GENESYS_THROTTLED = "GenesysThrottled"  # HTTP 429
GENESYS_SERVER_ERROR = "GenesysServerError"  # HTTP 5xx
GENESYS_RETRY = "GenesysRetry"
COLD_START = "ColdStart"  # emitted by Powertools (log_metrics(capture_cold_start_metric=True))


def emitted() -> dict[str, frozenset[str]]:
    """Every metric name the code can emit -> its dimension names."""
    dimensions = {name: SERVICE for name in (*DATA_ACTION_OUTCOMES.values(), *EVENT_ACTIONS.values())}
    dimensions.update(
        {
            FAILURE_RECORDED_BY_REASON: BY_REASON,
            RECONCILE_PASSES: SERVICE,
            RECONCILE_CONVERSATIONS: SERVICE,
            RECONCILE_MISSING_WRAPUPS: SERVICE,
            RECONCILE_LAG_SECONDS: SERVICE,
            COMPLIANCE_CHECKED: BY_QUEUE,
            COMPLIANCE_MISSING: BY_QUEUE,
            COMPLIANCE_PLACEHOLDER: BY_QUEUE,
            COMPLIANCE_RATE: BY_QUEUE,
            GENESYS_THROTTLED: SERVICE,
            GENESYS_SERVER_ERROR: SERVICE,
            GENESYS_RETRY: SERVICE,
            COLD_START: BY_FUNCTION,
        }
    )
    return dimensions
