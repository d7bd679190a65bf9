"""Powertools Idempotency's persistence layer over our DynamoDB client (aws/dynamodb.py).

The event function then talks to DynamoDB one way: same transport, retry policy, error mapping and
deadline as its other tables. The conditional put mirrors Powertools' own DynamoDBPersistenceLayer
(3.x): the record is written if absent, expired, or INPROGRESS with an expired in-progress deadline.

One instance per invocation (`for_invocation`): Powertools' API has no deadline parameter, so the
invocation's Deadline is the instance's, never shared state. Note: importing any Powertools
idempotency module still imports boto3 (the package's __init__ loads its DynamoDB layer); it is
loaded, never used: docs/io-boundary.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import STATUS_CONSTANTS, DataRecord

from ..aws.dynamodb import ConditionFailed, DynamoDB, Expression
from ..domain.deadline import Deadline

# The attribute names of Powertools' DynamoDBPersistenceLayer defaults (template.yaml's IdempotencyTable).
KEY = "id"
EXPIRY = "expiration"
IN_PROGRESS_EXPIRY = "in_progress_expiration"
STATUS = "status"
DATA = "data"
VALIDATION = "validation"

PUT_IF_FREE = (
    "attribute_not_exists(#id) OR #expiry < :now"
    " OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)"
)


class IdempotencyTable(BasePersistenceLayer):
    def __init__(self, db: DynamoDB, table_name: str, *, deadline: Deadline) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Powertools' base __init__ is untyped
        self._db = db
        self.table_name = table_name
        self._deadline = deadline

    def _key(self, idempotency_key: str) -> dict[str, str]:
        return {KEY: idempotency_key}

    def _record(self, item: dict[str, Any]) -> DataRecord:
        return DataRecord(
            idempotency_key=item[KEY],
            status=item[STATUS],
            expiry_timestamp=item.get(EXPIRY),
            in_progress_expiry_timestamp=item.get(IN_PROGRESS_EXPIRY),
            response_data=str(item.get(DATA) or ""),
            payload_hash=str(item.get(VALIDATION) or ""),
        )

    def _get_record(self, idempotency_key: str) -> DataRecord:
        item = self._db.get_item(self.table_name, self._key(idempotency_key), deadline=self._deadline)
        if item is None:
            raise IdempotencyItemNotFoundError
        return self._record(item)

    def _put_record(self, data_record: DataRecord) -> None:
        item: dict[str, Any] = {
            **self._key(data_record.idempotency_key),
            EXPIRY: data_record.expiry_timestamp,
            STATUS: data_record.status,
        }
        if data_record.in_progress_expiry_timestamp is not None:
            item[IN_PROGRESS_EXPIRY] = data_record.in_progress_expiry_timestamp
        if self.payload_validation_enabled and data_record.payload_hash:
            item[VALIDATION] = data_record.payload_hash
        now = dt.datetime.now()
        condition = Expression(
            PUT_IF_FREE,
            {"#id": KEY, "#expiry": EXPIRY, "#in_progress_expiry": IN_PROGRESS_EXPIRY, "#status": STATUS},
            {
                ":now": int(now.timestamp()),
                ":now_in_millis": int(now.timestamp() * 1000),
                ":inprogress": STATUS_CONSTANTS["INPROGRESS"],
            },
        )
        try:
            self._db.put_item(self.table_name, item, condition=condition, deadline=self._deadline)
        except ConditionFailed:
            # Powertools reads the existing record itself and decides (in progress, or a saved result).
            raise IdempotencyItemAlreadyExistsError from None

    def _update_record(self, data_record: DataRecord) -> None:
        text = "SET #response_data = :response_data, #expiry = :expiry, #status = :status"
        names = {"#expiry": EXPIRY, "#response_data": DATA, "#status": STATUS}
        values: dict[str, Any] = {
            ":expiry": data_record.expiry_timestamp,
            ":response_data": data_record.response_data,
            ":status": data_record.status,
        }
        if self.payload_validation_enabled:
            text += ", #validation_key = :validation_key"
            names["#validation_key"] = VALIDATION
            values[":validation_key"] = data_record.payload_hash
        key = self._key(data_record.idempotency_key)
        # Saving the result is the event's last write: it may use the failure-write reserve.
        self._db.update_item(
            self.table_name, key, Expression(text, names, values), deadline=self._deadline.for_failure_write()
        )

    def _delete_record(self, data_record: DataRecord) -> None:
        key = self._key(data_record.idempotency_key)
        self._db.delete_item(self.table_name, key, deadline=self._deadline.for_failure_write())
