"""The failure store persists what domain/failure_rules.py decides, under real concurrency (local server)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from tests.support.aws import local_db
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.failure_rules import SPECIFIC_REASONS
from wrapguard.domain.failures import Failure, FailureReason, FailureSource, FailureStatus
from wrapguard.store.failures import FailureStore

pytestmark = pytest.mark.integration
CID, PID = "c0ffee00-0000-4000-8000-000000000001", "c0ffee00-0000-4000-8000-000000000002"


def failure(reason: FailureReason, code: str | None = None) -> Failure:
    return Failure(
        conversation_id=CID,
        participant_id=PID,
        reason=reason,
        source=FailureSource.DATA_ACTION,
        message=f"{reason.value} happened",
        wrapup_code_id=code,
        occurred_at=datetime.now(UTC),
    )


def test_concurrent_writers_end_in_what_the_rules_say(tables: dict[str, str]) -> None:
    """N threads (own clients, like separate containers) record different reasons for one participant."""
    reasons = [
        FailureReason.TIMEOUT,
        FailureReason.UPSTREAM_ERROR,
        FailureReason.WINDOW_CLOSED,
        FailureReason.RATE_LIMITED,
        FailureReason.INVALID_CODE,
        FailureReason.TIMEOUT,
        FailureReason.FORBIDDEN,
        FailureReason.UPSTREAM_ERROR,
    ]
    barrier = threading.Barrier(len(reasons))
    errors: list[BaseException] = []

    def record(reason: FailureReason, index: int) -> None:
        store = FailureStore(local_db(), tables["FailuresTable"])
        barrier.wait()
        try:
            # Only one writer (a decision) knows the intended code: every later one must keep it.
            code = "code-1" if reason is FailureReason.WINDOW_CLOSED else None
            store.record(failure(reason, code), deadline=Deadline.after(30))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=record, args=(r, i)) for i, r in enumerate(reasons)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    item = FailureStore(local_db(), tables["FailuresTable"]).get(CID, PID, deadline=Deadline.after(5))
    assert item is not None
    assert item["attempts"] == len(reasons)  # every repeat counted, none lost
    assert item["status"] == "open"
    # A specific reason was recorded, so no infrastructure reason may be the final one.
    assert FailureReason(item["reason"]) in SPECIFIC_REASONS
    assert item["reason"] in {"window_closed", "invalid_code"}
    assert item["message"] == f"{item['reason']} happened"  # details of the same write as the reason
    assert item["wrapupCodeId"] == "code-1"


def test_a_lost_intent_recorded_into_a_resolved_item_reopens_it(tables: dict[str, str]) -> None:
    """D4: never `status=resolved reason=superseded`, which `list` would not show."""
    store = FailureStore(local_db(), tables["FailuresTable"])
    deadline = Deadline.after(30)
    store.record(failure(FailureReason.TIMEOUT, "code-1"), deadline=deadline)
    assert store.resolve_open(CID, PID, "code applied", "code-1", deadline=deadline)
    store.record(failure(FailureReason.SUPERSEDED, "code-2"), deadline=deadline)
    item = store.get(CID, PID, deadline=deadline)
    assert item is not None
    assert (item["status"], item["reason"], item["wrapupCodeId"]) == ("open", "superseded", "code-2")
    open_items = list(store.by_status(FailureStatus.OPEN, deadline=deadline))
    assert [(i["conversationId"], i["participantId"]) for i in open_items] == [(CID, PID)]
    assert item["reviews"][-1]["status"] == "resolved"  # the earlier resolution stays in the history
