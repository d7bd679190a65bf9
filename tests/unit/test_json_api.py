"""The one JSON-protocol transport: retry policy, error mapping, deadline; and the DynamoDB item codec."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import httpx
import pytest
from pydantic import SecretStr

from wrapguard.aws.credentials import AwsCredentials, StaticCredentials
from wrapguard.aws.dynamodb import ConditionFailed, DynamoDB, from_attribute, from_item, to_attribute, to_item
from wrapguard.aws.json_api import AwsRequestError, JsonApi, RetryPolicy, Timeouts
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.errors import StorageUnavailable

CREDS = StaticCredentials(AwsCredentials("AKID", SecretStr("sk"), SecretStr("tok")))


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def api(handler: httpx.MockTransport, clock: FakeClock, attempts: int = 3) -> JsonApi:
    return JsonApi(
        service="dynamodb",
        target_prefix="DynamoDB_20120810",
        json_version="1.0",
        endpoint="https://dynamodb.us-east-1.amazonaws.com",
        region="us-east-1",
        credentials=CREDS,
        timeouts=Timeouts(connect=1.0, read=1.0),
        retry=RetryPolicy(max_attempts=attempts, sleep=clock.sleep, rng=random.Random(7)),
        http=httpx.Client(transport=handler),
    )


def deadline(clock: FakeClock, seconds: float, reserve: float = 0.0) -> Deadline:
    return Deadline.after(seconds, reserve=reserve, clock=clock)


def test_signs_and_posts_the_json_protocol() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"Item": {"k": {"S": "v"}}})

    clock = FakeClock()
    assert api(httpx.MockTransport(answer), clock).call(
        "GetItem", {"TableName": "t"}, deadline=deadline(clock, 10)
    ) == {"Item": {"k": {"S": "v"}}}
    (request,) = seen
    assert request.headers["x-amz-target"] == "DynamoDB_20120810.GetItem"
    assert request.headers["content-type"] == "application/x-amz-json-1.0"
    assert request.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKID/")
    assert json.loads(request.content) == {"TableName": "t"}


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(400, json={"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "slow"}),
        httpx.Response(400, json={"__type": "ProvisionedThroughputExceededException"}),
        httpx.Response(500, json={"__type": "InternalServerError"}),
        httpx.Response(503, text="<html>proxy</html>"),
        httpx.Response(200, text="<html>not json</html>"),
        httpx.Response(200, json=["not", "an", "object"]),
        None,  # no answer
    ],
)
def test_retryable_failures_are_retried_with_full_jitter_then_reported(failure: httpx.Response | None) -> None:
    calls = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if failure is None:
            raise httpx.ReadTimeout("lost", request=request)
        return failure

    clock = FakeClock()
    with pytest.raises(AwsRequestError) as raised:
        api(httpx.MockTransport(answer), clock).call("PutItem", {}, deadline=deadline(clock, 60))
    assert calls == 3 and len(clock.sleeps) == 2 and raised.value.retryable
    assert all(0 <= s <= 1.0 for s in clock.sleeps)
    assert raised.value.service == "dynamodb" and raised.value.operation == "PutItem"
    assert "proxy" not in str(raised.value) and "slow" not in str(raised.value)  # bodies are never quoted


def test_a_retry_that_succeeds_returns_the_answer() -> None:
    answers = iter([httpx.Response(400, json={"__type": "ThrottlingException"}), httpx.Response(200, json={"ok": 1})])
    clock = FakeClock()
    assert api(httpx.MockTransport(lambda r: next(answers)), clock).call("X", {}, deadline=deadline(clock, 60)) == {
        "ok": 1
    }


def test_client_errors_are_not_retried_and_name_code_and_status() -> None:
    calls = 0

    def denied(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(400, json={"__type": "com.amazon.coral.service#AccessDeniedException", "Message": "arn"})

    clock = FakeClock()
    with pytest.raises(AwsRequestError) as raised:
        api(httpx.MockTransport(denied), clock).call("GetItem", {}, deadline=deadline(clock, 60))
    error = raised.value
    assert (calls, error.code, error.status, error.retryable) == (1, "AccessDeniedException", 400, False)
    assert "arn" not in str(error)


def test_no_attempt_starts_whose_worst_case_does_not_fit_the_deadline() -> None:
    calls = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(200, json={})

    clock = FakeClock()
    with pytest.raises(AwsRequestError) as raised:
        api(httpx.MockTransport(answer), clock).call("GetItem", {}, deadline=deadline(clock, 1.9))
    assert raised.value.code == "DeadlineExceeded" and calls == 0
    # The failure write may use the reserve the ordinary call may not.
    reserved = deadline(clock, 3.0, reserve=2.5)
    with pytest.raises(AwsRequestError):
        api(httpx.MockTransport(answer), clock).call("GetItem", {}, deadline=reserved)
    assert api(httpx.MockTransport(answer), clock).call("GetItem", {}, deadline=reserved.for_failure_write()) == {}


def test_never_sleeps_past_the_deadline() -> None:
    calls = 0

    clock = FakeClock()

    def throttled(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        clock.now += 0.6  # the answer took a while
        return httpx.Response(400, json={"__type": "ThrottlingException"})

    # Room for one attempt (2 s), and then not for a backoff plus another attempt.
    with pytest.raises(AwsRequestError) as raised:
        api(httpx.MockTransport(throttled), clock, attempts=5).call("GetItem", {}, deadline=deadline(clock, 2.5))
    assert calls == 1 and clock.sleeps == [] and raised.value.code == "ThrottlingException"


def test_dynamodb_maps_condition_failures_and_everything_else() -> None:
    clock = FakeClock()
    failed = httpx.MockTransport(lambda r: httpx.Response(400, json={"__type": "x#ConditionalCheckFailedException"}))
    with pytest.raises(ConditionFailed):
        DynamoDB(api(failed, clock)).put_item("t", {"k": "v"}, deadline=deadline(clock, 60))
    denied = httpx.MockTransport(lambda r: httpx.Response(400, json={"__type": "AccessDeniedException"}))
    with pytest.raises(StorageUnavailable) as raised:
        DynamoDB(api(denied, clock)).get_item("t", {"k": "v"}, deadline=deadline(clock, 60))
    assert raised.value.code == "AccessDeniedException" and raised.value.operation == "GetItem"


@pytest.mark.parametrize(
    "value",
    [
        "text",
        "",
        0,
        -7,
        10**30,
        Decimal("0.1"),
        Decimal("-1.25E+5"),
        True,
        False,
        None,
        b"\x00\x01",
        [1, "a", None, [Decimal("2.5")]],
        {"m": {"n": 1, "l": [True]}},
    ],
)
def test_codec_round_trips_exactly(value: object) -> None:
    back = from_attribute(to_attribute(value))
    assert (back == value and type(back) is type(value)) or (isinstance(value, list) and back == value)


def test_codec_refuses_floats_and_unknown_types() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        to_attribute(0.1)
    with pytest.raises(TypeError, match="object"):
        to_attribute(object())
    assert from_item(to_item({"a": 1, "b": "x"})) == {"a": 1, "b": "x"}
    assert from_attribute({"SS": ["a", "b"]}) == ["a", "b"]
