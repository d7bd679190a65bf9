"""Analytics conversation details (docs/genesys-api-notes.md s7): the sync query and the async jobs API."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import Field

from ..domain.deadline import Deadline
from .models import GenesysModel

if TYPE_CHECKING:
    from .client import GenesysClient


class AnalyticsSegment(GenesysModel):
    segment_type: str | None = Field(default=None, alias="segmentType")
    segment_start: datetime | None = Field(default=None, alias="segmentStart")
    segment_end: datetime | None = Field(default=None, alias="segmentEnd")
    queue_id: str | None = Field(default=None, alias="queueId")
    wrap_up_code: str | None = Field(default=None, alias="wrapUpCode")
    wrap_up_note: str | None = Field(default=None, alias="wrapUpNote")
    disconnect_type: str | None = Field(default=None, alias="disconnectType")


class AnalyticsSession(GenesysModel):
    session_id: str | None = Field(default=None, alias="sessionId")
    media_type: str | None = Field(default=None, alias="mediaType")
    direction: str | None = None
    acw_skipped: bool | None = Field(default=None, alias="acwSkipped")
    segments: list[AnalyticsSegment] = Field(default_factory=list)


class AnalyticsParticipant(GenesysModel):
    participant_id: str = Field(alias="participantId")
    purpose: str | None = None
    user_id: str | None = Field(default=None, alias="userId")
    sessions: list[AnalyticsSession] = Field(default_factory=list)


class AnalyticsConversation(GenesysModel):
    conversation_id: str = Field(alias="conversationId")
    conversation_start: datetime | None = Field(default=None, alias="conversationStart")
    conversation_end: datetime | None = Field(default=None, alias="conversationEnd")
    participants: list[AnalyticsParticipant] = Field(default_factory=list)


class DetailsQueryResponse(GenesysModel):
    # An empty page may omit `conversations` (assumption: treat absence as empty).
    conversations: list[AnalyticsConversation] = Field(default_factory=list)
    total_hits: int | None = Field(default=None, alias="totalHits")


class AsyncJob(GenesysModel):
    job_id: str = Field(alias="jobId")


class AsyncJobStatus(GenesysModel):
    state: str  # QUEUED | PENDING | FAILED | CANCELLED | FULFILLED | EXPIRED
    error_message: str | None = Field(default=None, alias="errorMessage")


class AsyncJobResults(GenesysModel):
    conversations: list[AnalyticsConversation] = Field(default_factory=list)
    cursor: str | None = None


def details_query(interval: str, page_number: int, page_size: int) -> dict[str, Any]:
    """Oldest first, so that a checkpointed page number stays meaningful across runs."""
    return {
        "interval": interval,
        "order": "asc",
        "orderBy": "conversationStart",
        "paging": {"pageSize": page_size, "pageNumber": page_number},
    }


class AnalyticsApi:
    """Thin typed wrapper over the client's parsed GET/POST (same auth, retries and errors; a 2xx
    body that does not parse is a GenesysBadResponseError that quotes nothing of it)."""

    BASE = "/api/v2/analytics/conversations/details"

    def __init__(self, client: GenesysClient) -> None:
        self._client = client

    def query(self, interval: str, page_number: int, page_size: int, *, deadline: Deadline) -> DetailsQueryResponse:
        body = details_query(interval, page_number, page_size)
        return self._client.post_parsed(
            "analytics_query", f"{self.BASE}/query", body, DetailsQueryResponse.model_validate_json, deadline=deadline
        )

    def create_job(self, interval: str, *, deadline: Deadline) -> str:
        body = {"interval": interval, "order": "asc", "orderBy": "conversationStart"}
        job = self._client.post_parsed(
            "analytics_job_create", f"{self.BASE}/jobs", body, AsyncJob.model_validate_json, deadline=deadline
        )
        return job.job_id

    def job_state(self, job_id: str, *, deadline: Deadline) -> AsyncJobStatus:
        return self._client.get_parsed(
            "analytics_job_status", f"{self.BASE}/jobs/{job_id}", AsyncJobStatus.model_validate_json, deadline=deadline
        )

    def job_results(self, job_id: str, cursor: str | None, page_size: int, *, deadline: Deadline) -> AsyncJobResults:
        params: dict[str, Any] = {"pageSize": page_size}
        if cursor:
            params["cursor"] = cursor
        return self._client.get_parsed(
            "analytics_job_results",
            f"{self.BASE}/jobs/{job_id}/results",
            AsyncJobResults.model_validate_json,
            params,
            deadline=deadline,
        )
