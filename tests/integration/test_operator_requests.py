"""The deployed functions do the writing (issue 16, item 3): `retry` asks the data action, `redrive` the
events function, each by Lambda Invoke. The real handlers answer in-process (tests/support/lambda_invoke.py)
against the simulator and the local AWS server; the boto3 call itself is checked with botocore's Stubber."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from tests.support.aws import local_db
from tests.support.lambda_invoke import InProcessLambda
from tests.support.world import World
from wrapguard.cli import redrive as redrive_cli
from wrapguard.cli.invoke import invoker_for
from wrapguard.cli.review import main as review
from wrapguard.contracts import InvalidInputError
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.failures import Failure, FailureReason, FailureSource, FailureStatus
from wrapguard.store.failures import FailureStore
from wrapguard_local.handlers import FakeLambdaContext, load_handler

pytestmark = pytest.mark.integration
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:wg-ApplyWrapupFunction"
ALIAS = f"{FUNCTION}:live"
EVENTS_FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:wg-WrapupEventsFunction"


@pytest.fixture
def store(function_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> FailureStore:
    monkeypatch.setenv("WRAPGUARD_APPLY_FUNCTION", ALIAS)  # as the stack's ApplyWrapupFunctionAliasArn would
    return FailureStore(local_db(), function_env["FAILURES_TABLE_NAME"])


@pytest.fixture
def data_action(function_env: dict[str, Any]) -> InProcessLambda:
    return InProcessLambda({ALIAS: load_handler("apply_wrapup")})


def record(
    store: FailureStore, cid: str, pid: str, code: str | None, source: FailureSource = FailureSource.DATA_ACTION
) -> None:
    store.record(
        Failure(
            conversation_id=cid,
            participant_id=pid,
            reason=FailureReason.RATE_LIMITED,
            source=source,
            message="earlier attempt failed",
            wrapup_code_id=code,
        ),
        deadline=Deadline.unbounded(),
    )


def run(invoker: Any, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = review(list(argv), out=out, err=err, invoker=invoker)
    return code, out.getvalue(), err.getvalue()


def status(store: FailureStore, cid: str, pid: str) -> dict[str, Any]:
    item = store.get(cid, pid, deadline=Deadline.unbounded())
    assert item is not None
    return item


# --- retry ------------------------------------------------------------------------------------------
def test_retry_is_applied_by_the_data_action_inside_the_window_only(
    store: FailureStore, data_action: InProcessLambda, world: World
) -> None:
    cid, pid = world.call_in_acw()
    record(store, cid, pid, world.escalated)
    code, out, err = run(data_action, "--json", "retry", cid, "--by", "ana")
    assert code == 0, err
    (result,) = json.loads(out)["results"]
    assert result["outcome"] == "applied" and result["resolved"] is True
    assert world.sim.applied_code(cid, pid) == world.escalated
    item = status(store, cid, pid)
    assert item["status"] == "resolved" and item["reviewedBy"] == "ana"
    # One typed request to the live alias: the function's own deadline, lease and secret did the rest.
    ((function, qualifier, payload),) = data_action.calls
    assert (function, qualifier) == (FUNCTION, "live")
    assert payload == {
        "wrapguardOperation": "retry",
        "conversationId": cid,
        "participantId": pid,
        "codeId": world.escalated,
        "requestedBy": "ana",
        "force": False,
    }

    closed_cid, closed_pid = world.call_in_acw()
    world.sim.complete_acw(closed_cid, closed_pid)
    record(store, closed_cid, closed_pid, world.resolved)
    code, out, _ = run(data_action, "retry", closed_cid, closed_pid)
    assert code == 3 and "failed" in out
    item = status(store, closed_cid, closed_pid)
    assert item["reason"] == "window_closed" and item["status"] == "open"

    talking_cid, talking_pid = world.sim.new_call(world.support_queue)
    record(store, talking_cid, talking_pid, world.resolved)
    code, out, _ = run(data_action, "--json", "retry", talking_cid)
    assert code == 3
    assert json.loads(out)["results"][0]["outcome"] == "not_applied"  # reported, never staged
    assert world.sim.applied_code(talking_cid, talking_pid) is None


def test_a_function_error_is_one_line_and_exit_6(store: FailureStore, world: World) -> None:
    cid, pid = world.call_in_acw()
    record(store, cid, pid, world.escalated)
    # The alias points at the wrong code (a botched deploy): the function raises, Lambda answers FunctionError.
    misdeployed = InProcessLambda({ALIAS: load_handler("wrapup_events")})
    code, out, err = run(misdeployed, "retry", cid)
    assert code == 6 and out == ""
    (line,) = err.splitlines()
    assert line.startswith(f"wrapguard-review: {FUNCTION}: ") and "Traceback" not in err
    assert world.sim.applied_code(cid, pid) is None


def test_the_boto3_invoke_names_the_alias_and_sends_the_typed_request(store: FailureStore, world: World) -> None:
    cid, pid = world.call_in_acw()
    record(store, cid, pid, world.escalated)
    client = boto3.client("lambda", region_name="us-east-1")
    expected = {
        "FunctionName": FUNCTION,
        "Qualifier": "live",
        "InvocationType": "RequestResponse",
        "Payload": json.dumps(
            {
                "wrapguardOperation": "retry",
                "conversationId": cid,
                "participantId": pid,
                "codeName": "Resolved",
                "requestedBy": "ana",
                "force": True,
            }
        ).encode(),
    }
    answer = json.dumps({"conversationId": cid, "participantId": pid, "outcome": "applied", "resolved": True})
    error = json.dumps({"errorType": "InvalidInputError", "errorMessage": "Invalid input: codeName: too long"})
    with Stubber(client) as stub:
        stub.add_response("invoke", {"StatusCode": 200, "Payload": body(answer)}, expected)
        stub.add_response("invoke", {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": body(error)}, expected)
        args = ("retry", cid, pid, "--code-name", "Resolved", "--force", "--by", "ana")
        assert run(invoker_for(client), *args)[0] == 0
        code, _, err = run(invoker_for(client), *args)
        stub.assert_no_pending_responses()
    assert code == 6
    assert err.strip() == f"wrapguard-review: {FUNCTION}: InvalidInputError: Invalid input: codeName: too long"


def body(text: str) -> StreamingBody:
    return StreamingBody(io.BytesIO(text.encode()), len(text.encode()))


# --- the data action's operator path ---------------------------------------------------------------
def call(handler: Any, event: dict[str, Any]) -> dict[str, Any]:
    return handler.lambda_handler(event, FakeLambdaContext())  # type: ignore[no-any-return]


def test_the_data_action_validates_operator_requests_strictly(data_action: InProcessLambda) -> None:
    handler = data_action.functions[ALIAS]
    cid = str(uuid.uuid4())
    code = str(uuid.uuid4())
    base = {"wrapguardOperation": "retry", "conversationId": cid, "participantId": "unresolved", "requestedBy": "ana"}
    cases = {
        "extra": ({**base, "codeId": code, "wrapupCodeId": "secret-ish"}, "wrapupCodeId"),
        "operation": ({**base, "wrapguardOperation": "delete", "codeId": code}, "wrapguardOperation"),
        "codes": ({**base, "codeId": code, "codeName": "n"}, "codeId"),
        "uuid": ({**base, "conversationId": "not-a-uuid-xyz", "codeId": code}, "conversationId"),
        "force": ({**base, "codeId": code, "force": "yes"}, "force"),
        "code": ({**base, "codeId": "not-a-code-id"}, "codeId"),
        "who": ({k: v for k, v in base.items() if k != "requestedBy"} | {"codeId": code}, "requestedBy"),
    }
    for name, (event, field) in cases.items():
        with pytest.raises(InvalidInputError) as raised:
            call(handler, event)
        assert field in raised.value.fields, name
        assert "secret-ish" not in str(raised.value) and "not-a-uuid-xyz" not in str(raised.value)


def test_the_data_action_retries_only_what_a_reviewer_may(
    store: FailureStore, data_action: InProcessLambda, world: World
) -> None:
    handler = data_action.functions[ALIAS]
    cid, pid = world.call_in_acw()
    request = {
        "wrapguardOperation": "retry",
        "conversationId": cid,
        "participantId": pid,
        "codeId": world.resolved,
        "requestedBy": "ana",
    }
    assert call(handler, request)["outcome"] == "not_found"
    record(store, cid, pid, world.resolved, FailureSource.EVENTBRIDGE)
    store.set_status(cid, pid, FailureStatus.IGNORED, note="test call", reviewer="bo", deadline=Deadline.unbounded())
    assert call(handler, request)["outcome"] == "already_reviewed"
    assert world.sim.counters["patch_participant"] == 0
    forced = call(handler, {**request, "force": True})
    assert forced["outcome"] == "applied" and forced["resolved"] is True
    item = status(store, cid, pid)
    assert item["status"] == "resolved" and [r["by"] for r in item["reviews"]] == ["bo", "ana"]
    # A flow's request (no wrapguardOperation) is the data action contract, as before.
    assert (
        call(handler, {"conversationId": cid, "participantId": pid, "wrapupCodeId": world.resolved})["outcome"]
        == "already_applied"
    )


# --- redrive ----------------------------------------------------------------------------------------
@pytest.fixture
def dlq(function_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    monkeypatch.setenv("WRAPGUARD_DEAD_LETTER_QUEUE_URL", url)  # as the stack's outputs would
    monkeypatch.setenv("WRAPGUARD_EVENTS_FUNCTION", EVENTS_FUNCTION)
    return sqs, url


def dead_letter_user_end(world: World, sqs: Any, url: str, apply_handler: Any, *, destination: bool) -> tuple[str, str]:
    """A staged code whose user.end event was dead-lettered: by the rule (body = event) or by Lambda's
    on-failure destination (body = invocation record)."""
    cid, pid = world.sim.new_call(world.support_queue)
    assert call(apply_handler, {"conversationId": cid, "wrapupCodeName": "Escalated"})["outcome"] == "staged"
    (user_end,) = world.sim.agent_disconnect(cid, pid)
    message = (
        {"requestContext": {"condition": "RetriesExhausted"}, "requestPayload": user_end} if destination else user_end
    )
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(message))
    return cid, pid


def redrive(invoker: Any, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = redrive_cli.main(["--json", *argv], out=out, err=err, invoker=invoker)
    return code, out.getvalue(), err.getvalue()


def queue_depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_redrive_hands_each_event_to_the_function_and_deletes_it_on_success(
    dlq: tuple[Any, str], data_action: InProcessLambda, world: World
) -> None:
    sqs, url = dlq
    apply_handler = data_action.functions[ALIAS]
    calls = [dead_letter_user_end(world, sqs, url, apply_handler, destination=d) for d in (False, True)]
    sqs.send_message(QueueUrl=url, MessageBody="{not json")  # a message no function can take: stays
    events = InProcessLambda({EVENTS_FUNCTION: load_handler("wrapup_events")})
    code, out, err = redrive(events)
    assert code == 3, err
    assert json.loads(out) | {"errors": []} == {
        "received": 3, "redriven": 2, "failed": 1, "actions": {"applied": 2}, "errors": []
    }  # fmt: skip
    (error,) = json.loads(out)["errors"]
    assert error.endswith(": message body is not JSON")
    assert all(world.sim.applied_code(cid, pid) == world.escalated for cid, pid in calls)
    assert [function for function, _, _ in events.calls] == [EVENTS_FUNCTION, EVENTS_FUNCTION]
    assert queue_depth(sqs, url) == 1


def test_an_interrupted_redrive_leaves_nothing_that_blocks_the_event(
    dlq: tuple[Any, str], data_action: InProcessLambda, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqs, url = dlq
    monkeypatch.setattr(redrive_cli, "REDRIVE_VISIBILITY_SECONDS", 1)
    apply_handler = data_action.functions[ALIAS]
    calls = [dead_letter_user_end(world, sqs, url, apply_handler, destination=True) for _ in range(3)]
    events = InProcessLambda({EVENTS_FUNCTION: load_handler("wrapup_events")})

    def ctrl_c_while_waiting(function: str, qualifier: str | None, payload: dict[str, Any]) -> Any:
        answer = events(function, qualifier, payload)  # the function ran to its end, in Lambda
        if len(events.calls) == 2:
            raise KeyboardInterrupt  # ... and the operator pressed Ctrl-C before its answer arrived
        return answer

    code, out, err = redrive(ctrl_c_while_waiting)
    assert code == 130 and out == ""
    assert err.strip() == (
        "wrapguard-redrive: interrupted: received 2, redriven 1, failed again 0; the rest stay in the queue"
    )
    assert queue_depth(sqs, url) == 2  # the interrupted message and the one never received
    import time

    time.sleep(1.2)  # the interrupted message is visible again
    code, out, err = redrive(events)
    assert code == 0, err
    assert json.loads(out)["redriven"] == 2 and queue_depth(sqs, url) == 0
    for cid, pid in calls:  # each event's code applied, once: the second delivery found the first's record
        assert world.sim.applied_code(cid, pid) == world.escalated
        assert world.sim.apply_count(cid, pid) == 1
