"""Every CloudWatch metric name wrapguard emits, in one place (the dashboard and alarms use the same names)."""

from __future__ import annotations

from .contracts import Outcome
from .domain.event_results import EventAction

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

RECONCILE_CONVERSATIONS = "ReconcileConversations"
RECONCILE_MISSING_WRAPUPS = "ReconcileMissingWrapups"
