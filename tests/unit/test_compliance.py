"""Compliance of one analytics conversation: which participants count, and how."""

from __future__ import annotations

from typing import Any

from wrapguard.domain.compliance import CheckOutcome, ComplianceCounts, check_conversation, tally
from wrapguard.domain.model import ConversationDetails
from wrapguard.genesys.analytics import AnalyticsConversation
from wrapguard.genesys.gateway import details_of

TIMEOUT = "ININ-WRAP-UP-TIMEOUT"


def agent(pid: str, user: str, queue: str, *segments: dict[str, Any], media: str = "voice") -> dict[str, Any]:
    return {
        "participantId": pid,
        "purpose": "agent",
        "userId": user,
        "sessions": [
            {
                "mediaType": media,
                "direction": "Inbound",
                "segments": [{"segmentType": "interact", "queueId": queue}, *segments],
            }
        ],
    }


def wrapup(code: str) -> dict[str, Any]:
    return {"segmentType": "wrapup", "wrapUpCode": code}


def conversation(*participants: dict[str, Any], end: str | None = "2026-11-25T23:59:59Z") -> ConversationDetails:
    others = [
        {"participantId": "cust", "purpose": "customer", "sessions": [{"segments": [{"segmentType": "interact"}]}]},
        {"participantId": "ivr", "purpose": "ivr", "sessions": [{"segments": [{"segmentType": "ivr"}]}]},
        {"participantId": "acd", "purpose": "acd", "sessions": [{"segments": [{"segmentType": "interact"}]}]},
        {"participantId": "ext", "purpose": "external", "sessions": [{"segments": [{"segmentType": "interact"}]}]},
    ]
    body: dict[str, Any] = {"conversationId": "c1", "participants": [*others, *participants]}
    if end:
        body["conversationEnd"] = end
    return details_of(AnalyticsConversation.model_validate(body))


def test_each_agent_of_a_transfer_is_checked_and_nobody_else() -> None:
    transferred = conversation(
        agent("a1", "u1", "q1", wrapup("k1")),
        agent("a2", "u2", "q2"),
        {
            "participantId": "a3",
            "purpose": "agent",
            "userId": "u3",
            "sessions": [{"segments": [{"segmentType": "alert", "queueId": "q2"}]}],  # rang, never answered
        },
    )
    checks = check_conversation(transferred, {TIMEOUT})
    assert [(c.participant_id, c.queue_id, c.outcome, c.code) for c in checks] == [
        ("a1", "q1", CheckOutcome.CODED, "k1"),
        ("a2", "q2", CheckOutcome.MISSING, None),
    ]
    assert {(c.media_type, c.direction, c.day) for c in checks} == {("voice", "inbound", "2026-11-25")}


def test_a_placeholder_alone_counts_as_missing_unless_the_list_is_empty() -> None:
    placeholder_only = conversation(agent("a1", "u1", "q1", wrapup(TIMEOUT)))
    (check,) = check_conversation(placeholder_only, {TIMEOUT})
    assert (check.outcome, check.code, check.is_compliant) == (CheckOutcome.PLACEHOLDER, TIMEOUT, False)
    (check,) = check_conversation(placeholder_only, set())
    assert (check.outcome, check.code) == (CheckOutcome.CODED, TIMEOUT)
    recoded = conversation(agent("a1", "u1", "q1", wrapup(TIMEOUT), wrapup("k1")))
    assert check_conversation(recoded, {TIMEOUT})[0].outcome is CheckOutcome.CODED


def test_running_conversations_are_not_checked_and_days_are_utc() -> None:
    assert check_conversation(conversation(agent("a1", "u1", "q1"), end=None), {TIMEOUT}) == []
    (late,) = check_conversation(conversation(agent("a1", "u1", "q1"), end="2026-11-25T23:30:00-02:00"), set())
    assert late.day == "2026-11-26"


def test_tally_and_rates() -> None:
    checks = [
        *check_conversation(conversation(agent("a1", "u1", "q1", wrapup("k")), agent("a2", "u2", "q1")), {TIMEOUT}),
        *check_conversation(conversation(agent("a3", "u1", "q1", wrapup(TIMEOUT))), {TIMEOUT}),
    ]
    counts = tally(checks)
    assert counts == {("q1", "voice", "2026-11-25"): ComplianceCounts(checked=3, coded=1, missing=1, placeholder=1)}
    only = counts[("q1", "voice", "2026-11-25")]
    assert only.compliance_rate == 1 / 3 and only.uncoded == 2
    assert ComplianceCounts().compliance_rate is None
