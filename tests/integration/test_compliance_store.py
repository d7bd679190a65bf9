"""ComplianceTable against the local DynamoDB server: counted once, moved when the outcome changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.support.aws import local_db
from wrapguard.domain.compliance import CheckOutcome, ParticipantCheck
from wrapguard.domain.deadline import Deadline
from wrapguard.store.compliance import ComplianceTable

pytestmark = pytest.mark.integration
ENDED = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)


def check(
    n: int, outcome: CheckOutcome, *, queue: str = "q1", user: str = "u1", ended: datetime = ENDED
) -> ParticipantCheck:
    return ParticipantCheck(f"c{n}", f"p{n}", user, queue, "voice", "inbound", ended, outcome, None)


def figures(
    table: ComplianceTable, *, per_agent: bool = False
) -> dict[tuple[str, str | None, str | None], tuple[int, ...]]:
    rows = table.daily(date(2026, 11, 24), date(2026, 11, 27), per_agent=per_agent, deadline=Deadline.unbounded())
    return {
        (r.day, r.queue_id, r.user_id): (r.counts.checked, r.counts.coded, r.counts.missing, r.counts.placeholder)
        for r in rows
    }


def test_counts_once_across_overlapping_batches_and_moves_changed_outcomes(tables: dict[str, str]) -> None:
    table = ComplianceTable(local_db(), tables["ComplianceTable"])
    first = [
        check(1, CheckOutcome.CODED),
        check(2, CheckOutcome.MISSING),
        check(3, CheckOutcome.PLACEHOLDER, user="u2"),
    ]
    result = table.record(first, deadline=Deadline.unbounded())
    assert len(result.new) == 3 and result.unchanged == 0
    # The next pass re-reads c2 and c3 (overlap) and one new conversation on the next day.
    next_day = check(4, CheckOutcome.CODED, queue="q2", ended=ENDED + timedelta(hours=1))
    again = table.record([first[1], first[2], next_day], deadline=Deadline.unbounded())
    assert [c.conversation_id for c in again.new] == ["c4"] and again.unchanged == 2
    assert figures(table) == {
        ("2026-11-25", "q1", None): (3, 1, 1, 1),
        ("2026-11-26", "q2", None): (1, 1, 0, 0),
    }
    # c2's wrap-up segment reaches analytics late: it moves from missing to coded, not counted twice.
    moved = table.record([replace(first[1], outcome=CheckOutcome.CODED, code="k")], deadline=Deadline.unbounded())
    assert moved.changed == 1 and moved.new == []
    assert figures(table)[("2026-11-25", "q1", None)] == (3, 2, 0, 1)
    assert figures(table, per_agent=True) == {
        ("2026-11-25", "q1", "u1"): (2, 2, 0, 0),
        ("2026-11-25", "q1", "u2"): (1, 0, 0, 1),
        ("2026-11-26", "q2", "u1"): (1, 1, 0, 0),
    }


def test_a_writer_that_loses_the_race_re_reads_instead_of_counting_again(tables: dict[str, str]) -> None:
    """Writer A reads (nothing counted), writer B counts the same participants, then A writes: A's
    conditional transaction is cancelled, A re-reads and finds them counted. (Run in sequence: the
    local server does not make transactions atomic under real concurrency; DynamoDB does.)"""
    checks = [check(i, CheckOutcome.CODED if i % 3 else CheckOutcome.MISSING) for i in range(6)]
    a, b = (
        ComplianceTable(local_db(), tables["ComplianceTable"]),
        ComplianceTable(local_db(), tables["ComplianceTable"]),
    )
    read = a._counted

    def read_then_lose(keys: list[tuple[str, str]], deadline: Deadline) -> dict[tuple[str, str], str]:
        found = read(keys, deadline)
        if len(keys) > 1:  # A's batch read: B writes right after it
            assert len(b.record(checks, deadline=Deadline.unbounded()).new) == 6
        return found

    a._counted = read_then_lose  # type: ignore[method-assign]
    result = a.record(checks, deadline=Deadline.unbounded())
    assert result.new == [] and result.unchanged == 6
    assert figures(a) == {("2026-11-25", "q1", None): (6, 4, 2, 0)}
