"""FailureStore against the local DynamoDB server, with the table built from template.yaml."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.aws import local_db
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.failures import Failure, FailureReason, FailureSource, FailureStatus
from wrapguard.store.failures import FailureStore

pytestmark = pytest.mark.integration


def failure(cid: str, pid: str = "p1", reason: FailureReason = FailureReason.WINDOW_CLOSED, **extra: object) -> Failure:
    return Failure(
        conversation_id=cid,
        participant_id=pid,
        reason=reason,
        source=FailureSource.DATA_ACTION,
        message="m",
        **extra,
    )


@pytest.fixture
def clock() -> list[datetime]:
    return [datetime(2026, 11, 1, 12, 0, tzinfo=UTC)]


@pytest.fixture
def store(tables: dict[str, str], clock: list[datetime]) -> FailureStore:
    return FailureStore(local_db(), tables["FailuresTable"], ttl_days=30, now=lambda: clock[0])


def test_a_repeat_never_reopens_or_blurs_a_record(store: FailureStore, clock: list[datetime]) -> None:
    cid = str(uuid.uuid4())
    store.record(
        failure(cid, reason=FailureReason.TIMEOUT, wrapup_code_id="intended", user_id="agent"),
        deadline=Deadline.unbounded(),
    )
    store.record(
        failure(cid, reason=FailureReason.MISSING_WRAPUP), deadline=Deadline.unbounded()
    )  # more specific: replaces the timeout
    store.record(failure(cid, reason=FailureReason.UPSTREAM_ERROR, http_status=502), deadline=Deadline.unbounded())
    item = store.get(cid, "p1", deadline=Deadline.unbounded())
    assert item is not None and item["attempts"] == 3
    assert item["reason"] == "missing_wrapup" and "httpStatus" not in item  # the specific failure is kept
    assert item["wrapupCodeId"] == "intended" and item["userId"] == "agent"  # never dropped by a repeat
    assert store.set_status(
        cid, "p1", FailureStatus.RESOLVED, note="coded in CRM", reviewer="ana", deadline=Deadline.unbounded()
    )
    assert store.record(failure(cid, reason=FailureReason.WINDOW_CLOSED), deadline=Deadline.unbounded()) == 4
    item = store.get(cid, "p1", deadline=Deadline.unbounded())
    assert item is not None and item["status"] == "resolved" and item["reviewedBy"] == "ana"


def test_repeat_merges_into_one_item(store: FailureStore, clock: list[datetime]) -> None:
    cid = str(uuid.uuid4())
    assert (
        store.record(
            failure(cid, reason=FailureReason.TIMEOUT, error_code="x", context_id="c1"), deadline=Deadline.unbounded()
        )
        == 1
    )
    clock[0] += timedelta(minutes=5)
    assert (
        store.record(failure(cid, reason=FailureReason.RATE_LIMITED, http_status=429), deadline=Deadline.unbounded())
        == 2
    )
    items = store.for_conversation(cid, deadline=Deadline.unbounded())
    assert len(items) == 1
    item = items[0]
    assert item["attempts"] == 2 and item["reason"] == "rate_limited" and item["httpStatus"] == 429
    assert "errorCode" not in item and "contextId" not in item  # latest failure's details only
    assert item["firstSeen"] == "2026-11-01T12:00:00.000Z" and item["lastSeen"] == "2026-11-01T12:05:00.000Z"
    assert item["expiresAt"] == int((clock[0] + timedelta(days=30)).timestamp())


def test_record_if_absent_never_duplicates_or_reopens(store: FailureStore) -> None:
    cid = str(uuid.uuid4())
    assert store.record_if_absent(failure(cid, reason=FailureReason.MISSING_WRAPUP), deadline=Deadline.unbounded())
    assert (
        store.set_status(
            cid, "p1", FailureStatus.RESOLVED, note="coded in CRM", reviewer="ana", deadline=Deadline.unbounded()
        ).outcome
        == "updated"
    )
    assert not store.record_if_absent(failure(cid, reason=FailureReason.MISSING_WRAPUP), deadline=Deadline.unbounded())
    item = store.get(cid, "p1", deadline=Deadline.unbounded())
    assert item is not None and item["status"] == "resolved" and item["attempts"] == 1
    assert item["reviewNote"] == "coded in CRM" and item["reviewedBy"] == "ana"


def test_a_code_resolves_only_what_it_settles(store: FailureStore) -> None:
    cid = str(uuid.uuid4())
    store.record(failure(cid, pid="intent", wrapup_code_id="R"), deadline=Deadline.unbounded())
    store.record(
        failure(cid, pid="lost", reason=FailureReason.SUPERSEDED, wrapup_code_id="R"), deadline=Deadline.unbounded()
    )
    assert not store.resolve_open(
        cid, "intent", "another code was applied", "S", deadline=Deadline.unbounded()
    )  # R is still not applied
    assert not store.resolve_open(
        cid, "lost", "a code is present", "R", deadline=Deadline.unbounded()
    )  # a lost race stays for review
    assert store.resolve_open(cid, "intent", "applied later", "R", deadline=Deadline.unbounded())


def test_resolve_open_only_touches_open_items(store: FailureStore) -> None:
    cid = str(uuid.uuid4())
    assert not store.resolve_open(cid, "p1", "applied later", "code-x", deadline=Deadline.unbounded())
    store.record(failure(cid), deadline=Deadline.unbounded())
    assert store.resolve_open(cid, "p1", "applied later", "code-x", deadline=Deadline.unbounded())
    assert not store.resolve_open(cid, "p1", "again", "code-x", deadline=Deadline.unbounded())
    missing = store.set_status(
        str(uuid.uuid4()), "p1", FailureStatus.IGNORED, note="n", reviewer="r", deadline=Deadline.unbounded()
    )
    assert missing.outcome == "not_found"


def test_status_index_lists_newest_first_with_since_and_pages(store: FailureStore, clock: list[datetime]) -> None:
    ids = []
    for _ in range(7):
        cid = str(uuid.uuid4())
        ids.append(cid)
        store.record(failure(cid), deadline=Deadline.unbounded())
        clock[0] += timedelta(minutes=1)
    store.set_status(ids[3], "p1", FailureStatus.IGNORED, note="test call", reviewer="r", deadline=Deadline.unbounded())
    mine = set(ids)
    listed = [
        i["conversationId"]
        for i in store.by_status(FailureStatus.OPEN, page_size=2, deadline=Deadline.unbounded())
        if i["conversationId"] in mine
    ]
    assert listed == [c for c in reversed(ids) if c != ids[3]]
    since = datetime(2026, 11, 1, 12, 5, tzinfo=UTC)
    recent = [
        i["conversationId"]
        for i in store.by_status(FailureStatus.OPEN, since=since, deadline=Deadline.unbounded())
        if i["conversationId"] in mine
    ]
    assert recent == [ids[6], ids[5]]
    assert [i["conversationId"] for i in store.by_status(FailureStatus.IGNORED, deadline=Deadline.unbounded())] == [
        ids[3]
    ]


def test_reconcile_create_if_absent_never_overwrites_an_item_written_after_its_read(
    store: FailureStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = str(uuid.uuid4())
    # The data action records its intended code between the reconciler's BatchGetItem and its write.
    monkeypatch.setattr(store, "_existing_keys", lambda keys, deadline: set())
    store.record(
        failure(cid, reason=FailureReason.WINDOW_CLOSED, wrapup_code_id="intended"), deadline=Deadline.unbounded()
    )
    late = failure(cid, reason=FailureReason.MISSING_WRAPUP).model_copy(update={"source": FailureSource.RECONCILE})
    assert (
        store.record_missing(
            [late, failure(cid, pid="p2", reason=FailureReason.MISSING_WRAPUP)], deadline=Deadline.unbounded()
        )
        == 1
    )
    item = store.get(cid, "p1", deadline=Deadline.unbounded())
    assert item is not None and item["reason"] == "window_closed" and item["wrapupCodeId"] == "intended"
    assert store.get(cid, "p2", deadline=Deadline.unbounded()) is not None


def test_a_decision_replaces_an_open_infrastructure_error_but_nothing_else(store: FailureStore) -> None:
    cid = str(uuid.uuid4())
    store.record(
        failure(cid, reason=FailureReason.UPSTREAM_ERROR, http_status=503), deadline=Deadline.unbounded()
    )  # a first delivery's error
    assert store.record_if_absent(
        failure(cid, reason=FailureReason.WINDOW_CLOSED), deadline=Deadline.unbounded()
    )  # the retry's decision
    item = store.get(cid, "p1", deadline=Deadline.unbounded())
    assert item is not None and item["reason"] == "window_closed" and "httpStatus" not in item
    assert not store.record_if_absent(
        failure(cid, reason=FailureReason.MISSING_WRAPUP), deadline=Deadline.unbounded()
    )  # already decided
    assert not store.record_if_absent(failure(cid, reason=FailureReason.TIMEOUT), deadline=Deadline.unbounded())
    assert store.set_status(
        cid, "p1", FailureStatus.IGNORED, note="test call", reviewer="r", deadline=Deadline.unbounded()
    )
    other = str(uuid.uuid4())
    store.record(failure(other, reason=FailureReason.TIMEOUT), deadline=Deadline.unbounded())
    assert store.set_status(
        other, "p1", FailureStatus.RESOLVED, note="done", reviewer="r", deadline=Deadline.unbounded()
    )
    assert not store.record_if_absent(
        failure(other, reason=FailureReason.WINDOW_CLOSED), deadline=Deadline.unbounded()
    )  # reviewed: kept
