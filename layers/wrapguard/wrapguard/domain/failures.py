"""The closed set of failure reasons and the one place where errors are classified into them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from aws_lambda_powertools import Logger
from pydantic import BaseModel, Field

from .. import SERVICE
from ..genesys.errors import GenesysAuthError, GenesysError, GenesysTimeoutError
from ..genesys.models import Conversation, Participant
from .deadline import Deadline

logger = Logger(service=SERVICE, child=True)


class FailureReason(StrEnum):
    WINDOW_CLOSED = "window_closed"
    INVALID_CODE = "invalid_code"
    NOT_FOUND = "not_found"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    RATE_LIMITED = "rate_limited"
    UPSTREAM_ERROR = "upstream_error"
    TIMEOUT = "timeout"
    MISSING_WRAPUP = "missing_wrapup"
    # The request lost to a code another writer applied first in the same window (not replaced).
    SUPERSEDED = "superseded"
    PLACEHOLDER_CODE = "placeholder_code"  # only a placeholder/system code (docs/genesys-api-notes.md s13)


class FailureSource(StrEnum):
    DATA_ACTION = "data_action"
    EVENTBRIDGE = "eventbridge"
    RECONCILE = "reconcile"
    REVIEW = "review"


class FailureStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    IGNORED = "ignored"


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


def reason_for_error(error: GenesysError) -> FailureReason:
    """Map a Genesys error to a reason by status alone.

    400/409 from an apply are *not* decided here: the platform's exact status and code for a closed
    window are unpublished (docs/genesys-api-notes.md s3, s11), so the apply logic re-reads the conversation.
    """
    if isinstance(error, GenesysTimeoutError) or error.status is None:
        return FailureReason.TIMEOUT
    if isinstance(error, GenesysAuthError) or error.status == 401:
        return FailureReason.UNAUTHORIZED
    if error.status == 403:
        return FailureReason.FORBIDDEN
    if error.status == 404:
        return FailureReason.NOT_FOUND
    if error.status == 429:
        return FailureReason.RATE_LIMITED
    return FailureReason.UPSTREAM_ERROR


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
    error: GenesysError | None = None,
    occurred_at: datetime | None = None,
    found_code: str | None = None,
) -> Failure:
    """The one way a Failure is built: from a decision (reason + message) or a Genesys error.

    With an error, the reason defaults to its status classification and the record keeps the
    Genesys ErrorBody (code, message, contextId) and correlation id for the reviewer.
    """
    if reason is None:
        if error is None:
            raise ValueError("a failure needs a reason or a Genesys error")
        reason = reason_for_error(error)
    failure = Failure(
        conversation_id=subject.conversation_id,
        participant_id=subject.participant_id,
        reason=reason,
        source=source,
        message=message or (str(error) if error else reason.value),
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
        failure.error_code = error.body.code
        failure.error_message = error.body.message
        failure.context_id = error.body.context_id
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
    recorder: FailureRecorder, failure: Failure, *, only_if_absent: bool = False, deadline: Deadline
) -> bool:
    """Write the failure record and log it: the one record-and-log path of every source.

    Returns False only when `only_if_absent` and the participant already had an item. If the write
    fails the exception propagates: the invocation fails (Lambda retry, DLQ) rather than losing it.
    """
    if only_if_absent:
        if not recorder.record_if_absent(failure, deadline=deadline.for_failure_write()):
            return False
        attempts = 1
    else:
        attempts = recorder.record(failure, deadline=deadline.for_failure_write())
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
