"""The outside systems the domain logic talks to, as protocols (fakes in unit tests, real adapters in AWS).

Every method that does I/O takes the invocation's `deadline` (keyword-only) and answers in domain
values; the Genesys port raises `UpstreamError` (a domain value inside) when a call fails, the store
ports `StorageUnavailable`.
"""

from __future__ import annotations

from typing import Protocol

from .deadline import Deadline
from .failures import FailureRecorder
from .model import Conversation, DetailsPage, JobPage, WrapupCode, WrapupWrite
from .staging import StagedCode

__all__ = ["AnalyticsPort", "FailureRecorder", "GenesysPort", "StagedCodeStore"]


class GenesysPort(Protocol):
    def get_conversation(self, conversation_id: str, *, deadline: Deadline) -> Conversation: ...
    def apply_wrapup(
        self, conversation_id: str, participant_id: str, wrapup: WrapupWrite, *, deadline: Deadline
    ) -> None: ...
    def participant_wrapup_codes(
        self, conversation_id: str, participant_id: str, *, deadline: Deadline
    ) -> list[WrapupCode]: ...
    def queue_wrapup_codes(self, queue_id: str, *, deadline: Deadline) -> list[WrapupCode]: ...
    def org_wrapup_codes(self, name: str, *, deadline: Deadline) -> list[WrapupCode]: ...


class AnalyticsPort(Protocol):
    """Analytics conversation details: the sync query and the async jobs API (docs/genesys-api-notes.md s7)."""

    def query(self, interval: str, page_number: int, page_size: int, *, deadline: Deadline) -> DetailsPage: ...
    def create_job(self, interval: str, *, deadline: Deadline) -> str: ...
    def job_state(self, job_id: str, *, deadline: Deadline) -> str:
        """QUEUED | PENDING | FAILED | CANCELLED | FULFILLED | EXPIRED"""
        ...

    def job_results(self, job_id: str, cursor: str | None, page_size: int, *, deadline: Deadline) -> JobPage: ...


class StagedCodeStore(Protocol):
    def put(self, staged: StagedCode, *, deadline: Deadline) -> None: ...
    def find(
        self, conversation_id: str, participant_id: str, user_id: str | None, *, deadline: Deadline
    ) -> StagedCode | None: ...
    def delete(self, staged: StagedCode, *, deadline: Deadline) -> None: ...
