"""Reconciler compliance counts over simulator data with known answers, in the local DynamoDB tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.support.world import World
from wrapguard.domain.reconcile import Reconciler
from wrapguard.genesys.analytics import AnalyticsApi
from wrapguard.settings import WRAPUP_TIMEOUT_CODE
from wrapguard.store.checkpoints import CheckpointTable
from wrapguard.store.compliance import ComplianceTable
from wrapguard.store.failures import FailureStore

pytestmark = pytest.mark.integration
MIDNIGHT = datetime(2026, 11, 25, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def call(world: World, queue: str, start: datetime, code: str | None, *, user: str = "agent-1") -> tuple[str, str]:
    """A call answered at `start`, ended 2 minutes later; after-call work ends a minute after that."""
    cid, pid = world.sim.new_call(queue, user, start=start)
    world.sim.agent_disconnect(cid, pid, at=start + timedelta(minutes=2))
    world.sim.complete_acw(cid, pid, agent_code=code, at=start + timedelta(minutes=3))
    return cid, pid


def reconciler(world: World, tables: dict[str, str], clock: Clock, placeholders: frozenset[str]) -> Reconciler:
    return Reconciler(
        analytics=AnalyticsApi(world.client()),
        failures=FailureStore(tables["FailuresTable"]),
        checkpoints=CheckpointTable(tables["ReconcileCheckpointTable"]),
        lookback=timedelta(hours=2),
        overlap=timedelta(minutes=15),
        now=clock,
        sleep=lambda _: None,
        placeholders=placeholders,
        compliance=ComplianceTable(tables["ComplianceTable"]),
    )


def figures(table: ComplianceTable, *, per_agent: bool = False) -> dict[tuple[str | None, ...], tuple[int, ...]]:
    return {
        (row.day, row.queue_id, row.user_id): (
            row.counts.checked,
            row.counts.coded,
            row.counts.missing,
            row.counts.placeholder,
        )
        for row in table.daily(date(2026, 11, 24), date(2026, 11, 25), per_agent=per_agent)
    }


def test_counts_per_queue_day_and_agent_once_across_overlapping_passes(world: World, tables: dict[str, str]) -> None:
    support, sales = world.support_queue, world.sales_queue
    # Ended on the 24th (UTC), support queue: coded, no code, only the timeout placeholder.
    call(world, support, MIDNIGHT - timedelta(minutes=50), world.resolved)
    missing = call(world, support, MIDNIGHT - timedelta(minutes=40), None)
    placeholder = call(world, support, MIDNIGHT - timedelta(minutes=30), WRAPUP_TIMEOUT_CODE, user="agent-2")
    # Ended on the 25th: a transfer (agent 1 on support codes, agent 2 on sales does not) ...
    start = MIDNIGHT + timedelta(minutes=1)
    cid, first = world.sim.new_call(support, "agent-1", start=start)
    second = world.sim.route_to_agent(cid, sales, "agent-2", at=start + timedelta(minutes=1))
    world.sim.agent_disconnect(cid, first, at=start + timedelta(minutes=2))
    world.sim.complete_acw(cid, first, agent_code=world.resolved, at=start + timedelta(minutes=3))
    world.sim.agent_disconnect(cid, second, at=start + timedelta(minutes=4))
    world.sim.complete_acw(cid, second, at=start + timedelta(minutes=5))
    # ... a coded sales call; and a long call, started first, still in progress (not counted yet: it
    # holds the watermark, so the next pass reads everything again).
    call(world, sales, MIDNIGHT + timedelta(minutes=5), world.sales, user="agent-2")
    running_cid, running_pid = world.sim.new_call(sales, "agent-1", start=MIDNIGHT - timedelta(minutes=55))

    clock = Clock(MIDNIGHT + timedelta(minutes=30))
    table = ComplianceTable(tables["ComplianceTable"])
    first_pass = reconciler(world, tables, clock, frozenset({WRAPUP_TIMEOUT_CODE})).run(lambda: 1e9)
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

    failures = FailureStore(tables["FailuresTable"])
    items = {(i["conversationId"], i["participantId"]): i for i in failures.scan()}
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
    second_pass = reconciler(world, tables, clock, frozenset({WRAPUP_TIMEOUT_CODE})).run(lambda: 1e9)
    assert second_pass.conversations == 6 and second_pass.counted.checked == 0 and second_pass.recorded == 0
    assert figures(table) == expected

    # The running call ends coded: exactly one more participant is counted.
    world.sim.agent_disconnect(running_cid, running_pid, at=clock.now)
    world.sim.complete_acw(running_cid, running_pid, agent_code=world.sales, at=clock.now + timedelta(minutes=1))
    clock.now += timedelta(minutes=15)
    third = reconciler(world, tables, clock, frozenset({WRAPUP_TIMEOUT_CODE})).run(lambda: 1e9)
    assert (third.counted.checked, third.counted.coded) == (1, 1)
    assert figures(table)[("2026-11-25", sales, None)] == (3, 2, 1, 0)


def test_no_placeholder_list_counts_the_timeout_code_as_coded(world: World, tables: dict[str, str]) -> None:
    call(world, world.support_queue, MIDNIGHT - timedelta(minutes=30), WRAPUP_TIMEOUT_CODE)
    report = reconciler(world, tables, Clock(MIDNIGHT), frozenset()).run(lambda: 1e9)
    assert (report.counted.checked, report.counted.coded, report.recorded) == (1, 1, 0)
    assert list(FailureStore(tables["FailuresTable"]).scan()) == []
