"""What the event path did with one event: a closed set of actions and a typed result."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .failures import FailureReason


class EventAction(StrEnum):
    APPLIED = "applied"
    ALREADY_APPLIED = "already_applied"
    AGENT_CODED = "agent_coded"
    SUPERSEDED = "superseded"  # an explicit request's code was applied first and is kept
    NOTHING_TO_APPLY = "nothing_to_apply"
    NOT_AN_AGENT = "not_an_agent"
    FAILED = "failed"
    VERIFIED = "verified"
    MISSING_WRAPUP = "missing_wrapup"
    ALREADY_RECORDED = "already_recorded"
    IGNORED = "ignored"
    MALFORMED_RECORDED = "malformed_recorded"
    OBSERVED = "observed"  # observe mode: the code it would have applied is recorded, nothing written
    DISABLED = "disabled"  # the queue is off: nothing done


class CodeOrigin(StrEnum):
    STAGED = "staged"
    POLICY = "policy"


@dataclass(frozen=True)
class EventResult:
    action: EventAction
    conversation_id: str | None = None
    participant_id: str | None = None
    reason: FailureReason | None = None
    code_id: str | None = None
    origin: CodeOrigin | None = None
    topic: str | None = None
    fields: tuple[str, ...] = field(default=())

    @property
    def recorded_failure(self) -> bool:
        """A failure item was created or updated (ALREADY_RECORDED means an earlier event had done it)."""
        return self.reason is not None and self.action is not EventAction.ALREADY_RECORDED

    def to_response(self) -> dict[str, Any]:
        """The handler's JSON answer (and what Powertools Idempotency saves and replays)."""
        response: dict[str, Any] = {"action": self.action.value}
        optional: dict[str, Any] = {
            "conversationId": self.conversation_id,
            "participantId": self.participant_id,
            "reason": self.reason.value if self.reason else None,
            "code_id": self.code_id,
            "origin": self.origin.value if self.origin else None,
            "topic": self.topic,
            "fields": list(self.fields) or None,
        }
        response.update({key: value for key, value in optional.items() if value is not None})
        return response

    @classmethod
    def from_response(cls, response: dict[str, Any]) -> EventResult:
        """Back from a replayed idempotency record."""
        return cls(
            action=EventAction(response["action"]),
            conversation_id=response.get("conversationId"),
            participant_id=response.get("participantId"),
            reason=FailureReason(response["reason"]) if response.get("reason") else None,
            code_id=response.get("code_id"),
            origin=CodeOrigin(response["origin"]) if response.get("origin") else None,
            topic=response.get("topic"),
            fields=tuple(response.get("fields") or ()),
        )
