"""Amazon Data Firehose PutRecordBatch over the one JSON transport (json_api, `Firehose_20150804`, 1.1).

A batch holds at most 500 records (Firehose's limit; our ledger rows are ~700 bytes, far below its
4 MiB per call). Firehose answers 200 with `FailedPutCount` and a per-record `ErrorCode` when some
records were refused (throttling, internal errors): those, and only those, are sent again, up to
`DELIVERY_ROUNDS` rounds within the deadline. What is still undelivered is returned to the caller,
never dropped here: the caller decides what "not delivered" means (the ledger: a metric and a log,
its DynamoDB row being the source of truth).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from ..domain.deadline import Deadline
from .json_api import AwsRequestError, JsonApi

TARGET_PREFIX = "Firehose_20150804"
BATCH_LIMIT = 500
DELIVERY_ROUNDS = 3
UNMATCHED_ANSWER = "UnmatchedAnswer"  # 200, but RequestResponses does not line up with the records


@dataclass(frozen=True)
class Undelivered:
    """A record Firehose did not take, with the last reason (an AWS error code, never a message)."""

    index: int  # its position in the records the caller passed
    code: str


class Firehose:
    def __init__(self, api: JsonApi) -> None:
        self.api = api

    def put_records(self, stream: str, records: Sequence[bytes], *, deadline: Deadline) -> list[Undelivered]:
        """Send every record (in batches of 500, resending refused ones); return those not delivered."""
        undelivered: list[Undelivered] = []
        for start in range(0, len(records), BATCH_LIMIT):
            indexes = list(range(start, min(start + BATCH_LIMIT, len(records))))
            undelivered += self._batch(stream, records, indexes, deadline)
        return undelivered

    def _batch(
        self, stream: str, records: Sequence[bytes], indexes: list[int], deadline: Deadline
    ) -> list[Undelivered]:
        pending = {i: "NotSent" for i in indexes}
        for _ in range(DELIVERY_ROUNDS):
            order = list(pending)
            payload = {
                "DeliveryStreamName": stream,
                "Records": [{"Data": base64.b64encode(records[i]).decode()} for i in order],
            }
            try:
                answer = self.api.call("PutRecordBatch", payload, deadline=deadline)
            except AwsRequestError as exc:
                # json_api already retried what is retryable within the deadline; nothing was taken.
                return [Undelivered(i, exc.code) for i in order]
            responses = answer.get("RequestResponses")
            if not isinstance(responses, list) or len(responses) != len(order):
                # An answer we cannot match to the records: we cannot tell which were taken. Resending
                # all risks duplicates, which the ledger's readers tolerate (they pick one row per
                # version); losing one they would not.
                pending = dict.fromkeys(order, UNMATCHED_ANSWER)
                continue
            pending = {
                i: str(response.get("ErrorCode"))
                for i, response in zip(order, responses, strict=True)
                if isinstance(response, dict) and response.get("ErrorCode")
            }
            if not pending:
                return []
        return [Undelivered(i, code) for i, code in pending.items()]
