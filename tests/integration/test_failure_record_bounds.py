"""Any failure can be recorded (issue 10, item 7): strings copied from events and errors are cut to
documented limits in the store, so a 450 KB field never makes the write fail (DynamoDB: 400 KB/item)."""

from __future__ import annotations

import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.support.aws import local_db
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.failures import Failure, FailureReason, FailureSource
from wrapguard.store.failures import MAX_TEXT_CHARS, MAX_VALUE_CHARS, FailureStore

pytestmark = pytest.mark.integration

HUGE = 450 * 1024


def oversized(cid: str) -> Failure:
    return Failure(
        conversation_id=cid,
        participant_id=str(uuid.uuid4()),
        reason=FailureReason.UPSTREAM_ERROR,
        source=FailureSource.EVENTBRIDGE,
        message="malformed acw: invalid " + "x" * HUGE,
        wrapup_code_id="c" * HUGE,
        wrapup_code_name="é" * HUGE,  # 2 bytes each in UTF-8
        user_id="u" * HUGE,
        queue_id="q" * HUGE,
        http_status=400,
        error_code="e" * HUGE,
        error_message="m" * HUGE,
        context_id="i" * HUGE,
        correlation_id="r" * HUGE,
    )


def test_the_local_server_refuses_an_item_over_400_kb(tables: dict[str, str]) -> None:
    """The control: without the limits, this failure could never be recorded."""
    table = boto3.resource("dynamodb").Table(tables["FailuresTable"])
    with pytest.raises(ClientError, match="size"):
        table.put_item(Item={"conversationId": "c", "participantId": "p", "message": "x" * HUGE})


@pytest.mark.parametrize("write", ["record", "record_if_absent"])
def test_a_450_kb_field_is_recorded_cut_to_its_limit(tables: dict[str, str], write: str) -> None:
    store = FailureStore(local_db(), tables["FailuresTable"])
    failure = oversized(str(uuid.uuid4()))
    getattr(store, write)(failure, deadline=Deadline.unbounded())
    item = store.get(failure.conversation_id, failure.participant_id, deadline=Deadline.unbounded())
    assert item is not None
    assert len(item["message"]) == MAX_TEXT_CHARS and len(item["errorMessage"]) == MAX_TEXT_CHARS
    assert item["message"].startswith("malformed acw: invalid xxx")
    assert item["message"].endswith(f"…[cut, {len(failure.message)} chars in all]")
    for attribute in ("wrapupCodeId", "wrapupCodeName", "userId", "queueId", "errorCode", "contextId"):
        assert len(item[attribute]) == MAX_VALUE_CHARS, attribute
    assert item["correlationId"].startswith("rrr") and item["httpStatus"] == 400
    assert item["reason"] == "upstream_error" and item["attempts"] == 1


def test_short_values_are_kept_whole(tables: dict[str, str]) -> None:
    store = FailureStore(local_db(), tables["FailuresTable"])
    text = "y" * MAX_TEXT_CHARS
    failure = Failure(
        conversation_id=str(uuid.uuid4()),
        reason=FailureReason.TIMEOUT,
        source=FailureSource.DATA_ACTION,
        message=text,
        wrapup_code_name="n" * MAX_VALUE_CHARS,
    )
    store.record(failure, deadline=Deadline.unbounded())
    item = store.get(failure.conversation_id, failure.participant_id, deadline=Deadline.unbounded())
    assert item is not None and item["message"] == text and item["wrapupCodeName"] == "n" * MAX_VALUE_CHARS
