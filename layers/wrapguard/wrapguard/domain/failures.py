"""The closed set of failure reasons and the one place where errors are classified into them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from ..genesys.errors import GenesysAuthError, GenesysError, GenesysTimeoutError


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


def failure_from_error(
    error: GenesysError,
    *,
    conversation_id: str,
    participant_id: str,
    source: FailureSource,
    reason: FailureReason | None = None,
    message: str | None = None,
    wrapup_code_id: str | None = None,
    wrapup_code_name: str | None = None,
    user_id: str | None = None,
    queue_id: str | None = None,
) -> Failure:
    return Failure(
        conversation_id=conversation_id,
        participant_id=participant_id,
        reason=reason or reason_for_error(error),
        source=source,
        message=message or str(error),
        wrapup_code_id=wrapup_code_id,
        wrapup_code_name=wrapup_code_name,
        user_id=user_id,
        queue_id=queue_id,
        http_status=error.status,
        error_code=error.body.code,
        error_message=error.body.message,
        context_id=error.body.context_id,
        correlation_id=error.correlation_id,
    )
