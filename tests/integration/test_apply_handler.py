"""ApplyWrapupFunction's real handler against the simulator (HTTP) and the local DynamoDB server."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import boto3
import pytest

from tests.support.world import CLIENT_SECRET, World
from wrapguard.contracts import InvalidInputError
from wrapguard_local.handlers import FakeLambdaContext, load_handler

pytestmark = pytest.mark.integration


@pytest.fixture
def handler(function_env: dict[str, Any]) -> Any:
    return load_handler("apply_wrapup")


def invoke(handler: Any, event: dict[str, Any]) -> dict[str, Any]:
    return handler.lambda_handler(event, FakeLambdaContext())  # type: ignore[no-any-return]


def failure_item(function_env: dict[str, Any], cid: str, pid: str) -> dict[str, Any] | None:
    table = boto3.resource("dynamodb").Table(function_env["FAILURES_TABLE_NAME"])
    return table.get_item(Key={"conversationId": cid, "participantId": pid}).get("Item")


def test_applied_then_already_applied(handler: Any, world: World, function_env: dict[str, Any]) -> None:
    cid, pid = world.call_in_acw()
    first = invoke(handler, {"conversationId": cid, "participantId": pid, "wrapupCodeId": world.resolved})
    second = invoke(handler, {"conversationId": cid, "participantId": pid, "wrapupCodeId": world.resolved})
    assert first["outcome"] == "applied"
    assert second["outcome"] == "already_applied"
    assert world.sim.apply_count(cid, pid) == 1
    assert failure_item(function_env, cid, pid) is None


def test_window_closed_is_returned_and_recorded(handler: Any, world: World, function_env: dict[str, Any]) -> None:
    cid, pid = world.call_in_acw()
    world.sim.complete_acw(cid, pid)
    for _ in range(2):
        result = invoke(handler, {"conversationId": cid, "participantId": pid, "wrapupCodeName": "Resolved"})
    assert result["outcome"] == "failed" and result["failureReason"] == "window_closed" and result["message"]
    item = failure_item(function_env, cid, pid)
    assert item is not None
    assert item["reason"] == "window_closed" and item["status"] == "open" and item["source"] == "data_action"
    assert item["attempts"] == 2
    assert item["wrapupCodeId"] == world.resolved and item["wrapupCodeName"] == "Resolved"
    assert item["firstSeen"] <= item["lastSeen"]
    assert int(item["expiresAt"]) > 0


def test_refused_apply_keeps_the_genesys_error_body(handler: Any, world: World, function_env: dict[str, Any]) -> None:
    cid, pid = world.call_in_acw()
    result = invoke(handler, {"conversationId": cid, "participantId": pid, "wrapupCodeId": world.sales})
    assert result["failureReason"] == "invalid_code"
    item = failure_item(function_env, cid, pid)
    assert item is not None
    assert item["httpStatus"] == 400 and item["errorCode"] and item["contextId"] and item["errorMessage"]


def test_malformed_input_raises_naming_the_field(handler: Any, world: World) -> None:
    with pytest.raises(InvalidInputError, match="participantId"):
        invoke(
            handler,
            {"conversationId": str(uuid.uuid4()), "participantId": "42", "wrapupCodeId": world.resolved},
        )


def test_no_secret_or_token_in_logs(handler: Any, world: World, capfd: pytest.CaptureFixture[str]) -> None:
    handler.logger.setLevel("DEBUG")  # the most verbose level must still hide secrets
    captured = io.StringIO()
    previous = handler.logger.registered_handler.setStream(captured)
    tokens: list[str] = []
    original = world.sim._h_oauth_token

    def spy(*args: Any) -> Any:
        response = original(*args)
        tokens.append(response.body["access_token"])
        return response

    world.sim._h_oauth_token = spy  # type: ignore[method-assign,assignment]
    cid, pid = world.call_in_acw()
    invoke(handler, {"conversationId": cid, "participantId": pid, "wrapupCodeId": world.resolved})
    world.sim.complete_acw(cid, pid)
    invoke(handler, {"conversationId": cid, "participantId": pid, "wrapupCodeId": world.escalated})
    handler.logger.registered_handler.setStream(previous)
    handler.logger.setLevel("INFO")
    out = capfd.readouterr()
    logs = captured.getvalue() + out.out + out.err
    assert tokens, "the handler should have fetched a token"
    assert cid in logs  # the logs are there, correlated by conversation
    assert CLIENT_SECRET not in logs
    assert all(token not in logs for token in tokens)


def test_emits_outcome_metrics(handler: Any, world: World, capfd: pytest.CaptureFixture[str]) -> None:
    cid, pid = world.call_in_acw()
    invoke(handler, {"conversationId": cid, "participantId": pid, "wrapupCodeId": world.resolved})
    world.sim.complete_acw(cid, pid)
    invoke(handler, {"conversationId": cid, "participantId": pid, "wrapupCodeId": world.escalated})
    lines = [json.loads(line) for line in capfd.readouterr().out.splitlines() if '"_aws"' in line]
    names = {m["Name"] for line in lines for d in line["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    assert {"WrapupApplied", "FailureRecorded", "FailureRecordedByReason"} <= names
    by_reason = [line for line in lines if "reason" in line]
    assert by_reason and by_reason[0]["reason"] == "window_closed"


def test_failure_write_error_fails_the_invocation(
    function_env: dict[str, Any], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAILURES_TABLE_NAME", "no-such-table")
    handler = load_handler("apply_wrapup")
    cid, pid = world.call_in_acw()
    world.sim.complete_acw(cid, pid)
    with pytest.raises(Exception, match=r"ResourceNotFound|not found|does not exist"):
        invoke(handler, {"conversationId": cid, "participantId": pid, "wrapupCodeId": world.resolved})


def test_setup_probe_touches_nothing(world: World, function_env: dict[str, Any], tables: dict[str, str]) -> None:
    """wrapguard-setup verify's probe: a well-formed answer, no Genesys call, no failure record."""
    from wrapguard.probe import PROBE_INPUT

    handler = load_handler("apply_wrapup")
    world.sim.reset_counters()
    answer = handler.lambda_handler(dict(PROBE_INPUT), FakeLambdaContext())
    assert answer["outcome"] == "failed" and answer["failureReason"] == "probe"
    assert sum(world.sim.counters.values()) == 0
    assert boto3.client("dynamodb").scan(TableName=tables["FailuresTable"])["Count"] == 0
