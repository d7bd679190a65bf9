"""The closed set of failure reasons and the one place where errors are classified into them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from aws_lambda_powertools import Logger
from pydantic import BaseModel, Field

from .. import SERVICE
from .deadline import Deadline
from .errors import StorageUnavailable
from .model import Conversation, FailureReason, FailureSource, FailureStatus, Participant, UpstreamFailure

__all__ = [
    "UNRESOLVED_PARTICIPANT",
    "Failure",
    "FailureReason",
    "FailureRecorder",
    "FailureSource",
    "FailureStatus",
    "Subject",
    "build_failure",
    "record_failure",
    "storage_failure",
]

logger = Logger(service=SERVICE, child=True)


# Sort key used when a failure cannot be tied to a participant (conversation not found, no agent).
UNRESOLVED_PARTICIPANT = "unresolved"


class Failure(BaseModel):
    """One failure to record. The store turns it into (or merges it into) a FailureRecord item."""

    conversation_id: str
    participant_id: str = UNRESOLVED_PARTICIPANT
    reason: FailureReason
    source: FailureSource
    message: str
    wrapup_code_id: str | None = None
    wrapup_code_name: str | None = None
    user_id: str | None = None
    queue_id: str | None = None
    http_status: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    context_id: str | None = None
    correlation_id: str | None = None
    occurred_at: datetime | None = Field(default=None)
    # What reporting groups by (every source fills what it knows): media type and direction in lower
    # case, and the conversation's end (the agent's end while the conversation goes on).
    media_type: str | None = None
    direction: str | None = None
    conversation_end: datetime | None = None
    found_code: str | None = None  # the placeholder code that was found (reason placeholder_code)


@dataclass(frozen=True)
class Subject:
    """Whose wrap-up a failure is about, and which code was intended: what every record carries."""

    conversation_id: str
    participant_id: str = UNRESOLVED_PARTICIPANT
    user_id: str | None = None
    queue_id: str | None = None
    wrapup_code_id: str | None = None
    wrapup_code_name: str | None = None
    media_type: str | None = None
    direction: str | None = None
    conversation_end: datetime | None = None

    def with_code(self, code_id: str | None, code_name: str | None) -> Subject:
        return replace(self, wrapup_code_id=code_id, wrapup_code_name=code_name or None)

    def seen_in(self, conversation: Conversation, participant: Participant | None) -> Subject:
        """Fill the reporting fields from the conversation as read (what the subject already has wins)."""
        ended = conversation.end_time or (participant.end_time if participant else None)
        return replace(
            self,
            media_type=self.media_type or (participant.media_type if participant else None),
            direction=self.direction or (participant.direction if participant else None),
            conversation_end=self.conversation_end or ended,
        )


def build_failure(
    subject: Subject,
    source: FailureSource,
    *,
    reason: FailureReason | None = None,
    message: str | None = None,
    error: UpstreamFailure | None = None,
    occurred_at: datetime | None = None,
    found_code: str | None = None,
) -> Failure:
    """The one way a Failure is built: from a decision (reason + message) or a Genesys error.

    With an error, the reason defaults to its classification and the record keeps the Genesys
    ErrorBody (code, message, contextId) and correlation id for the reviewer.
    """
    if reason is None:
        if error is None:
            raise ValueError("a failure needs a reason or a Genesys error")
        reason = error.reason
    failure = Failure(
        conversation_id=subject.conversation_id,
        participant_id=subject.participant_id,
        reason=reason,
        source=source,
        message=message or (error.description if error else reason.value),
        wrapup_code_id=subject.wrapup_code_id,
        wrapup_code_name=subject.wrapup_code_name,
        user_id=subject.user_id,
        queue_id=subject.queue_id,
        occurred_at=occurred_at,
        media_type=subject.media_type,
        direction=subject.direction,
        conversation_end=subject.conversation_end,
        found_code=found_code,
    )
    if error is not None:
        failure.http_status = error.status
        failure.error_code = error.error_code
        failure.error_message = error.error_message
        failure.context_id = error.context_id
        failure.correlation_id = error.correlation_id
    return failure


class FailureRecorder(Protocol):
    """The failure table (DynamoDB in AWS, in-memory in unit tests)."""

    def record(self, failure: Failure, *, deadline: Deadline) -> int:
        """Create or update the participant's failure item; return its attempt count."""
        ...

    def record_if_absent(self, failure: Failure, *, deadline: Deadline) -> bool:
        """Create the item only if the participant has none yet (late events)."""
        ...

    def resolve_open(
        self, conversation_id: str, participant_id: str, note: str, code_present: str, *, deadline: Deadline
    ) -> bool:
        """Resolve an open item now that `code_present` is set, if that settles it (same intended code,
        not a lost race or placeholder); False otherwise."""
        ...


def record_failure(
    recorder: FailureRecorder, failure: Failure, *, deadline: Deadline, only_if_absent: bool = False
) -> bool:
    """Write the failure record and log it: the one record-and-log path of every source.

    The write may use the deadline's reserve (`for_failure_write`): it is the last thing an
    invocation does. Returns False only when `only_if_absent` and the participant already had an
    item. If the write fails the exception propagates: the invocation fails (Lambda retry, DLQ)
    rather than losing it.
    """
    deadline = deadline.for_failure_write()
    if only_if_absent:
        if not recorder.record_if_absent(failure, deadline=deadline):
            return False
        attempts = 1
    else:
        attempts = recorder.record(failure, deadline=deadline)
    logger.warning(
        "wrap-up failure recorded",
        extra={
            "reason": failure.reason.value,
            "source": failure.source.value,
            "participant_id": failure.participant_id,
            "attempts": attempts,
            "http_status": failure.http_status,
            "genesys_error_code": failure.error_code,
        },
    )
    return True


def storage_failure(subject: Subject, source: FailureSource, error: StorageUnavailable) -> Failure:
    """wrapguard's own table failed (lease, staging, catalog...): a failure like any upstream one.

    `timeout` when the deadline left no time to try, `upstream_error` otherwise; the message names
    the table operation and AWS's error code, never what the adapter saw (it could hold item data).
    """
    timed_out = error.code == "DeadlineExceeded"
    why = "no time left" if timed_out else (error.code or "unavailable")
    return build_failure(
        subject,
        source,
        reason=FailureReason.TIMEOUT if timed_out else FailureReason.UPSTREAM_ERROR,
        message=f"wrapguard storage failed during {error.operation} ({why})",
    )
