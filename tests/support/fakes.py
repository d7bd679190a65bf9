"""In-memory fakes behind the domain ports, for unit tests."""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from wrapguard.domain.deadline import Deadline
from wrapguard.domain.failure_rules import SPECIFIC_REASONS
from wrapguard.domain.failures import Failure
from wrapguard.domain.lease import LeaseState, ParticipantLeases
from wrapguard.domain.reconcile import Checkpoint
from wrapguard.domain.staging import StagedCode, most_specific


class InMemoryFailures:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.fail_writes = False

    def record(self, failure: Failure, *, deadline: Deadline) -> int:
        if self.fail_writes:
            raise RuntimeError("DynamoDB unavailable")
        key = (failure.conversation_id, failure.participant_id)
        item = self.items.setdefault(key, {"attempts": 0, "status": "open"})
        item["attempts"] += 1
        # Records only move forward, as in the DynamoDB store: status kept, specific reasons kept.
        if item.get("reason") in SPECIFIC_REASONS and failure.reason not in SPECIFIC_REASONS:
            return int(item["attempts"])
        item.update(failure.model_dump(exclude_none=True, exclude={"reason"}), reason=failure.reason)
        return int(item["attempts"])

    def record_if_absent(self, failure: Failure, *, deadline: Deadline) -> bool:
        key = (failure.conversation_id, failure.participant_id)
        existing = self.items.get(key)
        if existing is not None and (
            failure.reason not in SPECIFIC_REASONS
            or existing["status"] != "open"
            or existing.get("reason") in SPECIFIC_REASONS
        ):
            return False
        self.items[key] = {**failure.model_dump(exclude_none=True), "attempts": 1, "status": "open"}
        return True

    def record_missing(self, failures: list[Failure], *, deadline: Deadline) -> int:
        return sum(self.record_if_absent(f, deadline=deadline) for f in failures)

    def resolve_open(
        self, conversation_id: str, participant_id: str, note: str, code_present: str, *, deadline: Deadline
    ) -> bool:
        item = self.items.get((conversation_id, participant_id))
        if item is None or item["status"] != "open" or item.get("reason") in {"superseded", "placeholder_code"}:
            return False
        if item.get("wrapup_code_id") not in (None, code_present):
            return False
        item.update(status="resolved", reviewNote=note)
        return True


class InMemoryCheckpoints:
    def __init__(self) -> None:
        self.saved = Checkpoint()
        self.saves = 0

    def load(self, *, deadline: Deadline) -> Checkpoint:
        return copy.deepcopy(self.saved)

    def save(self, checkpoint: Checkpoint, *, deadline: Deadline) -> None:
        self.saved = copy.deepcopy(checkpoint)
        self.saves += 1


class InMemoryLeases:
    """The lease table's contract (conditional take, conditional release), thread-safe for race tests."""

    def __init__(self, clock: Any = time.time) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.clock = clock
        self._lock = threading.Lock()

    def try_acquire(self, key: str, holder: str, hold_seconds: float, *, deadline: Deadline) -> LeaseState | None:
        with self._lock:
            item = self.items.setdefault(key, {})
            if item.get("holder") and item["held_until"] >= self.clock():
                return None
            old = LeaseState(
                item.get("applied_code"), item.get("applied_by"), item.get("released_at"), bool(item.get("holder"))
            )
            item.update(holder=holder, held_until=self.clock() + hold_seconds)
            return old

    def release(
        self, key: str, holder: str, applied_code: str | None, applied_by: str | None, *, deadline: Deadline
    ) -> None:
        with self._lock:
            item = self.items.get(key, {})
            if item.get("holder") != holder:
                return
            item.update(holder=None, released_at=self.clock())
            if applied_code:
                item.update(applied_code=applied_code, applied_by=applied_by)


def leases(source: str = "data_action", store: InMemoryLeases | None = None) -> ParticipantLeases:
    return ParticipantLeases(store or InMemoryLeases(), source=source)


class InMemoryStaging:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], StagedCode] = {}

    def put(self, staged: StagedCode, *, deadline: Deadline) -> None:
        self.items[(staged.conversation_id, staged.target)] = staged

    def find(
        self, conversation_id: str, participant_id: str, user_id: str | None, *, deadline: Deadline
    ) -> StagedCode | None:
        candidates = [s for (cid, _), s in self.items.items() if cid == conversation_id]
        return most_specific(candidates, participant_id, user_id)

    def delete(self, staged: StagedCode, *, deadline: Deadline) -> None:
        self.items.pop((staged.conversation_id, staged.target), None)
