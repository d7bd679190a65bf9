"""A small Genesys Cloud REST client over httpx.

- OAuth client-credentials token, cached per container until shortly before expiry, fetched again
  once when the API answers 401 (client-credentials tokens cannot be refreshed: docs/genesys-api-notes.md s5).
- One httpx.Client per container, so connections are reused across warm invocations.
- Bounded retries with exponential backoff and full jitter on 429/502/503/504 and on timeouts,
  honouring `Retry-After` (whole seconds), never sleeping past the Lambda's remaining time.
- Every non-2xx becomes a typed `GenesysApiError` with the status and the ErrorBody.
"""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter, ValidationError

from .credentials import ClientCredentials
from .errors import RETRYABLE_STATUSES, GenesysApiError, GenesysAuthError, GenesysError, GenesysTimeoutError
from .models import Conversation, ErrorBody, TokenResponse, WrapupCode, WrapupCodePage, WrapupInput

TOKEN_EXPIRY_MARGIN_SECONDS = 60
# The vendor's Java SDK treats a Retry-After beyond 180 s as a daily limit breach and gives up.
MAX_RETRY_AFTER_SECONDS = 180
# Time kept back for recording a failure after the last Genesys attempt.
RESERVED_SECONDS = 1.0

_CODE_LIST = TypeAdapter(list[WrapupCode])


class RetryPolicy:
    def __init__(
        self,
        max_attempts: int = 4,
        base_delay: float = 0.2,
        max_delay: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2^(attempt-1))]."""
        return self._rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # HTTP-date form: not used by Genesys (assumption), fall back to backoff


class GenesysClient:
    def __init__(
        self,
        *,
        api_url: str,
        login_url: str,
        credentials: ClientCredentials,
        timeout_seconds: float = 5.0,
        retry: RetryPolicy | None = None,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api_url = api_url.rstrip("/")
        self._login_url = login_url.rstrip("/")
        self._credentials = credentials
        self._timeout = timeout_seconds
        self._retry = retry or RetryPolicy()
        self._http = http or httpx.Client(timeout=timeout_seconds, limits=httpx.Limits(max_keepalive_connections=10))
        self._clock = clock
        self._token: str | None = None
        self._token_expires_at = 0.0
        self._remaining_seconds: Callable[[], float] | None = None

    # --- per-invocation time budget -------------------------------------------------------------
    def set_time_budget(self, remaining_seconds: Callable[[], float] | None) -> None:
        """Bind to the current invocation (e.g. `lambda: context.get_remaining_time_in_millis() / 1000`)."""
        self._remaining_seconds = remaining_seconds

    def _remaining(self) -> float:
        return float("inf") if self._remaining_seconds is None else self._remaining_seconds() - RESERVED_SECONDS

    # --- token ----------------------------------------------------------------------------------
    def _access_token(self) -> str:
        if self._token is None or self._clock() >= self._token_expires_at:
            self._fetch_token()
        assert self._token is not None
        return self._token

    def invalidate_token(self) -> None:
        self._token = None

    def authenticate(self) -> None:
        """Get a token now (GenesysAuthError if the grant is refused): a credentials check for set-up tools."""
        self.invalidate_token()
        self._access_token()

    def _fetch_token(self) -> None:
        basic = base64.b64encode(
            f"{self._credentials.client_id}:{self._credentials.client_secret.get_secret_value()}".encode()
        ).decode()
        try:
            response = self._send(
                "oauth_token",
                lambda: self._http.build_request(
                    "POST",
                    f"{self._login_url}/oauth/token",
                    data={"grant_type": "client_credentials"},
                    headers={"Authorization": f"Basic {basic}"},
                    timeout=self._request_timeout(),
                ),
            )
        except GenesysApiError as exc:
            if exc.status in {400, 401, 403}:
                raise GenesysAuthError(
                    f"Genesys OAuth client-credentials grant refused (HTTP {exc.status}"
                    f"{': ' + exc.body.message if exc.body.message else ''})",
                    status=exc.status,
                    body=exc.body,
                    correlation_id=exc.correlation_id,
                    operation="oauth_token",
                ) from None
            raise
        token = TokenResponse.model_validate_json(response.content)
        self._token = token.access_token
        self._token_expires_at = self._clock() + max(0, token.expires_in - TOKEN_EXPIRY_MARGIN_SECONDS)

    # --- transport ------------------------------------------------------------------------------
    def _request_timeout(self) -> float:
        return max(0.1, min(self._timeout, self._remaining()))

    def _send(self, operation: str, build: Callable[[], httpx.Request]) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.send(build())
            except httpx.TransportError as exc:  # timeouts, refused/reset connections
                error: GenesysError = GenesysTimeoutError(
                    f"{operation}: no answer from Genesys Cloud ({type(exc).__name__})", operation=operation
                )
                delay = self._retry.backoff(attempt)
            else:
                if response.is_success:
                    return response
                error = _api_error(operation, response)
                if response.status_code not in RETRYABLE_STATUSES:
                    raise error
                retry_after = _retry_after_seconds(response)
                if retry_after is not None and retry_after > MAX_RETRY_AFTER_SECONDS:
                    raise error
                delay = retry_after if retry_after is not None else self._retry.backoff(attempt)
            if attempt >= self._retry.max_attempts or delay + self._timeout > self._remaining():
                raise error
            self._retry.sleep(delay)

    def _call(self, operation: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        def build() -> httpx.Request:
            return self._http.build_request(
                method,
                f"{self._api_url}{path}",
                headers={"Authorization": f"Bearer {self._access_token()}"},
                timeout=self._request_timeout(),
                **kwargs,
            )

        try:
            return self._send(operation, build)
        except GenesysApiError as exc:
            if exc.status != 401 or isinstance(exc, GenesysAuthError):
                raise
            # Token revoked or expired early: get a new one, once.
            self.invalidate_token()
            return self._send(operation, build)

    # --- API operations -------------------------------------------------------------------------
    def get_conversation(self, conversation_id: str) -> Conversation:
        response = self._call("get_conversation", "GET", f"/api/v2/conversations/{quote(conversation_id)}")
        return Conversation.model_validate_json(response.content)

    def apply_wrapup(self, conversation_id: str, participant_id: str, wrapup: WrapupInput) -> None:
        """PATCH the participant with `wrapup` only.

        Genesys' own "Wrap Up Conversation" action also sends `state: disconnected`; we never do,
        because that would hang up an agent who is still talking (we only call this inside the window).
        """
        self._call(
            "apply_wrapup",
            "PATCH",
            f"/api/v2/conversations/{quote(conversation_id)}/participants/{quote(participant_id)}",
            json=wrapup.request_body(),
        )

    def participant_wrapup_codes(self, conversation_id: str, participant_id: str) -> list[WrapupCode]:
        """Codes valid for this participant (the API answers with a bare array)."""
        response = self._call(
            "participant_wrapup_codes",
            "GET",
            f"/api/v2/conversations/{quote(conversation_id)}/participants/{quote(participant_id)}/wrapupcodes",
        )
        return _CODE_LIST.validate_json(response.content)

    def queue_wrapup_codes(self, queue_id: str) -> list[WrapupCode]:
        return self._code_pages("queue_wrapup_codes", f"/api/v2/routing/queues/{quote(queue_id)}/wrapupcodes", {})

    def org_wrapup_codes(self, name: str) -> list[WrapupCode]:
        """The org's codes whose name matches `name` (GET /api/v2/routing/wrapupcodes?name=)."""
        return self._code_pages("org_wrapup_codes", "/api/v2/routing/wrapupcodes", {"name": name})

    def _code_pages(self, operation: str, path: str, params: dict[str, Any]) -> list[WrapupCode]:
        codes: list[WrapupCode] = []
        page_number = 1
        while True:
            response = self._call(operation, "GET", path, params={**params, "pageSize": 100, "pageNumber": page_number})
            page = WrapupCodePage.model_validate_json(response.content)
            codes.extend(page.entities)
            if not page.entities or page_number >= (page.page_count or 1):
                return codes
            page_number += 1

    def post(self, operation: str, path: str, body: dict[str, Any]) -> bytes:
        return self._call(operation, "POST", path, json=body).content

    def get(self, operation: str, path: str, params: dict[str, Any] | None = None) -> bytes:
        return self._call(operation, "GET", path, params=params).content

    def put(self, operation: str, path: str, body: dict[str, Any]) -> bytes:
        return self._call(operation, "PUT", path, json=body).content

    def patch(self, operation: str, path: str, body: dict[str, Any]) -> bytes:
        return self._call(operation, "PATCH", path, json=body).content

    def delete(self, operation: str, path: str) -> bytes:
        return self._call(operation, "DELETE", path).content

    def close(self) -> None:
        self._http.close()


def _api_error(operation: str, response: httpx.Response) -> GenesysApiError:
    try:
        body = ErrorBody.model_validate_json(response.content)
    except ValidationError:
        body = ErrorBody(message=response.text[:500] or None)
    detail = " ".join(part for part in (body.code, body.message) if part)
    return GenesysApiError(
        f"{operation}: Genesys Cloud answered HTTP {response.status_code}{': ' + detail if detail else ''}",
        status=response.status_code,
        body=body,
        correlation_id=response.headers.get("ININ-Correlation-ID"),
        operation=operation,
    )
