"""In-memory fakes behind the domain ports, for unit tests."""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from wrapguard.domain.deadline import Deadline
from wrapguard.domain.errors import StorageUnavailable
from wrapguard.domain.failure_rules import RecordState, merge, replaces_if_absent, settled_by_code
from wrapguard.domain.failures import Failure, FailureStatus
from wrapguard.domain.lease import LeaseState, ParticipantLeases
from wrapguard.domain.reconcile import Checkpoint
from wrapguard.domain.staging import StagedCode, most_specific


def deadline() -> Deadline:
    """A deadline for unit tests that do not test time."""
    return Deadline.unbounded()


def unavailable(operation: str, code: str = "AccessDeniedException") -> StorageUnavailable:
    """What a store adapter raises when its table cannot be used (AccessDenied, throttling, no time...)."""
    return StorageUnavailable(f"DynamoDB {operation} failed ({code})", operation=operation, code=code)


class InMemoryFailures:
    """The failure table; `fail_writes` makes every write raise StorageUnavailable. The deadline each
    write was given is kept, so tests can check that records may use the failure-write reserve."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.fail_writes = False
        self.deadlines: list[Deadline] = []

    def _write(self, operation: str, deadline: Deadline) -> None:
        self.deadlines.append(deadline)
        if self.fail_writes:
            raise unavailable(operation)

    def record(self, failure: Failure, *, deadline: Deadline) -> int:
        self._write("failures.record", deadline)
        key = (failure.conversation_id, failure.participant_id)
        existing = self.items.get(key)
        # Records only move forward: the same pure rules the DynamoDB store applies.
        write = merge(_state(existing), failure.reason)
        item = self.items.setdefault(key, {"attempts": 0})
        item["attempts"] += 1
        item["status"] = write.status.value
        if write.take_details:
            item.update(failure.model_dump(exclude_none=True, exclude={"reason"}), reason=failure.reason)
        return int(item["attempts"])

    def record_if_absent(self, failure: Failure, *, deadline: Deadline) -> bool:
        self._write("failures.record_if_absent", deadline)
        key = (failure.conversation_id, failure.participant_id)
        if not replaces_if_absent(_state(self.items.get(key)), failure.reason):
            return False
        self.items[key] = {**failure.model_dump(exclude_none=True), "attempts": 1, "status": "open"}
        return True

    def record_missing(self, failures: list[Failure], *, deadline: Deadline) -> int:
        return sum(self.record_if_absent(f, deadline=deadline) for f in failures)

    def resolve_open(
        self, conversation_id: str, participant_id: str, note: str, code_present: str, *, deadline: Deadline
    ) -> bool:
        self._write("failures.resolve_open", deadline)
        item = self.items.get((conversation_id, participant_id))
        if item is None or not settled_by_code(_state(item), code_present):
            return False
        item.update(status="resolved", reviewNote=note)
        return True


def _state(item: dict[str, Any] | None) -> RecordState | None:
    if item is None:
        return None
    reason = item.get("reason")
    return RecordState(
        status=FailureStatus(item["status"]),
        reason=None if reason is None else str(getattr(reason, "value", reason)),
        wrapup_code_id=item.get("wrapup_code_id"),
    )


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
        self.fail: StorageUnavailable | None = None  # raised by every acquire (AccessDenied, throttling...)

    def try_acquire(self, key: str, holder: str, hold_seconds: float, *, deadline: Deadline) -> LeaseState | None:
        if self.fail is not None:
            raise self.fail
        with self._lock:
            item = self.items.setdefault(key, {})
            if item.get("holder") and item["held_until"] >= self.clock() and item["holder"] != holder:
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
        self.fail: StorageUnavailable | None = None  # raised by every call

    def put(self, staged: StagedCode, *, deadline: Deadline) -> None:
        if self.fail is not None:
            raise self.fail
        self.items[(staged.conversation_id, staged.target)] = staged

    def find(
        self, conversation_id: str, participant_id: str, user_id: str | None, *, deadline: Deadline
    ) -> StagedCode | None:
        if self.fail is not None:
            raise self.fail
        candidates = [s for (cid, _), s in self.items.items() if cid == conversation_id]
        return most_specific(candidates, participant_id, user_id)

    def delete(self, staged: StagedCode, *, deadline: Deadline) -> None:
        self.items.pop((staged.conversation_id, staged.target), None)
