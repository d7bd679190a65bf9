"""Firehose PutRecordBatch over the one JSON transport: 500 a batch, refused records resent, none dropped silently."""

from __future__ import annotations

import base64
import json
import random

import httpx

from tests.unit.test_json_api import CREDS, FakeClock
from wrapguard.aws.firehose import BATCH_LIMIT, DELIVERY_ROUNDS, UNMATCHED_ANSWER, Firehose, Undelivered
from wrapguard.aws.json_api import JsonApi, RetryPolicy
from wrapguard.domain.deadline import Deadline


def firehose(answer: httpx.MockTransport, clock: FakeClock) -> Firehose:
    return Firehose(
        JsonApi(
            service="firehose",
            target_prefix="Firehose_20150804",
            json_version="1.1",
            endpoint="https://firehose.us-east-1.amazonaws.com",
            region="us-east-1",
            credentials=CREDS,
            retry=RetryPolicy(sleep=clock.sleep, rng=random.Random(7)),
            http=httpx.Client(transport=answer),
        )
    )


def sent(request: httpx.Request) -> list[bytes]:
    return [base64.b64decode(r["Data"]) for r in json.loads(request.content)["Records"]]


def test_a_batch_is_sent_with_the_firehose_protocol_and_500_records_at_most() -> None:
    requests: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        count = len(sent(request))
        return httpx.Response(200, json={"FailedPutCount": 0, "RequestResponses": [{"RecordId": "r"}] * count})

    clock = FakeClock()
    records = [f"{i}\n".encode() for i in range(BATCH_LIMIT + 1)]
    assert firehose(httpx.MockTransport(answer), clock).put_records("s", records, deadline=Deadline.after(30)) == []
    assert [len(sent(r)) for r in requests] == [BATCH_LIMIT, 1]
    first = requests[0]
    assert first.headers["X-Amz-Target"] == "Firehose_20150804.PutRecordBatch"
    assert first.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert json.loads(first.content)["DeliveryStreamName"] == "s"
    assert b"".join(sent(requests[0]) + sent(requests[1])) == b"".join(records)


def test_only_the_refused_records_are_sent_again() -> None:
    rounds: list[list[bytes]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        records = sent(request)
        rounds.append(records)
        refuse = {b"b\n"} if len(rounds) == 1 else set()
        responses = [
            {"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "slow down"}
            if r in refuse
            else {"RecordId": "x"}
            for r in records
        ]
        return httpx.Response(200, json={"FailedPutCount": len(refuse), "RequestResponses": responses})

    result = firehose(httpx.MockTransport(answer), FakeClock()).put_records(
        "s", [b"a\n", b"b\n", b"c\n"], deadline=Deadline.after(30)
    )
    assert result == [] and rounds == [[b"a\n", b"b\n", b"c\n"], [b"b\n"]]


def test_a_record_refused_every_round_is_returned_with_its_position_and_code() -> None:
    calls = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        responses = [{"ErrorCode": "InternalFailure"} if r == b"b\n" else {"RecordId": "x"} for r in sent(request)]
        return httpx.Response(200, json={"FailedPutCount": 1, "RequestResponses": responses})

    result = firehose(httpx.MockTransport(answer), FakeClock()).put_records(
        "s", [b"a\n", b"b\n"], deadline=Deadline.after(30)
    )
    assert result == [Undelivered(1, "InternalFailure")] and calls == DELIVERY_ROUNDS


def test_a_failed_call_returns_every_record_of_the_batch_undelivered() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"__type": "ResourceNotFoundException", "message": "no stream"})

    result = firehose(httpx.MockTransport(answer), FakeClock()).put_records(
        "s", [b"a\n", b"b\n"], deadline=Deadline.after(30)
    )
    assert result == [Undelivered(0, "ResourceNotFoundException"), Undelivered(1, "ResourceNotFoundException")]


def test_an_answer_that_does_not_match_the_records_is_not_taken_as_delivered() -> None:
    calls = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(200, json={"FailedPutCount": 0, "RequestResponses": []})

    result = firehose(httpx.MockTransport(answer), FakeClock()).put_records("s", [b"a\n"], deadline=Deadline.after(30))
    assert result == [Undelivered(0, UNMATCHED_ANSWER)] and calls == DELIVERY_ROUNDS
