"""Reviews on the failure table under interleaving: a decision is never overwritten without --force,
and no reviewer's history entry is lost (local DynamoDB server, table from template.yaml)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.aws import local_db
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.failures import Failure, FailureReason, FailureSource, FailureStatus
from wrapguard.store.failures import FailureStore, ReviewOutcome, ReviewResult

pytestmark = pytest.mark.integration


@pytest.fixture
def store(tables: dict[str, str]) -> FailureStore:
    return FailureStore(local_db(), tables["FailuresTable"])


def open_item(store: FailureStore) -> tuple[str, str]:
    cid, pid = str(uuid.uuid4()), str(uuid.uuid4())
    store.record(
        Failure(
            conversation_id=cid,
            participant_id=pid,
            reason=FailureReason.TIMEOUT,
            source=FailureSource.EVENTBRIDGE,
            message="m",
        ),
        deadline=Deadline.unbounded(),
    )
    return cid, pid


class RacedStore(FailureStore):
    """A store whose first read is followed by a rival reviewer's write, before its own write:
    the interleaving two reviewers (or the event path and a reviewer) produce in production.

    Deterministic, so the interleaving that matters happens every run; the threaded tests below
    check the same rules under real concurrency.
    """

    def __init__(self, table_name: str, rival: Callable[[], object]) -> None:
        super().__init__(local_db(), table_name)
        self.rival: Callable[[], object] | None = rival
        self.reads = 0

    def get(self, conversation_id: str, participant_id: str, *, deadline: Deadline) -> dict[str, Any] | None:
        item = super().get(conversation_id, participant_id, deadline=deadline)
        self.reads += 1
        if self.rival:
            rival, self.rival = self.rival, None
            rival()
        return item


def rival_review(store: FailureStore, key: tuple[str, str], *, force: bool) -> Callable[[], object]:
    return lambda: store.set_status(
        *key, FailureStatus.IGNORED, note="test call", reviewer="rival", force=force, deadline=Deadline.unbounded()
    )


def test_a_review_that_loses_the_race_to_an_open_item_is_refused(store: FailureStore) -> None:
    key = open_item(store)
    raced = RacedStore(store.table_name, rival_review(store, key, force=False))
    result = raced.set_status(
        *key, FailureStatus.RESOLVED, note="coded in CRM", reviewer="ana", deadline=Deadline.unbounded()
    )
    assert result.outcome is ReviewOutcome.ALREADY_REVIEWED and raced.reads == 2
    assert result.review is not None and (result.review.status, result.review.by) == ("ignored", "rival")
    item = store.get(*key, deadline=Deadline.unbounded())
    assert item is not None and item["status"] == "ignored" and item["reviewedBy"] == "rival"
    assert [r["by"] for r in item["reviews"]] == ["rival"]


def test_a_forced_review_that_loses_the_race_keeps_both_entries(store: FailureStore) -> None:
    key = open_item(store)
    store.set_status(*key, FailureStatus.RESOLVED, note="first", reviewer="ana", deadline=Deadline.unbounded())
    raced = RacedStore(store.table_name, rival_review(store, key, force=True))
    result = raced.set_status(
        *key, FailureStatus.RESOLVED, note="coded after all", reviewer="bo", force=True, deadline=Deadline.unbounded()
    )
    assert result.outcome is ReviewOutcome.UPDATED and raced.reads == 2
    item = store.get(*key, deadline=Deadline.unbounded())
    assert item is not None and (item["status"], item["reviewedBy"]) == ("resolved", "bo")
    assert [r["by"] for r in item["reviews"]] == ["ana", "rival", "bo"]


def test_the_event_path_loses_to_a_reviewer_between_its_read_and_write(store: FailureStore) -> None:
    key = open_item(store)
    raced = RacedStore(store.table_name, rival_review(store, key, force=False))
    assert not raced.resolve_open(*key, "applied later", "code-x", deadline=Deadline.unbounded())
    item = store.get(*key, deadline=Deadline.unbounded())
    assert item is not None and item["status"] == "ignored" and item["reviewedBy"] == "rival"


def test_the_event_path_resolve_open_never_overrides_a_reviewer(store: FailureStore) -> None:
    key = open_item(store)
    assert (
        store.set_status(
            *key, FailureStatus.IGNORED, note="test call", reviewer="ana", deadline=Deadline.unbounded()
        ).outcome
        == "updated"
    )
    assert not store.resolve_open(*key, "applied later", "code-x", deadline=Deadline.unbounded())
    item = store.get(*key, deadline=Deadline.unbounded())
    assert item is not None and item["status"] == "ignored" and len(item["reviews"]) == 1


def race(store: FailureStore, key: tuple[str, str], reviewers: int, *, force: bool) -> list[ReviewResult]:
    barrier = threading.Barrier(reviewers)
    results: list[ReviewResult] = []

    def review(n: int) -> None:
        barrier.wait()
        status = FailureStatus.RESOLVED if n % 2 else FailureStatus.IGNORED
        results.append(
            store.set_status(
                *key, status, note=f"note {n}", reviewer=f"r{n}", force=force, deadline=Deadline.unbounded()
            )
        )

    threads = [threading.Thread(target=review, args=(n,)) for n in range(reviewers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("trial", range(5))
def test_concurrent_reviewers_of_an_open_item_exactly_one_wins(store: FailureStore, trial: int) -> None:
    key = open_item(store)
    results = race(store, key, 6, force=False)
    assert Counter(r.outcome for r in results) == {ReviewOutcome.UPDATED: 1, ReviewOutcome.ALREADY_REVIEWED: 5}
    winner = next(r.review for r in results if r.outcome is ReviewOutcome.UPDATED)
    item = store.get(*key, deadline=Deadline.unbounded())
    assert item is not None and winner is not None
    assert (item["status"], item["reviewedBy"], item["reviewNote"]) == (winner.status, winner.by, winner.note)
    assert [r["by"] for r in item["reviews"]] == [winner.by]


def test_concurrent_forced_reviews_all_land_in_the_history(store: FailureStore) -> None:
    key = open_item(store)
    results = race(store, key, 6, force=True)
    assert all(r.outcome is ReviewOutcome.UPDATED for r in results)
    item = store.get(*key, deadline=Deadline.unbounded())
    assert item is not None
    assert sorted(r["by"] for r in item["reviews"]) == [f"r{n}" for n in range(6)]
    last = item["reviews"][-1]
    assert (item["reviewedBy"], item["status"], item["reviewNote"]) == (last["by"], last["status"], last["note"])
