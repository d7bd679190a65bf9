"""The participant lease over DynamoDB's JSON API with httpx and SigV4: no boto3 on the data action's path.

The lease is taken and released on every apply, so it sits on the path a caller waits on; importing
boto3 and building a client would cost more than the rest of a cold first call (docs/benchmarks.md).
The two calls are single UpdateItem requests with the same expressions as `store/leases.py`
(the boto3 version, used where this path is not known to be right: no static credentials in the
environment, or FIPS endpoints). Requests are signed with `secretsmanager.sigv4_headers` (checked
against botocore's signer) and bounded like every DynamoDB call (`store/dynamo.py` budget).
"""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..budget import DYNAMODB_CONNECT_TIMEOUT_SECONDS, DYNAMODB_MAX_ATTEMPTS, DYNAMODB_READ_TIMEOUT_SECONDS
from ..domain.lease import LeaseState, LeaseStore
from ..secretsmanager import StaticCredentials
from ..settings import AwsSettings
from . import dynamo
from .leases import ACQUIRE, ACQUIRE_IF_FREE, RELEASE_IF_OURS, acquire_values, lease_state, release_write

TARGET = "DynamoDB_20120810.UpdateItem"
CONTENT_TYPE = "application/x-amz-json-1.0"
# DynamoDB's retryable answers (the ones botocore's standard mode retries for this service).
RETRYABLE_ERRORS = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "InternalServerError"}
)
CONDITION_FAILED = "ConditionalCheckFailedException"


class DynamoDBRequestError(RuntimeError):
    """DynamoDB refused or failed the call (after bounded retries). Carries AWS's error code only."""

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class _ConditionFailed(Exception):
    pass


def _typed(value: str | int) -> dict[str, str]:
    """A plain value in DynamoDB's JSON form (the lease uses strings and integers only)."""
    return {"N": str(value)} if isinstance(value, int) else {"S": value}


def _plain(value: dict[str, str]) -> str | int:
    return int(value["N"]) if "N" in value else value.get("S", "")


def endpoint_for(region: str) -> str:
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://dynamodb.{region}.{suffix}"


@dataclass
class DirectLeaseTable:
    table_name: str
    credentials: StaticCredentials
    endpoint: str
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    http: httpx.Client = field(
        default_factory=lambda: httpx.Client(
            timeout=httpx.Timeout(DYNAMODB_READ_TIMEOUT_SECONDS, connect=DYNAMODB_CONNECT_TIMEOUT_SECONDS)
        )
    )

    @classmethod
    def from_settings(cls, aws: AwsSettings, table_name: str) -> DirectLeaseTable | None:
        credentials = StaticCredentials.from_settings(aws)
        if credentials is None:
            return None
        endpoint = aws.aws_endpoint_url_dynamodb or aws.aws_endpoint_url or endpoint_for(credentials.region)
        return cls(table_name=table_name, credentials=credentials, endpoint=endpoint)

    # --- the LeaseStore port --------------------------------------------------------------------
    def try_acquire(self, key: str, holder: str, hold_seconds: float) -> LeaseState | None:
        try:
            answer = self._update_item(
                key,
                update=ACQUIRE,
                condition=ACQUIRE_IF_FREE,
                values=acquire_values(holder, hold_seconds, self.clock()),
                return_old=True,
            )
        except _ConditionFailed:
            return None
        return lease_state({name: _plain(value) for name, value in (answer.get("Attributes") or {}).items()})

    def release(self, key: str, holder: str, applied_code: str | None, applied_by: str | None) -> None:
        update, values = release_write(holder, applied_code, applied_by, self.clock())
        # A failed condition: our hold expired and another writer took over; it must not lose it to us.
        # The release remembers the code just applied, so it may use the time kept for failure writes.
        with contextlib.suppress(_ConditionFailed), dynamo.failure_write():
            self._update_item(key, update=update, condition=RELEASE_IF_OURS, values=values, return_old=False)

    # --- transport ------------------------------------------------------------------------------
    def _update_item(
        self, key: str, *, update: str, condition: str, values: dict[str, str | int], return_old: bool
    ) -> dict[str, Any]:
        body = json.dumps(
            {
                "TableName": self.table_name,
                "Key": {"leaseKey": {"S": key}},
                "UpdateExpression": update,
                "ConditionExpression": condition,
                "ExpressionAttributeValues": {name: _typed(value) for name, value in values.items()},
                "ReturnValues": "ALL_OLD" if return_old else "NONE",
            }
        ).encode()
        for attempt in range(1, DYNAMODB_MAX_ATTEMPTS + 1):
            left = dynamo.seconds_left()
            if left < DYNAMODB_CONNECT_TIMEOUT_SECONDS + DYNAMODB_READ_TIMEOUT_SECONDS:
                raise dynamo.DynamoDBTimeBudgetError("UpdateItem", left)
            code, status, answer = self._send(body)
            if status == 200:
                return answer
            if code == CONDITION_FAILED:
                raise _ConditionFailed
            retryable = status is None or status >= 500 or code in RETRYABLE_ERRORS
            if not retryable or attempt == DYNAMODB_MAX_ATTEMPTS:
                raise DynamoDBRequestError(
                    f"DynamoDB UpdateItem on {self.table_name} failed ({code or status or 'no answer'})",
                    code=code,
                    status=status,
                )
            self.sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311 - jitter, not cryptography
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, body: bytes) -> tuple[str | None, int | None, dict[str, Any]]:
        """(AWS error code, HTTP status, parsed answer); (None, None, {}) when no answer came."""
        url = self.endpoint.rstrip("/") + "/"
        headers = self.credentials.json_headers(
            url=url, service="dynamodb", target=TARGET, content_type=CONTENT_TYPE, body=body
        )
        try:
            response = self.http.post(url, content=body, headers=headers)
        except httpx.TransportError:
            return None, None, {}
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            # Never quote the body; a 2xx that does not parse is an error like a 5xx.
            return "UnparsableAnswer", 500 if response.is_success else response.status_code, {}
        code = str(answer.get("__type", "")).rsplit("#", 1)[-1] or None
        return code, response.status_code, answer


@dataclass
class FallbackLeaseTable:
    """The httpx lease, switching to boto3's for good when our own request reaches nothing.

    In Lambda both reach the same DynamoDB endpoint; where only boto3 is set up for it (a proxy, an
    in-process AWS mock), boto3 decides, and if it cannot reach DynamoDB either, it raises.
    """

    direct: DirectLeaseTable
    fallback: LeaseStore
    use_fallback: bool = False

    def try_acquire(self, key: str, holder: str, hold_seconds: float) -> LeaseState | None:
        if not self.use_fallback:
            try:
                return self.direct.try_acquire(key, holder, hold_seconds)
            except DynamoDBRequestError as exc:
                if exc.status is not None:
                    raise
                self.use_fallback = True
        return self.fallback.try_acquire(key, holder, hold_seconds)

    def release(self, key: str, holder: str, applied_code: str | None, applied_by: str | None) -> None:
        store: LeaseStore = self.fallback if self.use_fallback else self.direct
        store.release(key, holder, applied_code, applied_by)
