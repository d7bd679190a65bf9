"""WrapupEventsFunction's real handler: simulator over HTTP, local DynamoDB (tables + idempotency), SQS DLQ."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.aws import local_db
from tests.support.world import World
from wrapguard.cli.redrive import redrive
from wrapguard.domain.deadline import Deadline
from wrapguard.eventbridge.processing import MalformedEventError
from wrapguard.store.failures import FailureStore
from wrapguard_local.fault_burst import FAST_CLIENT_ENV, run_burst
from wrapguard_local.handlers import FakeLambdaContext, load_handler

pytestmark = pytest.mark.integration
EVENTS = Path(__file__).resolve().parents[2] / "events"


@pytest.fixture
def events_fn(function_env: dict[str, Any]) -> Any:
    return load_handler("wrapup_events")


@pytest.fixture
def apply_fn(function_env: dict[str, Any]) -> Any:
    return load_handler("apply_wrapup")


@pytest.fixture
def failures(function_env: dict[str, Any]) -> FailureStore:
    return FailureStore(local_db(), function_env["FAILURES_TABLE_NAME"])


@pytest.fixture
def dlq(local_aws: str) -> tuple[Any, str]:
    sqs = boto3.client("sqs")
    return sqs, sqs.create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]


def stage(apply_fn: Any, cid: str, code_name: str) -> dict[str, Any]:
    return apply_fn.lambda_handler(  # type: ignore[no-any-return]
        {"conversationId": cid, "wrapupCodeName": code_name}, FakeLambdaContext()
    )


def test_stage_then_apply_then_verify(apply_fn: Any, events_fn: Any, world: World, failures: FailureStore) -> None:
    cid, pid = world.sim.new_call(world.support_queue)
    assert stage(apply_fn, cid, "Escalated")["outcome"] == "staged"
    (user_end,) = world.sim.agent_disconnect(cid, pid)
    assert events_fn.lambda_handler(user_end, FakeLambdaContext())["action"] == "applied"
    assert world.sim.applied_code(cid, pid) == world.escalated
    acw = world.sim.complete_acw(cid, pid)[-1]
    assert events_fn.lambda_handler(acw, FakeLambdaContext())["action"] == "verified"
    assert failures.for_conversation(cid, deadline=Deadline.unbounded()) == []


def test_duplicate_delivery_applies_and_records_once(
    apply_fn: Any, events_fn: Any, world: World, failures: FailureStore
) -> None:
    cid, pid = world.sim.new_call(world.support_queue)
    stage(apply_fn, cid, "Resolved")
    (user_end,) = world.sim.agent_disconnect(cid, pid)
    results = []
    for _ in range(3):
        redelivered = {**user_end, "id": str(uuid.uuid4())}  # same change, new EventBridge id
        results.append(events_fn.lambda_handler(redelivered, FakeLambdaContext()))
    assert [r["action"] for r in results] == ["applied"] * 3  # the saved result is replayed
    assert world.sim.counters["patch_participant"] == 1 and world.sim.apply_count(cid, pid) == 1

    other, other_pid = world.sim.new_call(world.support_queue)
    world.sim.agent_disconnect(other, other_pid)
    (acw,) = world.sim.skip_acw(other, other_pid)
    for _ in range(3):
        events_fn.lambda_handler(acw, FakeLambdaContext())
    (item,) = failures.for_conversation(other, deadline=Deadline.unbounded())
    assert item["reason"] == "missing_wrapup" and item["attempts"] == 1 and item["source"] == "eventbridge"


def test_reordered_events_record_once(events_fn: Any, apply_fn: Any, world: World, failures: FailureStore) -> None:
    cid, pid = world.sim.new_call(world.support_queue)
    stage(apply_fn, cid, "Resolved")
    (user_end,) = world.sim.agent_disconnect(cid, pid)
    (acw,) = world.sim.skip_acw(cid, pid)
    assert events_fn.lambda_handler(acw, FakeLambdaContext())["action"] == "missing_wrapup"
    assert events_fn.lambda_handler(user_end, FakeLambdaContext())["action"] == "already_recorded"
    (item,) = failures.for_conversation(cid, deadline=Deadline.unbounded())
    assert item["attempts"] == 1 and item["wrapupCodeId"] == world.resolved


def test_malformed_events(events_fn: Any, world: World, failures: FailureStore) -> None:
    cid, pid = world.sim.new_call(world.support_queue)
    event = world.sim.event(cid, pid, "user.end")
    event["detail"]["eventBody"]["participantId"] = pid
    event["detail"]["eventBody"]["eventTime"] = "yesterday"
    assert events_fn.lambda_handler(event, FakeLambdaContext())["action"] == "malformed_recorded"
    assert failures.get(cid, pid, deadline=Deadline.unbounded())["reason"] == "upstream_error"  # type: ignore[index]
    with pytest.raises(MalformedEventError):
        events_fn.lambda_handler({"detail": {"topicName": 42}}, FakeLambdaContext())


def test_sample_events_run_through_the_handler(events_fn: Any, world: World) -> None:
    for path in sorted(EVENTS.glob("eventbridge-*.json")):
        event = json.loads(path.read_text())
        body = event["detail"]["eventBody"]
        cid, pid = body["conversationId"], body["participantId"]
        if cid not in world.sim.conversations:
            world.sim.new_call(world.support_queue, conversation_id=cid, participant_id=pid)
            world.sim.agent_disconnect(cid, pid)
        result = events_fn.lambda_handler(event, FakeLambdaContext())
        assert result["conversationId"] == cid and result["action"]


def test_fault_burst_loses_nothing_and_applies_nothing_twice(
    function_env: dict[str, Any],
    world: World,
    failures: FailureStore,
    dlq: tuple[Any, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """200 conversations, every event delivered twice and shuffled, Genesys and DynamoDB faults at random."""
    for key, value in FAST_CLIENT_ENV.items():
        monkeypatch.setenv(key, value)
    sqs, queue_url = dlq
    report = run_burst(
        world.sim,
        queue_id=world.support_queue,
        code_id=world.resolved,
        code_name="Resolved",
        sqs=sqs,
        queue_url=queue_url,
        conversations=200,
    )
    print(f"\nburst: {report.as_dict()}")
    assert report.lost == [], f"lost: not applied, no failure record, no DLQ message: {report.lost}"
    assert report.applied_twice == 0
    assert sum(report.outcomes.values()) == 200
    assert report.outcomes["applied"] > 100  # faults are a minority; most conversations get their code
    assert report.outcomes["open_failure"] >= 10  # the always-failing ten at least
    assert report.dynamodb_throttled > 0 and report.dead_lettered_messages >= 10
    dead = report.dead_lettered_messages
    conversations = [(c.id, c.participants[-1].id) for c in world.sim.conversations.values()]

    events_fn = load_handler("wrapup_events")
    handle = lambda event: events_fn.lambda_handler(event, FakeLambdaContext())  # noqa: E731
    redriven = redrive(sqs, queue_url, handle)
    assert redriven.failed == 0 and redriven.redriven == dead
    assert all(world.sim.apply_count(cid, pid) <= 1 for cid, pid in conversations)
