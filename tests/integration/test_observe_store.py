"""Observe mode's records against the local DynamoDB server: the observation on the failure item, a
later failure opening it (keeping the observation), and wouldApply/wouldFix counted once per
participant however many writers count at once."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.support.aws import local_db
from wrapguard.domain.compliance import CheckOutcome, ParticipantCheck
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.failures import FailureReason, FailureSource, FailureStatus, Observation, Subject, build_failure
from wrapguard.domain.reconcile import failure_of
from wrapguard.store.compliance import ComplianceTable
from wrapguard.store.failures import FailureStore

pytestmark = pytest.mark.integration
ENDED = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
FOREVER = Deadline.unbounded()


def observation(cid: str, pid: str, code: str = "code-1", queue: str = "q1") -> Observation:
    subject = Subject(cid, pid, "u1", queue, code, "Resolved", "voice", "inbound", ENDED)
    return Observation(subject, FailureSource.EVENTBRIDGE, ENDED + timedelta(minutes=1))


def would_figures(table: ComplianceTable) -> dict[str | None, tuple[int, int]]:
    rows = table.daily(date(2026, 11, 25), date(2026, 11, 25), deadline=FOREVER)
    return {r.queue_id: (r.counts.would_apply, r.counts.would_fix) for r in rows}


def test_an_observation_only_item_is_observed_and_a_later_failure_opens_it_keeping_the_observation(
    tables: dict[str, str],
) -> None:
    store = FailureStore(local_db(), tables["FailuresTable"])
    store.record_observation(observation("c1", "p1"), deadline=FOREVER)
    item = store.get("c1", "p1", deadline=FOREVER)
    assert item is not None and item["status"] == "observed" and "reason" not in item
    assert (item["observedCodeId"], item["observedCodeName"], item["observedSource"]) == (
        "code-1",
        "Resolved",
        "eventbridge",
    )
    listed = list(store.by_status(FailureStatus.OBSERVED, deadline=FOREVER))
    assert [(i["conversationId"], i["participantId"]) for i in listed] == [("c1", "p1")]

    missing = build_failure(
        Subject("c1", "p1", queue_id="q1"), FailureSource.EVENTBRIDGE, reason=FailureReason.MISSING_WRAPUP
    )
    store.record(missing, deadline=FOREVER)
    item = store.get("c1", "p1", deadline=FOREVER)
    assert item is not None and (item["status"], item["reason"], item["observedCodeId"]) == (
        "open",
        "missing_wrapup",
        "code-1",
    )
    # A later observation keeps the status it finds.
    store.record_observation(observation("c1", "p1", code="code-2"), deadline=FOREVER)
    item = store.get("c1", "p1", deadline=FOREVER)
    assert item is not None and (item["status"], item["observedCodeId"]) == ("open", "code-2")


def test_the_reconciler_replaces_an_observation_only_item_and_reads_which_participants_were_observed(
    tables: dict[str, str],
) -> None:
    store = FailureStore(local_db(), tables["FailuresTable"])
    store.record_observation(observation("c2", "p2"), deadline=FOREVER)
    checks = [
        ParticipantCheck(c, p, "u1", "q1", "voice", "inbound", ENDED, CheckOutcome.MISSING, None)
        for c, p in (("c2", "p2"), ("c3", "p3"))
    ]
    failures = [f for c in checks if (f := failure_of(c, ENDED)) is not None]
    assert store.observed_participants([("c2", "p2"), ("c3", "p3")], deadline=FOREVER) == {("c2", "p2")}
    assert store.record_missing(failures, deadline=FOREVER) == 2
    item = store.get("c2", "p2", deadline=FOREVER)
    assert item is not None and (item["status"], item["reason"], item["observedCodeId"]) == (
        "open",
        "missing_wrapup",
        "code-1",
    )
    assert store.record_missing(failures, deadline=FOREVER) == 0  # overlapping passes add nothing


def test_would_apply_and_would_fix_count_once_per_participant_under_concurrent_writers(tables: dict[str, str]) -> None:
    table = ComplianceTable(local_db(), tables["ComplianceTable"])
    counted: list[bool] = []
    lock = threading.Lock()

    def count(cid: str, pid: str) -> None:
        result = ComplianceTable(local_db(), tables["ComplianceTable"]).count_would_apply(
            observation(cid, pid), deadline=FOREVER
        )
        with lock:
            counted.append(result)

    # Six writers observe one participant, six others one participant each (all on one aggregate item).
    threads = [threading.Thread(target=count, args=("c-same", "p-same")) for _ in range(6)]
    threads += [threading.Thread(target=count, args=(f"c{i}", f"p{i}")) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(counted) == 7 and len(counted) == 12
    assert would_figures(table)["q1"] == (7, 0)

    check = ParticipantCheck("c-same", "p-same", "u1", "q1", "voice", "inbound", ENDED, CheckOutcome.MISSING, None)
    assert table.count_would_fix([check, check], deadline=FOREVER) == 1
    assert table.count_would_fix([check], deadline=FOREVER) == 0
    assert would_figures(table)["q1"] == (7, 1)
