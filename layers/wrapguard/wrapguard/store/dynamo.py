"""Lazy boto3 access: boto3 costs ~0.15 s to import, and the data action's success path never needs it."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


@cache
def _resource() -> Any:
    import boto3  # honours AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_DYNAMODB for the local server

    return boto3.resource("dynamodb")


def table(name: str) -> Table:
    return _resource().Table(name)  # type: ignore[no-any-return]


class TableAdapter:
    """Holds a table name; resolves the boto3 Table on first use (so importing costs nothing)."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name
        self._table: Table | None = None

    @property
    def table(self) -> Table:
        if self._table is None:
            self._table = table(self.table_name)
        return self._table


def is_conditional_failure(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    return isinstance(response, dict) and response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
