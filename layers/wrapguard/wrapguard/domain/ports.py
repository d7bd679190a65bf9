"""The outside systems the domain logic talks to, as protocols (fakes in unit tests, real adapters in AWS)."""

from __future__ import annotations

from typing import Protocol

from ..genesys.models import Conversation, WrapupCode, WrapupInput
from .failures import Failure
from .staging import StagedCode


class GenesysPort(Protocol):
    def get_conversation(self, conversation_id: str) -> Conversation: ...
    def apply_wrapup(self, conversation_id: str, participant_id: str, wrapup: WrapupInput) -> None: ...
    def participant_wrapup_codes(self, conversation_id: str, participant_id: str) -> list[WrapupCode]: ...
    def queue_wrapup_codes(self, queue_id: str) -> list[WrapupCode]: ...
    def org_wrapup_codes(self, name: str) -> list[WrapupCode]: ...


class FailureRecorder(Protocol):
    def record(self, failure: Failure) -> int:
        """Create or update the participant's failure item; return its attempt count."""
        ...

    def record_if_absent(self, failure: Failure) -> bool:
        """Create the item only if the participant has none yet (reconcile, late events)."""
        ...

    def resolve_open(self, conversation_id: str, participant_id: str, note: str) -> bool:
        """Mark an open item resolved (the code got applied after all); False if there was none."""
        ...


class StagedCodeStore(Protocol):
    def put(self, staged: StagedCode) -> None: ...
    def find(self, conversation_id: str, participant_id: str, user_id: str | None) -> StagedCode | None: ...
    def delete(self, staged: StagedCode) -> None: ...
