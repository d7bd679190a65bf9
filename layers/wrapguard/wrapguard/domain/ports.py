"""The outside systems the domain logic talks to, as protocols (fakes in unit tests, real adapters in AWS)."""

from __future__ import annotations

from typing import Protocol

from ..genesys.models import Conversation, WrapupCode, WrapupInput
from .deadline import Deadline
from .failures import FailureRecorder
from .staging import StagedCode

__all__ = ["FailureRecorder", "GenesysPort", "StagedCodeStore"]


class GenesysPort(Protocol):
    def get_conversation(self, conversation_id: str, *, deadline: Deadline) -> Conversation: ...
    def apply_wrapup(
        self, conversation_id: str, participant_id: str, wrapup: WrapupInput, *, deadline: Deadline
    ) -> None: ...
    def participant_wrapup_codes(
        self, conversation_id: str, participant_id: str, *, deadline: Deadline
    ) -> list[WrapupCode]: ...
    def queue_wrapup_codes(self, queue_id: str, *, deadline: Deadline) -> list[WrapupCode]: ...
    def org_wrapup_codes(self, name: str, *, deadline: Deadline) -> list[WrapupCode]: ...


class StagedCodeStore(Protocol):
    def put(self, staged: StagedCode, *, deadline: Deadline) -> None: ...
    def find(
        self, conversation_id: str, participant_id: str, user_id: str | None, *, deadline: Deadline
    ) -> StagedCode | None: ...
    def delete(self, staged: StagedCode, *, deadline: Deadline) -> None: ...
