"""Reconciler compliance counts over simulator data with known answers, in the local DynamoDB tables."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.support.aws import deadline_from, local_db
from tests.support.compliance import MIDNIGHT, Clock, call, reconciler, seed
from tests.support.world import World
from wrapguard.domain.deadline import Deadline
from wrapguard.settings import WRAPUP_TIMEOUT_CODE
from wrapguard.store.compliance import ComplianceTable
from wrapguard.store.failures import FailureStore

pytestmark = pytest.mark.integration


def figures(table: ComplianceTable, *, per_agent: bool = False) -> dict[tuple[str | None, ...], tuple[int, ...]]:
    return {
        (row.day, row.queue_id, row.user_id): (
            row.counts.checked,
            row.counts.coded,
            row.counts.missing,
            row.counts.placeholder,
        )
        for row in table.daily(
            date(2026, 11, 24), date(2026, 11, 25), per_agent=per_agent, deadline=Deadline.unbounded()
        )
    }


def test_counts_per_queue_day_and_agent_once_across_overlapping_passes(world: World, tables: dict[str, str]) -> None:
    support, sales = world.support_queue, world.sales_queue
    scenario = seed(world)
    missing, placeholder = scenario.missing, scenario.placeholder
    cid, _, second = scenario.transfer
    running_cid, running_pid = scenario.running

    clock = Clock(MIDNIGHT + timedelta(minutes=30))
    table = ComplianceTable(local_db(), tables["ComplianceTable"])
    first_pass = reconciler(world, tables, clock, frozenset({WRAPUP_TIMEOUT_CODE})).run(
        deadline=deadline_from(lambda: 1e9)
    )
    assert (first_pass.counted.checked, first_pass.counted.coded) == (6, 3)
    assert (first_pass.missing, first_pass.placeholder, first_pass.in_progress) == (3, 1, 1)
    assert first_pass.recorded_by_reason == {"missing_wrapup": 2, "placeholder_code": 1}
    expected = {
        ("2026-11-24", support, None): (3, 1, 1, 1),
        ("2026-11-25", support, None): (1, 1, 0, 0),
        ("2026-11-25", sales, None): (2, 1, 1, 0),
    }
    assert figures(table) == expected
    assert figures(table, per_agent=True) == {
        ("2026-11-24", support, "agent-1"): (2, 1, 1, 0),
        ("2026-11-24", support, "agent-2"): (1, 0, 0, 1),
        ("2026-11-25", support, "agent-1"): (1, 1, 0, 0),
        ("2026-11-25", sales, "agent-2"): (2, 1, 1, 0),
    }

    failures = FailureStore(local_db(), tables["FailuresTable"])
    items = {(i["conversationId"], i["participantId"]): i for i in failures.scan(deadline=Deadline.unbounded())}
    assert set(items) == {missing, placeholder, (cid, second)}
    found = items[placeholder]
    assert (found["reason"], found["foundCode"], found["userId"]) == (
        "placeholder_code",
        WRAPUP_TIMEOUT_CODE,
        "agent-2",
    )
    for item in items.values():
        assert (item["mediaType"], item["direction"], item["queueId"]) == ("voice", "inbound", item["queueId"])
        assert item["conversationEnd"].startswith(("2026-11-24T23:", "2026-11-25T00:"))
    assert items[(cid, second)]["queueId"] == sales

    # The next pass re-reads the same conversations (held watermark + overlap): nothing counted twice.
    clock.now += timedelta(minutes=15)
    second_pass = reconciler(world, tables, clock, frozenset({WRAPUP_TIMEOUT_CODE})).run(
        deadline=deadline_from(lambda: 1e9)
    )
    assert second_pass.conversations == 6 and second_pass.counted.checked == 0 and second_pass.recorded == 0
    assert figures(table) == expected

    # The running call ends coded: exactly one more participant is counted.
    world.sim.agent_disconnect(running_cid, running_pid, at=clock.now)
    world.sim.complete_acw(running_cid, running_pid, agent_code=world.sales, at=clock.now + timedelta(minutes=1))
    clock.now += timedelta(minutes=15)
    third = reconciler(world, tables, clock, frozenset({WRAPUP_TIMEOUT_CODE})).run(deadline=deadline_from(lambda: 1e9))
    assert (third.counted.checked, third.counted.coded) == (1, 1)
    assert figures(table)[("2026-11-25", sales, None)] == (3, 2, 1, 0)


def test_no_placeholder_list_counts_the_timeout_code_as_coded(world: World, tables: dict[str, str]) -> None:
    call(world, world.support_queue, MIDNIGHT - timedelta(minutes=30), WRAPUP_TIMEOUT_CODE)
    report = reconciler(world, tables, Clock(MIDNIGHT), frozenset()).run(deadline=deadline_from(lambda: 1e9))
    assert (report.counted.checked, report.counted.coded, report.recorded) == (1, 1, 0)
    assert list(FailureStore(local_db(), tables["FailuresTable"]).scan(deadline=Deadline.unbounded())) == []
