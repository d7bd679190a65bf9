"""The lease's DynamoDB client over httpx: answers classified, throttling retried, time bounded."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from pydantic import SecretStr

from tests.support.fakes import InMemoryLeases
from wrapguard.secretsmanager import StaticCredentials
from wrapguard.store import dynamo
from wrapguard.store.lease_http import DirectLeaseTable, DynamoDBRequestError, FallbackLeaseTable


def table(handler: Callable[[httpx.Request], httpx.Response]) -> DirectLeaseTable:
    return DirectLeaseTable(
        table_name="leases",
        credentials=StaticCredentials("AKIDEXAMPLE", SecretStr("secret-never-shown"), None, "us-east-1"),
        endpoint="https://dynamodb.us-east-1.amazonaws.com",
        sleep=lambda _: None,
        http=httpx.Client(transport=httpx.MockTransport(handler)),
    )


def aws_error(code: str, status: int = 400) -> httpx.Response:
    return httpx.Response(status, json={"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "m"})


def test_acquire_is_a_signed_conditional_update_returning_the_old_item() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        old = {"appliedCode": {"S": "code-1"}, "appliedBy": {"S": "data_action"}, "releasedAt": {"N": "1500"}}
        return httpx.Response(200, json={"Attributes": old})

    state = table(answer).try_acquire("c#p", "me", 10)
    assert state is not None and state.applied_code == "code-1" and state.released_at == 1.5
    body = json.loads(seen[0].content)
    assert seen[0].headers["x-amz-target"] == "DynamoDB_20120810.UpdateItem"
    assert seen[0].headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert body["ConditionExpression"] == "attribute_not_exists(holder) OR heldUntil < :now"
    assert body["Key"] == {"leaseKey": {"S": "c#p"}} and body["ReturnValues"] == "ALL_OLD"


def test_a_held_lease_is_none_and_throttling_is_retried() -> None:
    answers = [aws_error("ProvisionedThroughputExceededException"), aws_error("ConditionalCheckFailedException")]
    assert table(lambda _: answers.pop(0)).try_acquire("c#p", "me", 10) is None
    assert answers == []


def test_unparsable_and_refused_answers_raise_without_quoting_them() -> None:
    html = table(lambda _: httpx.Response(200, text="<html>secret-token-abc</html>"))
    with pytest.raises(DynamoDBRequestError) as raised:
        html.try_acquire("c#p", "me", 10)
    assert "secret-token-abc" not in str(raised.value)
    with pytest.raises(DynamoDBRequestError, match="AccessDeniedException"):
        table(lambda _: aws_error("AccessDeniedException")).try_acquire("c#p", "me", 10)


def test_no_call_starts_that_could_run_into_the_reserved_time() -> None:
    calls: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json={})

    dynamo.set_time_budget(lambda: 3.0)  # less than the reserve plus one attempt
    try:
        with pytest.raises(dynamo.DynamoDBTimeBudgetError):
            table(answer).try_acquire("c#p", "me", 10)
    finally:
        dynamo.set_time_budget(None)
    assert calls == []


def test_a_lease_request_that_reaches_nothing_falls_back_to_boto3s_for_good() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route", request=request)

    fallback = InMemoryLeases()
    store = FallbackLeaseTable(table(unreachable), fallback)
    assert store.try_acquire("c#p", "me", 10) is not None and store.use_fallback
    store.release("c#p", "me", "code-1", "data_action")
    assert fallback.items["c#p"]["applied_code"] == "code-1"


def test_a_refusal_is_not_a_reason_to_fall_back() -> None:
    store = FallbackLeaseTable(table(lambda _: aws_error("AccessDeniedException")), InMemoryLeases())
    with pytest.raises(DynamoDBRequestError):
        store.try_acquire("c#p", "me", 10)
    assert not store.use_fallback
