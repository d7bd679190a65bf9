"""A small typed DynamoDB client over json_api, and the item codec.

Codec: Python str / int / Decimal / bool / None / bytes / list / dict <-> AttributeValue JSON. Numbers
stay exact: a number is written from its decimal text and read back as int when integral, Decimal
otherwise; floats are refused (binary floats are not exact decimals: pass a Decimal).

Errors: a failed condition raises `ConditionFailed` (a writer's expected answer, handled by the
store); every other failure (AWS error after retries, no answer, deadline left no time, no
credentials) raises `wrapguard.domain.errors.StorageUnavailable`, the one storage error the domain
answers. All tables here are wrapguard's own, so this client is the store boundary.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..domain.deadline import Deadline
from ..domain.errors import StorageUnavailable
from .json_api import AwsRequestError, JsonApi

TARGET_PREFIX = "DynamoDB_20120810"
CONDITION_FAILED = "ConditionalCheckFailedException"
TRANSACTION_CANCELED = "TransactionCanceledException"
BATCH_GET_LIMIT = 100
# Rounds of UnprocessedKeys a BatchGetItem follows before it reports the table as unavailable.
BATCH_ROUNDS = 5

Item = dict[str, Any]  # plain Python values (codec above); only inside the store adapters


class ConditionFailed(Exception):
    """The write's condition did not hold; nothing was written."""

    def __init__(self, table: str, operation: str) -> None:
        super().__init__(f"{operation} on {table}: condition not met")
        self.table = table
        self.operation = operation


class TransactionCanceled(Exception):
    """TransactWriteItems was cancelled (a condition failed, or a conflicting write): nothing was written."""


@dataclass(frozen=True)
class Put:
    table: str
    item: Mapping[str, Any]
    condition: Expression | None = None


@dataclass(frozen=True)
class Update:
    table: str
    key: Mapping[str, Any]
    update: Expression
    condition: Expression | None = None


# --- codec ----------------------------------------------------------------------------------------
def to_attribute(value: Any) -> dict[str, Any]:  # noqa: PLR0911 - one branch per type
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | Decimal):
        return {"N": str(value)}
    if isinstance(value, float):
        raise TypeError("floats are not exact decimals; pass a Decimal or an int")
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes):
        return {"B": base64.b64encode(value).decode()}
    if isinstance(value, Mapping):
        return {"M": {str(k): to_attribute(v) for k, v in value.items()}}
    if isinstance(value, Sequence):
        return {"L": [to_attribute(v) for v in value]}
    raise TypeError(f"cannot store a {type(value).__name__} in DynamoDB")


def from_attribute(attribute: Mapping[str, Any]) -> Any:  # noqa: PLR0911 - one branch per type
    ((kind, value),) = attribute.items()
    if kind == "S":
        return value
    if kind == "N":
        try:
            return int(value)
        except ValueError:
            return Decimal(value)
    if kind == "BOOL":
        return bool(value)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: from_attribute(v) for k, v in value.items()}
    if kind == "L":
        return [from_attribute(v) for v in value]
    if kind == "B":
        return base64.b64decode(value)
    if kind in {"SS", "NS", "BS"}:
        return [from_attribute({kind[0]: v}) for v in value]
    raise ValueError(f"unknown DynamoDB attribute type {kind!r}")


def to_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: to_attribute(value) for name, value in item.items()}


def from_item(item: Mapping[str, Any]) -> Item:
    return {name: from_attribute(value) for name, value in item.items()}


# --- the client -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Expression:
    """A condition/update/key expression with the names and values it uses (DynamoDB refuses unused ones)."""

    text: str
    names: Mapping[str, str] | None = None
    values: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Page:
    items: list[Item]
    last_key: Item | None  # where the next page starts; None: this was the last page


class DynamoDB:
    def __init__(self, api: JsonApi) -> None:
        self.api = api

    def get_item(
        self, table: str, key: Mapping[str, Any], *, deadline: Deadline, consistent: bool = True
    ) -> Item | None:
        answer = self._call("GetItem", table, {"Key": to_item(key), "ConsistentRead": consistent}, deadline)
        found = answer.get("Item")
        return from_item(found) if found else None

    def put_item(
        self, table: str, item: Mapping[str, Any], *, deadline: Deadline, condition: Expression | None = None
    ) -> None:
        self._call("PutItem", table, {"Item": to_item(item), **_expressions(condition=condition)}, deadline)

    def update_item(
        self,
        table: str,
        key: Mapping[str, Any],
        update: Expression,
        *,
        deadline: Deadline,
        condition: Expression | None = None,
        return_values: str = "NONE",
    ) -> Item:
        """The attributes `return_values` asks for (ALL_OLD, UPDATED_NEW, ...), plain; {} for NONE."""
        payload = {
            "Key": to_item(key),
            "ReturnValues": return_values,
            **_expressions(update=update, condition=condition),
        }
        answer = self._call("UpdateItem", table, payload, deadline)
        return from_item(answer.get("Attributes") or {})

    def delete_item(
        self, table: str, key: Mapping[str, Any], *, deadline: Deadline, condition: Expression | None = None
    ) -> None:
        self._call("DeleteItem", table, {"Key": to_item(key), **_expressions(condition=condition)}, deadline)

    def query_page(
        self,
        table: str,
        key_condition: Expression,
        *,
        deadline: Deadline,
        index: str | None = None,
        forward: bool = True,
        limit: int | None = None,
        consistent: bool = False,
        start_key: Mapping[str, Any] | None = None,
    ) -> Page:
        payload: dict[str, Any] = {"ScanIndexForward": forward, **_expressions(key_condition=key_condition)}
        if index:
            payload["IndexName"] = index
        if limit:
            payload["Limit"] = limit
        if consistent:
            payload["ConsistentRead"] = True
        if start_key:
            payload["ExclusiveStartKey"] = to_item(start_key)
        return _page(self._call("Query", table, payload, deadline))

    def query(
        self,
        table: str,
        key_condition: Expression,
        *,
        deadline: Deadline,
        first_key: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> Iterator[Item]:
        """Every item of the query (from just after `first_key`), page by page, each page within `deadline`."""
        start: Mapping[str, Any] | None = first_key
        while True:
            page = self.query_page(table, key_condition, deadline=deadline, start_key=start, **options)
            yield from page.items
            if page.last_key is None:
                return
            start = page.last_key

    def scan(self, table: str, *, deadline: Deadline) -> Iterator[Item]:
        start: Item | None = None
        while True:
            payload: dict[str, Any] = {"ExclusiveStartKey": to_item(start)} if start else {}
            page = _page(self._call("Scan", table, payload, deadline))
            yield from page.items
            if page.last_key is None:
                return
            start = page.last_key

    def batch_get(
        self,
        table: str,
        keys: Sequence[Mapping[str, Any]],
        *,
        deadline: Deadline,
        projection: Sequence[str] | None = None,
        consistent: bool = True,
    ) -> list[Item]:
        """The items found for `keys` (any order), 100 keys a request, following UnprocessedKeys."""
        found: list[Item] = []
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            request: dict[str, Any] = {"Keys": [to_item(k) for k in keys[start : start + BATCH_GET_LIMIT]]}
            if consistent:
                request["ConsistentRead"] = True
            if projection:
                request["ProjectionExpression"] = ", ".join(f"#p{i}" for i in range(len(projection)))
                request["ExpressionAttributeNames"] = {f"#p{i}": name for i, name in enumerate(projection)}
            for _ in range(BATCH_ROUNDS):
                answer = self._call("BatchGetItem", table, {"RequestItems": {table: request}}, deadline, named=False)
                found += [from_item(item) for item in answer.get("Responses", {}).get(table, [])]
                unprocessed = (answer.get("UnprocessedKeys") or {}).get(table)
                if not unprocessed:
                    break
                request = unprocessed
            else:
                raise StorageUnavailable(
                    f"DynamoDB BatchGetItem on {table}: keys still unprocessed after {BATCH_ROUNDS} rounds",
                    operation="BatchGetItem",
                    code="UnprocessedKeys",
                )
        return found

    def transact_write(self, writes: Sequence[Put | Update], *, deadline: Deadline) -> None:
        """All of `writes` or none; a failed condition or a conflict raises TransactionCanceled."""
        items: list[dict[str, Any]] = []
        for write in writes:
            if isinstance(write, Put):
                items.append(
                    {
                        "Put": {
                            "TableName": write.table,
                            "Item": to_item(write.item),
                            **_expressions(condition=write.condition),
                        }
                    }
                )
            else:
                body = {
                    "TableName": write.table,
                    "Key": to_item(write.key),
                    **_expressions(update=write.update, condition=write.condition),
                }
                items.append({"Update": body})
        table = writes[0].table if writes else "-"
        try:
            self._call("TransactWriteItems", table, {"TransactItems": items}, deadline, named=False)
        except StorageUnavailable as exc:
            if exc.code == TRANSACTION_CANCELED:
                raise TransactionCanceled(f"TransactWriteItems on {table} cancelled") from None
            raise

    def _call(
        self, operation: str, table: str, payload: Mapping[str, Any], deadline: Deadline, *, named: bool = True
    ) -> dict[str, Any]:
        try:
            return self.api.call(operation, {"TableName": table, **payload} if named else payload, deadline=deadline)
        except AwsRequestError as exc:
            if exc.code == CONDITION_FAILED:
                raise ConditionFailed(table, operation) from None
            raise StorageUnavailable(
                f"DynamoDB {operation} on {table}: {exc}", operation=operation, code=exc.code
            ) from exc


def _expressions(
    *, update: Expression | None = None, condition: Expression | None = None, key_condition: Expression | None = None
) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    for field_name, expression in (
        ("UpdateExpression", update),
        ("ConditionExpression", condition),
        ("KeyConditionExpression", key_condition),
    ):
        if expression is None:
            continue
        payload[field_name] = expression.text
        names.update(expression.names or {})
        values.update(expression.values or {})
    if names:
        payload["ExpressionAttributeNames"] = names
    if values:
        payload["ExpressionAttributeValues"] = to_item(values)
    return payload


def _page(answer: Mapping[str, Any]) -> Page:
    last = answer.get("LastEvaluatedKey")
    return Page([from_item(item) for item in answer.get("Items", [])], from_item(last) if last else None)
