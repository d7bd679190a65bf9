"""The domain's own nouns: what a conversation, a participant and a wrap-up code are to wrapguard.

Adapters translate wire shapes into these at the edge (genesys/gateway.py for Genesys, the handler
for the data action's contract), so the rules in domain/ read only what they need and never change
when a vendor model or the Lambda contract grows a field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


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


# --- Genesys refusals and failures --------------------------------------------------------------
class UpstreamKind(StrEnum):
    """Why a Genesys call did not give an answer the domain can use (the gateway decides which)."""

    TIMEOUT = "timeout"  # no answer in time (after the client's bounded retries)
    AUTH_REFUSED = "auth_refused"  # the OAuth grant was refused: the credentials are wrong
    UNAUTHORIZED = "unauthorized"  # 401 although the token was just fetched again
    FORBIDDEN = "forbidden"  # 403
    NOT_FOUND = "not_found"  # 404
    RATE_LIMITED = "rate_limited"  # 429 after the client's retries
    REFUSED = "refused"  # 400/409/422: the request was refused for a reason Genesys does not publish
    SERVER_ERROR = "server_error"  # 5xx
    BAD_RESPONSE = "bad_response"  # a 2xx whose body is not what the API documents
    OTHER = "other"  # any other non-2xx


# Kinds after which a write may or may not have taken effect (the PATCH is re-read, never resent blindly).
OUTCOME_UNKNOWN_KINDS = frozenset({UpstreamKind.TIMEOUT, UpstreamKind.SERVER_ERROR})

REASON_OF_KIND: dict[UpstreamKind, FailureReason] = {
    UpstreamKind.TIMEOUT: FailureReason.TIMEOUT,
    UpstreamKind.AUTH_REFUSED: FailureReason.UNAUTHORIZED,
    UpstreamKind.UNAUTHORIZED: FailureReason.UNAUTHORIZED,
    UpstreamKind.FORBIDDEN: FailureReason.FORBIDDEN,
    UpstreamKind.NOT_FOUND: FailureReason.NOT_FOUND,
    UpstreamKind.RATE_LIMITED: FailureReason.RATE_LIMITED,
    UpstreamKind.REFUSED: FailureReason.UPSTREAM_ERROR,
    UpstreamKind.SERVER_ERROR: FailureReason.UPSTREAM_ERROR,
    UpstreamKind.BAD_RESPONSE: FailureReason.UPSTREAM_ERROR,
    UpstreamKind.OTHER: FailureReason.UPSTREAM_ERROR,
}


@dataclass(frozen=True)
class UpstreamFailure:
    """A Genesys call that failed, as the failure record keeps it: never a secret, never a raw body.

    `description` is the adapter's one-line account; `error_code`/`error_message`/`context_id` are
    Genesys' parsed ErrorBody, kept verbatim for the reviewer.
    """

    kind: UpstreamKind
    description: str
    status: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    context_id: str | None = None
    correlation_id: str | None = None
    retry_after: float | None = None
    operation: str = ""

    @property
    def reason(self) -> FailureReason:
        """Classified by kind alone. A refused apply (REFUSED) is *not* decided here: the platform's
        status for a closed window is unpublished (docs/genesys-api-notes.md s3, s11), so the writer
        re-reads the participant."""
        return REASON_OF_KIND[self.kind]

    @property
    def outcome_unknown(self) -> bool:
        """No answer, or a server error: a write may or may not have taken effect."""
        return self.kind in OUTCOME_UNKNOWN_KINDS


class UpstreamError(Exception):
    """Raised by the Genesys port when a call failed; the domain answers with `failure`."""

    def __init__(self, failure: UpstreamFailure) -> None:
        super().__init__(failure.description)
        self.failure = failure


# --- conversations, as the wrap-up rules read them -------------------------------------------
@dataclass(frozen=True)
class AfterCallWork:
    state: str | None = None  # unknown | notApplicable | skipped | pending | complete


@dataclass(frozen=True)
class Communication:
    """One media communication of a participant: only what the window rules read."""

    state: str | None = None  # alerting | connected | disconnected | terminated | ...
    after_call_work: AfterCallWork | None = None  # None: no after-call work session started


@dataclass(frozen=True)
class Participant:
    id: str
    purpose: str | None = None
    user_id: str | None = None
    queue_id: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    start_acw_time: datetime | None = None
    end_acw_time: datetime | None = None
    wrapup_required: bool | None = None
    wrapup_skipped: bool | None = None
    wrapup_code_id: str | None = None  # the code currently set (participant's, else latest communication's)
    media_type: str | None = None  # lower case, as analytics names it (voice, chat, email...)
    direction: str | None = None  # lower case (inbound, outbound)
    communications: tuple[Communication, ...] = ()

    @property
    def is_agent(self) -> bool:
        # ACD-routed agents have purpose "agent"; agent-initiated interactions show the agent as "user"
        # (a purpose other people's user participants share, so that one must carry a userId).
        return self.purpose == "agent" or (self.purpose == "user" and self.user_id is not None)


@dataclass(frozen=True)
class Conversation:
    id: str
    end_time: datetime | None = None
    participants: tuple[Participant, ...] = ()

    def participant(self, participant_id: str) -> Participant | None:
        return next((p for p in self.participants if p.id == participant_id), None)


@dataclass(frozen=True)
class WrapupCode:
    id: str
    name: str


@dataclass(frozen=True)
class WrapupWrite:
    """What is written to a participant: the code's id (Genesys judges it), its name, the notes."""

    code_id: str
    code_name: str | None = None
    notes: str | None = None


# --- the data action's request and result ------------------------------------------------------
class Outcome(StrEnum):
    APPLIED = "applied"
    ALREADY_APPLIED = "already_applied"
    STAGED = "staged"
    # Another writer set a different code in this window first; wrapguard never replaces its own
    # code (docs: README "Precedence"). The winning code says which code Genesys holds.
    SUPERSEDED = "superseded"
    FAILED = "failed"


@dataclass(frozen=True)
class ApplyRequest:
    """What the data action asks: a code (id or name) for a conversation's agent participant."""

    conversation_id: str
    participant_id: str | None = None
    user_id: str | None = None
    wrapup_code_id: str | None = None
    wrapup_code_name: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class ApplyResult:
    outcome: Outcome
    conversation_id: str
    participant_id: str | None = None
    wrapup_code_id: str | None = None
    wrapup_code_name: str | None = None
    winning_code_id: str | None = None
    winning_code_name: str | None = None
    failure_reason: FailureReason | None = None
    message: str | None = None


@dataclass(frozen=True)
class NotAnAgent:
    """The request named a participant that takes no wrap-up (customer, IVR, ACD): the caller passed
    the wrong id. Nothing was written or recorded; the contract layer rejects it as bad input."""

    participant_id: str
    purpose: str | None


# --- analytics conversation details (the reconciler's input) -----------------------------------
@dataclass(frozen=True)
class DetailsSegment:
    segment_type: str | None = None
    queue_id: str | None = None
    wrap_up_code: str | None = None


@dataclass(frozen=True)
class DetailsSession:
    media_type: str | None = None
    direction: str | None = None
    acw_skipped: bool = False
    segments: tuple[DetailsSegment, ...] = ()


@dataclass(frozen=True)
class DetailsParticipant:
    participant_id: str
    purpose: str | None = None
    user_id: str | None = None
    sessions: tuple[DetailsSession, ...] = ()


@dataclass(frozen=True)
class ConversationDetails:
    """One conversation as analytics reports it (docs/genesys-api-notes.md s7)."""

    conversation_id: str
    conversation_start: datetime | None = None
    conversation_end: datetime | None = None
    participants: tuple[DetailsParticipant, ...] = ()


@dataclass(frozen=True)
class DetailsPage:
    """One page of the sync details query."""

    conversations: tuple[ConversationDetails, ...] = ()
    total_hits: int | None = None


@dataclass(frozen=True)
class JobPage:
    """One page of an async details job's results; `cursor` None on the last page."""

    conversations: tuple[ConversationDetails, ...] = ()
    cursor: str | None = None
