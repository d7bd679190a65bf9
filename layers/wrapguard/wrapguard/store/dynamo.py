"""Lazy, time-bounded boto3 access to DynamoDB.

Lazy: boto3 costs ~0.15 s to import, and the data action's success path never needs it.

Bounded (issue 10, item 4; the shares of time are in budget.py):
- botocore Config: connect and read timeouts of DYNAMODB_*_TIMEOUT_SECONDS, retry mode "standard"
  with DYNAMODB_MAX_ATTEMPTS attempts in all. Unbound (the CLI), a call takes at most
  3 attempts x (connect + read) plus standard mode's backoff (< 1 s + 2 s): under 10 s.
- `set_time_budget(remaining)` binds the invocation's remaining time (a ContextVar, so concurrent
  invocations on threads of one process keep their own). Then every DynamoDB call
  - starts an attempt only if a worst-case attempt (connect + read timeout) ends before the reserved
    time; otherwise it raises DynamoDBTimeBudgetError at once, without sending anything;
  - retries only if standard mode's longest backoff for that retry plus another worst-case attempt
    still fit; otherwise it raises the attempt's own error (throttling, connection error, timeout).
- Inside `failure_write()` a call may use the reserved time too: the failure store's writes.

Assumption: the read timeout bounds each wait for bytes, not a whole answer; answers here are small
(single items, query/scan pages of at most 1 MB), so an attempt is bounded by connect + read in practice.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from ..budget import (
    DYNAMODB_CONNECT_TIMEOUT_SECONDS,
    DYNAMODB_MAX_ATTEMPTS,
    DYNAMODB_READ_TIMEOUT_SECONDS,
    RESERVED_SECONDS,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.service_resource import Table

# botocore's standard retry mode sleeps at most min(20, 2 ** (attempt - 1)) seconds before a retry
# (botocore/retries/standard.py ExponentialBackoff), plus up to 5 s when the answer carries
# x-amz-retry-after (which DynamoDB does not send today; counted anyway).
_MAX_BACKOFF_SECONDS = 20.0
_RETRY_AFTER_EXTRA_SECONDS = 5.0


@dataclass(frozen=True)
class DynamoTimeouts:
    connect: float = DYNAMODB_CONNECT_TIMEOUT_SECONDS
    read: float = DYNAMODB_READ_TIMEOUT_SECONDS
    max_attempts: int = DYNAMODB_MAX_ATTEMPTS

    @property
    def attempt(self) -> float:
        """The longest one attempt can wait: connect, then read."""
        return self.connect + self.read


class DynamoDBTimeBudgetError(Exception):
    """A DynamoDB call was not started: it could not finish before the invocation's reserved time."""

    def __init__(self, operation: str, seconds_left: float) -> None:
        super().__init__(
            f"DynamoDB {operation} not attempted: {max(seconds_left, 0.0):.2f} s left before the time"
            " reserved for recording a failure"
        )
        self.operation = operation
        self.seconds_left = seconds_left


_timeouts = DynamoTimeouts()
_budget: ContextVar[Callable[[], float] | None] = ContextVar("wrapguard_dynamodb_budget", default=None)
_may_use_reserve: ContextVar[bool] = ContextVar("wrapguard_dynamodb_reserve", default=False)


def set_time_budget(remaining_seconds: Callable[[], float] | None) -> None:
    """Bind to the current invocation (e.g. `lambda: context.get_remaining_time_in_millis() / 1000`)."""
    _budget.set(remaining_seconds)


@contextmanager
def failure_write() -> Iterator[None]:
    """Calls inside may use the reserved time: they record a failure, the last thing an invocation does."""
    token = _may_use_reserve.set(True)
    try:
        yield
    finally:
        _may_use_reserve.reset(token)


def configure(timeouts: DynamoTimeouts) -> None:
    """Other timeouts for this process (tests; an interactive CLI far from the region)."""
    global _timeouts  # noqa: PLW0603 - one per process, like the boto3 resource it configures
    _timeouts = timeouts
    _resource.cache_clear()  # clients made by client() before this keep their timeouts


def seconds_left() -> float:
    """Time this call may still use: up to the reserve, or to the end inside failure_write(); inf if unbound."""
    remaining = _budget.get()
    if remaining is None:
        return math.inf
    return remaining() - (0.0 if _may_use_reserve.get() else RESERVED_SECONDS)


def _refuse_attempt_without_time(event_name: str = "", **_: Any) -> None:
    left = seconds_left()
    if left < _timeouts.attempt:
        raise DynamoDBTimeBudgetError(event_name.rsplit(".", 1)[-1], left)


def _stop_retry_without_time(
    attempts: int, response: Any = None, caught_exception: Exception | None = None, **_: Any
) -> bool | None:
    """Registered before botocore's retry handler: False ends the retries (the error is raised);
    None lets botocore decide. Returning False after a success changes nothing."""
    if isinstance(caught_exception, DynamoDBTimeBudgetError):
        return False
    left = seconds_left()
    if math.isinf(left):
        return None
    longest_sleep = min(_MAX_BACKOFF_SECONDS, 2.0 ** (attempts - 1))
    headers = getattr(response[0], "headers", {}) if isinstance(response, tuple) and response else {}
    if "x-amz-retry-after" in headers:
        longest_sleep += _RETRY_AFTER_EXTRA_SECONDS
    return False if left < longest_sleep + _timeouts.attempt else None


def _bounded(events: Any) -> None:
    """Hook the budget checks into a client's events (ahead of botocore's own retry handler)."""
    events.register_first("before-send.dynamodb", _refuse_attempt_without_time)
    events.register_first("needs-retry.dynamodb", _stop_retry_without_time)


def _config() -> Any:
    from botocore.config import Config

    return Config(
        connect_timeout=_timeouts.connect,
        read_timeout=_timeouts.read,
        retries={"mode": "standard", "total_max_attempts": _timeouts.max_attempts},
    )


@cache
def _resource() -> Any:
    import boto3  # honours AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_DYNAMODB for the local server

    resource = boto3.resource("dynamodb", config=_config())
    _bounded(resource.meta.client.meta.events)
    return resource


def client() -> DynamoDBClient:
    """A new bounded low-level client (e.g. for Powertools Idempotency's persistence layer).

    Not the resource's own client: the resource hooks a serializer into that one, which would wrap
    already typed attribute values ({"S": ...}) a second time.
    """
    import boto3

    low_level = boto3.client("dynamodb", config=_config())
    _bounded(low_level.meta.events)
    return low_level


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
