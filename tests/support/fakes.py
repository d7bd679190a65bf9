"""In-memory fakes behind the domain ports, for unit tests."""

from __future__ import annotations

import copy
from typing import Any

from wrapguard.domain.failures import Failure
from wrapguard.domain.reconcile import Checkpoint
from wrapguard.domain.staging import StagedCode, most_specific


class InMemoryFailures:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.fail_writes = False

    def record(self, failure: Failure) -> int:
        if self.fail_writes:
            raise RuntimeError("DynamoDB unavailable")
        key = (failure.conversation_id, failure.participant_id)
        item = self.items.setdefault(key, {"attempts": 0, "status": "open"})
        item.update(failure.model_dump(exclude_none=True), status="open")
        item["attempts"] += 1
        return int(item["attempts"])

    def record_if_absent(self, failure: Failure) -> bool:
        key = (failure.conversation_id, failure.participant_id)
        if key in self.items:
            return False
        self.items[key] = {**failure.model_dump(exclude_none=True), "attempts": 1, "status": "open"}
        return True

    def record_missing(self, failures: list[Failure]) -> int:
        return sum(self.record_if_absent(f) for f in failures)

    def resolve_open(self, conversation_id: str, participant_id: str, note: str) -> bool:
        item = self.items.get((conversation_id, participant_id))
        if item is None or item["status"] != "open":
            return False
        item.update(status="resolved", reviewNote=note)
        return True


class InMemoryCheckpoints:
    def __init__(self) -> None:
        self.saved = Checkpoint()
        self.saves = 0

    def load(self) -> Checkpoint:
        return copy.deepcopy(self.saved)

    def save(self, checkpoint: Checkpoint) -> None:
        self.saved = copy.deepcopy(checkpoint)
        self.saves += 1


class InMemoryStaging:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], StagedCode] = {}

    def put(self, staged: StagedCode) -> None:
        self.items[(staged.conversation_id, staged.target)] = staged

    def find(self, conversation_id: str, participant_id: str, user_id: str | None) -> StagedCode | None:
        candidates = [s for (cid, _), s in self.items.items() if cid == conversation_id]
        return most_specific(candidates, participant_id, user_id)

    def delete(self, staged: StagedCode) -> None:
        self.items.pop((staged.conversation_id, staged.target), None)
