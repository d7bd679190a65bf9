"""The domain's Genesys ports over `GenesysClient`: wire models and `GenesysError` in, domain values out.

The one place where Genesys' shapes (genesys/models.py, genesys/analytics.py) and errors
(genesys/errors.py) become what the domain reads (domain/model.py): a vendor field the rules need is
added here and in the domain value, never read by the domain from a wire model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ..domain.deadline import Deadline
from ..domain.model import (
    AfterCallWork,
    Communication,
    Conversation,
    ConversationDetails,
    DetailsPage,
    DetailsParticipant,
    DetailsSegment,
    DetailsSession,
    JobPage,
    Participant,
    UpstreamError,
    UpstreamFailure,
    UpstreamKind,
    WrapupCode,
    WrapupWrite,
)
from . import analytics as wire_analytics
from . import models as wire
from .analytics import AnalyticsApi
from .client import GenesysClient
from .errors import GenesysAuthError, GenesysBadResponseError, GenesysError, GenesysTimeoutError

T = TypeVar("T")

KIND_OF_STATUS: dict[int, UpstreamKind] = {
    400: UpstreamKind.REFUSED,
    401: UpstreamKind.UNAUTHORIZED,
    403: UpstreamKind.FORBIDDEN,
    404: UpstreamKind.NOT_FOUND,
    409: UpstreamKind.REFUSED,
    422: UpstreamKind.REFUSED,
    429: UpstreamKind.RATE_LIMITED,
}


def upstream_failure(error: GenesysError) -> UpstreamFailure:
    """The domain's account of a failed call: classified once, here, by type then status."""
    if isinstance(error, GenesysAuthError):
        kind = UpstreamKind.AUTH_REFUSED
    elif isinstance(error, GenesysTimeoutError) or error.status is None:
        kind = UpstreamKind.TIMEOUT
    elif isinstance(error, GenesysBadResponseError):
        kind = UpstreamKind.BAD_RESPONSE
    elif error.status >= 500:
        kind = UpstreamKind.SERVER_ERROR
    else:
        kind = KIND_OF_STATUS.get(error.status, UpstreamKind.OTHER)
    return UpstreamFailure(
        kind=kind,
        description=str(error),
        status=error.status,
        error_code=error.body.code,
        error_message=error.body.message,
        context_id=error.body.context_id,
        correlation_id=error.correlation_id,
        operation=error.operation,
    )


def _call(call: Callable[[], T]) -> T:
    """Run one client call; a GenesysError leaves as the domain's UpstreamError."""
    try:
        return call()
    except GenesysError as exc:
        raise UpstreamError(upstream_failure(exc)) from exc


# --- conversations ------------------------------------------------------------------------------
def communication_of(comm: wire.Communication) -> Communication:
    acw = comm.after_call_work
    return Communication(state=comm.state, after_call_work=AfterCallWork(acw.state) if acw is not None else None)


def participant_of(participant: wire.Participant) -> Participant:
    return Participant(
        id=participant.id,
        purpose=participant.purpose,
        user_id=participant.user_id,
        queue_id=participant.queue_id,
        start_time=participant.start_time,
        end_time=participant.end_time,
        start_acw_time=participant.start_acw_time,
        end_acw_time=participant.end_acw_time,
        wrapup_required=participant.wrapup_required,
        wrapup_skipped=participant.wrapup_skipped,
        wrapup_code_id=participant.wrapup_code_id,
        media_type=participant.media_type,
        direction=participant.direction,
        communications=tuple(communication_of(c) for c in participant.communications),
    )


def conversation_of(conversation: wire.Conversation) -> Conversation:
    return Conversation(
        id=conversation.id,
        end_time=conversation.end_time,
        participants=tuple(participant_of(p) for p in conversation.participants),
    )


def codes_of(codes: list[wire.WrapupCode]) -> list[WrapupCode]:
    return [WrapupCode(id=c.id, name=c.name) for c in codes]


class GenesysGateway:
    """The domain's GenesysPort."""

    def __init__(self, client: GenesysClient) -> None:
        self._client = client

    def get_conversation(self, conversation_id: str, *, deadline: Deadline) -> Conversation:
        return conversation_of(_call(lambda: self._client.get_conversation(conversation_id, deadline=deadline)))

    def apply_wrapup(
        self, conversation_id: str, participant_id: str, wrapup: WrapupWrite, *, deadline: Deadline
    ) -> None:
        body = wire.WrapupInput(code=wrapup.code_id, name=wrapup.code_name, notes=wrapup.notes)
        _call(lambda: self._client.apply_wrapup(conversation_id, participant_id, body, deadline=deadline))

    def participant_wrapup_codes(
        self, conversation_id: str, participant_id: str, *, deadline: Deadline
    ) -> list[WrapupCode]:
        return codes_of(
            _call(lambda: self._client.participant_wrapup_codes(conversation_id, participant_id, deadline=deadline))
        )

    def queue_wrapup_codes(self, queue_id: str, *, deadline: Deadline) -> list[WrapupCode]:
        return codes_of(_call(lambda: self._client.queue_wrapup_codes(queue_id, deadline=deadline)))

    def org_wrapup_codes(self, name: str, *, deadline: Deadline) -> list[WrapupCode]:
        return codes_of(_call(lambda: self._client.org_wrapup_codes(name, deadline=deadline)))


# --- analytics ----------------------------------------------------------------------------------
def details_of(conversation: wire_analytics.AnalyticsConversation) -> ConversationDetails:
    return ConversationDetails(
        conversation_id=conversation.conversation_id,
        conversation_start=conversation.conversation_start,
        conversation_end=conversation.conversation_end,
        participants=tuple(
            DetailsParticipant(
                participant_id=p.participant_id,
                purpose=p.purpose,
                user_id=p.user_id,
                sessions=tuple(
                    DetailsSession(
                        media_type=s.media_type,
                        direction=s.direction,
                        acw_skipped=bool(s.acw_skipped),
                        segments=tuple(
                            DetailsSegment(
                                segment_type=g.segment_type, queue_id=g.queue_id, wrap_up_code=g.wrap_up_code
                            )
                            for g in s.segments
                        ),
                    )
                    for s in p.sessions
                ),
            )
            for p in conversation.participants
        ),
    )


class AnalyticsGateway:
    """The reconciler's AnalyticsPort."""

    def __init__(self, api: AnalyticsApi) -> None:
        self._api = api

    @classmethod
    def over(cls, client: GenesysClient) -> AnalyticsGateway:
        return cls(AnalyticsApi(client))

    def query(self, interval: str, page_number: int, page_size: int, *, deadline: Deadline) -> DetailsPage:
        page = _call(lambda: self._api.query(interval, page_number, page_size, deadline=deadline))
        return DetailsPage(tuple(details_of(c) for c in page.conversations), page.total_hits)

    def create_job(self, interval: str, *, deadline: Deadline) -> str:
        return _call(lambda: self._api.create_job(interval, deadline=deadline))

    def job_state(self, job_id: str, *, deadline: Deadline) -> str:
        return _call(lambda: self._api.job_state(job_id, deadline=deadline)).state

    def job_results(self, job_id: str, cursor: str | None, page_size: int, *, deadline: Deadline) -> JobPage:
        results = _call(lambda: self._api.job_results(job_id, cursor, page_size, deadline=deadline))
        return JobPage(tuple(details_of(c) for c in results.conversations), results.cursor)
