"""The one transport for AWS JSON-protocol services (DynamoDB `x-amz-json-1.0`, Secrets Manager `1.1`).

One request path: sign (sigv4.py) with the process's credentials (credentials.py), POST with httpx.
One retry policy: up to `RetryPolicy.max_attempts`, full-jitter backoff, on throttling codes, 5xx, no
answer, and a 2xx whose body is not a JSON object (an answer we cannot read is an error, not a result).
One error mapping: `AwsRequestError` (service, operation, AWS error code, HTTP status, retryable);
AWS's message is never quoted (it may echo the request).
One deadline, per call: an attempt starts only if its worst case (connect + read timeout) fits in
`deadline.remaining()`; a backoff sleep that would leave no room for another attempt is not taken.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from ..domain.deadline import Deadline
from .credentials import CredentialProvider, CredentialsUnavailable
from .sigv4 import sigv4_headers

# Error codes AWS documents as throttling or transient for these services (botocore's standard
# retry mode retries the same ones).
RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestThrottled",
        "RequestTimeout",
        "InternalServerError",
        "InternalServiceError",
        "InternalFailure",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)
NO_ANSWER = "NoAnswer"
UNREADABLE_ANSWER = "UnreadableAnswer"
DEADLINE_EXCEEDED = "DeadlineExceeded"
NO_CREDENTIALS = "NoCredentials"


class AwsRequestError(RuntimeError):
    """An AWS call failed (after the retries the deadline allowed). Never carries a body or a secret."""

    def __init__(
        self, *, service: str, operation: str, code: str, status: int | None, retryable: bool, attempts: int = 1
    ) -> None:
        answer = f"HTTP {status}" if status is not None else "no HTTP answer"
        super().__init__(f"{service} {operation} failed: {code} ({answer}, {attempts} attempt(s))")
        self.service = service
        self.operation = operation
        self.code = code
        self.status = status
        self.retryable = retryable
        self.attempts = attempts


@dataclass(frozen=True)
class Timeouts:
    connect: float = 1.0  # in-region connects take milliseconds; 1 s leaves room for a far workstation
    read: float = 1.0  # each wait for bytes; answers here are single items or <= 1 MB pages

    @property
    def attempt(self) -> float:
        """The longest one attempt can wait: connect, then read."""
        return self.connect + self.read


@dataclass
class RetryPolicy:
    max_attempts: int = 3
    base_seconds: float = 0.05
    cap_seconds: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2^attempt)]."""
        return self.rng.uniform(0, min(self.cap_seconds, self.base_seconds * 2**attempt))


def endpoint_for(prefix: str, region: str, *, fips: bool = False) -> str:
    """The public endpoint (China regions end in .amazonaws.com.cn; other partitions come via AWS_ENDPOINT_URL_*)."""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{prefix}{'-fips' if fips else ''}.{region}.{suffix}"


@dataclass(frozen=True)
class _Answer:
    status: int | None  # None: no answer came
    code: str | None  # AWS's error code, or NO_ANSWER / UNREADABLE_ANSWER
    body: dict[str, Any]


class JsonApi:
    """One service's JSON protocol: `call(operation, payload, deadline=...)` -> the parsed answer."""

    def __init__(
        self,
        *,
        service: str,  # the signing name: "dynamodb", "secretsmanager", "firehose"
        target_prefix: str,  # "DynamoDB_20120810", "secretsmanager", "Firehose_20150804"
        json_version: str,  # "1.0" or "1.1"
        endpoint: str,
        region: str,
        credentials: CredentialProvider,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        http: httpx.Client | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.service = service
        self._target_prefix = target_prefix
        self._content_type = f"application/x-amz-json-{json_version}"
        self._url = endpoint.rstrip("/") + "/"
        self._region = region
        self._credentials = credentials
        self.timeouts = timeouts or Timeouts()
        self._retry = retry or RetryPolicy()
        self.http = http or httpx.Client()  # public: local tools wrap it to inject faults (fault_burst)
        self._now = now

    def call(self, operation: str, payload: Mapping[str, Any], *, deadline: Deadline) -> dict[str, Any]:
        body = json.dumps(payload, separators=(",", ":")).encode()
        attempts = 0
        while True:
            if not deadline.allows(self.timeouts.attempt):
                raise self._error(operation, DEADLINE_EXCEEDED, None, retryable=True, attempts=attempts)
            attempts += 1
            answer = self._send(operation, body, deadline)
            if answer.status is not None and 200 <= answer.status < 300 and answer.code is None:
                return answer.body
            code = answer.code or "UnknownError"
            retryable = answer.status is None or answer.status >= 500 or answer.status == 429
            # A 2xx we cannot read is retried like a 5xx: the request may or may not have applied.
            retryable = retryable or code in RETRYABLE_CODES or code == UNREADABLE_ANSWER
            if not retryable or attempts >= self._retry.max_attempts:
                raise self._error(operation, code, answer.status, retryable=retryable, attempts=attempts)
            pause = self._retry.backoff(attempts)
            if not deadline.allows(pause + self.timeouts.attempt):
                # Sleeping would leave no time for the next attempt: report this attempt's error now.
                raise self._error(operation, code, answer.status, retryable=True, attempts=attempts)
            self._retry.sleep(pause)

    def _error(
        self, operation: str, code: str, status: int | None, *, retryable: bool, attempts: int
    ) -> AwsRequestError:
        return AwsRequestError(
            service=self.service, operation=operation, code=code, status=status, retryable=retryable, attempts=attempts
        )

    def _send(self, operation: str, body: bytes, deadline: Deadline) -> _Answer:
        try:
            credentials = self._credentials.credentials(deadline=deadline)
        except CredentialsUnavailable:
            raise self._error(operation, NO_CREDENTIALS, None, retryable=False, attempts=1) from None
        headers = sigv4_headers(
            method="POST",
            url=self._url,
            headers={"Content-Type": self._content_type, "X-Amz-Target": f"{self._target_prefix}.{operation}"},
            body=body,
            access_key=credentials.access_key_id,
            secret_key=credentials.secret_access_key.get_secret_value(),
            session_token=credentials.session_token.get_secret_value() if credentials.session_token else None,
            region=self._region,
            service=self.service,
            now=self._now(),
        )
        timeout = httpx.Timeout(self.timeouts.read, connect=self.timeouts.connect)
        try:
            response = self.http.post(self._url, content=body, headers=headers, timeout=timeout)
        except httpx.TransportError:
            return _Answer(None, NO_ANSWER, {})
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            return _Answer(response.status_code, _header_code(response) or UNREADABLE_ANSWER, {})
        if response.is_success:
            return _Answer(response.status_code, None, parsed)
        kind = parsed.get("__type") or _header_code(response)
        return _Answer(response.status_code, str(kind).rsplit("#", 1)[-1] if kind else None, parsed)


def _header_code(response: httpx.Response) -> str | None:
    if response.is_success:
        return None
    return response.headers.get("x-amzn-ErrorType", "").split(":")[0] or None
