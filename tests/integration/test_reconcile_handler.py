"""ReconcileFunction's real handler: analytics from the simulator, checkpoint and failures in local DynamoDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.aws import local_db
from tests.support.world import World, ended_call
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.failures import FailureStatus
from wrapguard.store.checkpoints import CheckpointTable
from wrapguard.store.failures import FailureStore
from wrapguard_local.handlers import FakeLambdaContext, load_handler

pytestmark = pytest.mark.integration


def test_reconcile_records_once_and_keeps_reviews(function_env: dict[str, Any], world: World) -> None:
    now = datetime.now(UTC)
    start = now - timedelta(minutes=50)
    missing = {ended_call(world, start + timedelta(seconds=7 * i), coded=False) for i in range(60)}
    for i in range(60):
        ended_call(world, start + timedelta(seconds=7 * i + 3), coded=True)
    world.sim.new_call(world.support_queue, start=start)  # still in progress

    handler = load_handler("reconcile")
    first = handler.lambda_handler({}, FakeLambdaContext())
    assert first["status"] == "complete" and first["recorded"] == 60 and first["in_progress"] == 1
    store = FailureStore(local_db(), function_env["FAILURES_TABLE_NAME"])
    items = list(store.scan(deadline=Deadline.unbounded()))
    assert {(i["conversationId"], i["participantId"]) for i in items} == missing
    assert all(i["reason"] == "missing_wrapup" and i["source"] == "reconcile" for i in items)

    cid, pid = next(iter(missing))
    store.set_status(
        cid, pid, FailureStatus.RESOLVED, note="coded in CRM", reviewer="ana", deadline=Deadline.unbounded()
    )
    second = load_handler("reconcile").lambda_handler({}, FakeLambdaContext())  # a new container, same checkpoint
    assert second["recorded"] == 0 and second["missing"] == 60  # re-read through the overlap, nothing new
    assert len(list(store.scan(deadline=Deadline.unbounded()))) == 60
    assert store.get(cid, pid, deadline=Deadline.unbounded())["status"] == "resolved"  # type: ignore[index]
    checkpoint = CheckpointTable(local_db(), function_env["CHECKPOINT_TABLE_NAME"]).load(deadline=Deadline.unbounded())
    assert checkpoint.interval is None and checkpoint.watermark is not None
    assert checkpoint.watermark <= start + timedelta(minutes=15)  # held for the call still in progress
