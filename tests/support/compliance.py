"""A day and a half of simulator traffic with known compliance answers, and a reconciler over it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tests.support.aws import local_db
from tests.support.world import World
from wrapguard.domain.reconcile import Reconciler
from wrapguard.genesys.analytics import AnalyticsApi
from wrapguard.genesys.gateway import AnalyticsGateway
from wrapguard.settings import WRAPUP_TIMEOUT_CODE
from wrapguard.store.checkpoints import CheckpointTable
from wrapguard.store.compliance import ComplianceTable
from wrapguard.store.failures import FailureStore

MIDNIGHT = datetime(2026, 11, 25, tzinfo=UTC)
AGENT_1, AGENT_2 = "agent-1", "agent-2"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Scenario:
    missing: tuple[str, str]
    placeholder: tuple[str, str]
    transfer: tuple[str, str, str]  # conversation, first agent (coded), second agent (no code)
    running: tuple[str, str]


def call(world: World, queue: str, start: datetime, code: str | None, *, user: str = AGENT_1) -> tuple[str, str]:
    """A call answered at `start`, ended 2 minutes later; after-call work ends a minute after that."""
    cid, pid = world.sim.new_call(queue, user, start=start)
    world.sim.agent_disconnect(cid, pid, at=start + timedelta(minutes=2))
    world.sim.complete_acw(cid, pid, agent_code=code, at=start + timedelta(minutes=3))
    return cid, pid


def seed(world: World) -> Scenario:
    """Known answers (UTC days), with placeholders = {ININ-WRAP-UP-TIMEOUT}:
    2026-11-24 support: checked 3, coded 1, missing 1, placeholder 1 (agent 1: 2/1/1/0, agent 2: 1/0/0/1)
    2026-11-25 support: 1, 1, 0, 0 (agent 1); sales: 2, 1, 1, 0 (agent 2: the transfer's second leg + a coded call)
    plus a call still running (started first, on sales, agent 1)."""
    support, sales = world.support_queue, world.sales_queue
    world.sim.queue_names.update({support: "Support", sales: "Sales"})
    world.sim.user_names.update({AGENT_1: "Ana Agent", AGENT_2: "Bo Agent"})
    call(world, support, MIDNIGHT - timedelta(minutes=50), world.resolved)
    missing = call(world, support, MIDNIGHT - timedelta(minutes=40), None)
    placeholder = call(world, support, MIDNIGHT - timedelta(minutes=30), WRAPUP_TIMEOUT_CODE, user=AGENT_2)
    start = MIDNIGHT + timedelta(minutes=1)
    cid, first = world.sim.new_call(support, AGENT_1, start=start)
    second = world.sim.route_to_agent(cid, sales, AGENT_2, at=start + timedelta(minutes=1))
    world.sim.agent_disconnect(cid, first, at=start + timedelta(minutes=2))
    world.sim.complete_acw(cid, first, agent_code=world.resolved, at=start + timedelta(minutes=3))
    world.sim.agent_disconnect(cid, second, at=start + timedelta(minutes=4))
    world.sim.complete_acw(cid, second, at=start + timedelta(minutes=5))
    call(world, sales, MIDNIGHT + timedelta(minutes=5), world.sales, user=AGENT_2)
    running = world.sim.new_call(sales, AGENT_1, start=MIDNIGHT - timedelta(minutes=55))
    return Scenario(missing, placeholder, (cid, first, second), running)


def reconciler(world: World, tables: dict[str, str], clock: Clock, placeholders: frozenset[str]) -> Reconciler:
    return Reconciler(
        analytics=AnalyticsGateway(AnalyticsApi(world.client())),
        failures=FailureStore(local_db(), tables["FailuresTable"]),
        checkpoints=CheckpointTable(local_db(), tables["ReconcileCheckpointTable"]),
        lookback=timedelta(hours=2),
        overlap=timedelta(minutes=15),
        now=clock,
        sleep=lambda _: None,
        placeholders=placeholders,
        compliance=ComplianceTable(local_db(), tables["ComplianceTable"]),
    )
