"""A small Genesys Cloud REST client over httpx.

- OAuth client-credentials tokens, held per container until shortly before expiry in a `TokenPool`
  (token_pool.py: up to K tokens, each paced below Genesys' per-token limit), all dropped and fetched
  again once when the API answers 401 (client-credentials tokens cannot be refreshed:
  docs/genesys-api-notes.md s5).
- One httpx.Client per container, so connections are reused across warm invocations.
- Bounded retries with exponential backoff and full jitter on 429/502/503/504 and on timeouts,
  honouring `Retry-After` (whole seconds), never sleeping past the caller's `deadline` (every method takes one).
- The apply PATCH is never resent once it may have reached Genesys: after a timeout or a 5xx it raises
  `GenesysUncertainApplyError` (outcome unknown). 429, a 401 (one token refresh) and a connection that
  was never made are refusals, so those are resent.
- Every answer is classified (errors.py): a non-2xx is a typed `GenesysApiError` with the status and
  the ErrorBody; a 2xx whose body does not parse is `GenesysBadResponseError`.

What an error may say about a body (secrets rule, GUIDE): a *parsed* Genesys ErrorBody is kept (its
code/message/contextId are what reviewers need). Anything else is never quoted, not even an excerpt:
a 2xx or non-2xx body that is not an ErrorBody may be a proxy's HTML page echoing request headers
(the bearer token), and a token endpoint body may hold a token. Errors then name the operation, the
status, the media type and the size only. The token endpoint's bodies are never parsed into errors.
"""

from __future__ import annotations

import base64
import contextlib
import random
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter, ValidationError

from ..domain.deadline import Deadline
from .credentials import ClientCredentials, CredentialsSource, FixedCredentials
from .errors import (
    RETRYABLE_STATUSES,
    GenesysApiError,
    GenesysAuthError,
    GenesysBadResponseError,
    GenesysError,
    GenesysTimeoutError,
    GenesysUnauthorizedError,
    GenesysUncertainApplyError,
)
from .models import Conversation, ErrorBody, TokenResponse, WrapupCode, WrapupCodePage, WrapupInput
from .token_pool import TokenPool

TOKEN_EXPIRY_MARGIN_SECONDS = 60
# The vendor's Java SDK treats a Retry-After beyond 180 s as a daily limit breach and gives up.
MAX_RETRY_AFTER_SECONDS = 180
TOKEN_OPERATION = "oauth_token"  # noqa: S105 - an operation name, not a secret

# Transport errors raised before a request could be sent: resending cannot apply anything twice.
# Everything else (read/write timeouts, a connection lost mid-exchange) may have reached Genesys.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

_CODE_LIST = TypeAdapter(list[WrapupCode])
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9.+-]{1,40}/[A-Za-z0-9.+-]{1,60}")
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,40}")

T = TypeVar("T")


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
        credentials: CredentialsSource | ClientCredentials,
        timeout_seconds: float = 5.0,
        retry: RetryPolicy | None = None,
        http: httpx.Client | None = None,
        on_answer: Callable[[int], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        tokens: TokenPool | None = None,
    ) -> None:
        self._api_url = api_url.rstrip("/")
        self._login_url = login_url.rstrip("/")
        self._credentials = FixedCredentials(credentials) if isinstance(credentials, ClientCredentials) else credentials
        self._timeout = timeout_seconds
        self._retry = retry or RetryPolicy()
        # `on_answer` sees every HTTP status Genesys answers (retries included), e.g. to count 429/5xx.
        hooks = {"response": [lambda response: on_answer(response.status_code)]} if on_answer else {}
        self._http = http or httpx.Client(
            timeout=timeout_seconds, limits=httpx.Limits(max_keepalive_connections=10), event_hooks=hooks
        )
        self._clock = clock
        self._tokens = tokens or TokenPool(clock=lambda: self._clock())  # noqa: PLW0108 - late-bound: tests move the clock

    # --- token ----------------------------------------------------------------------------------
    def _access_token(self, deadline: Deadline) -> str:
        """A token for one request (its pacing budget taken); waits for one only while a request
        could still complete before the deadline."""
        return self._tokens.acquire(
            lambda: self._fetch_token(deadline), max_wait=lambda: deadline.remaining() - self._timeout
        )

    def invalidate_token(self) -> None:
        self._tokens.clear()

    def authenticate(self, *, deadline: Deadline) -> None:
        """Get a token now (GenesysAuthError if the grant is refused): a credentials check for set-up tools."""
        self.invalidate_token()
        self._access_token(deadline)

    def _fetch_token(self, deadline: Deadline) -> tuple[str, float]:
        """The grant with the source's current credentials; if refused as a client, once more with the
        source read again at once (a rotated secret, issue 15 D1), when that gives other credentials.
        Returns the token and how long to use it."""
        credentials = self._credentials.current(deadline=deadline)
        try:
            return self._grant(credentials, deadline)
        except GenesysAuthError:
            fresh = self._credentials.refresh(deadline=deadline)
            if fresh == credentials:
                raise
            return self._grant(fresh, deadline)

    def _grant(self, credentials: ClientCredentials, deadline: Deadline) -> tuple[str, float]:
        basic = base64.b64encode(
            f"{credentials.client_id}:{credentials.client_secret.get_secret_value()}".encode()
        ).decode()
        try:
            response = self._send(
                TOKEN_OPERATION,
                lambda: self._http.build_request(
                    "POST",
                    f"{self._login_url}/oauth/token",
                    data={"grant_type": "client_credentials"},
                    headers={"Authorization": f"Basic {basic}"},
                    timeout=self._request_timeout(deadline),
                ),
                deadline=deadline,
            )
        except GenesysApiError as exc:
            if exc.status in {400, 401, 403}:
                # Nothing from the answer: the login service's error text is not an ErrorBody we
                # could vouch for (it has echoed client ids and grant details).
                raise GenesysAuthError(
                    f"Genesys OAuth client-credentials grant refused (HTTP {exc.status})",
                    status=exc.status,
                    correlation_id=exc.correlation_id,
                    operation=TOKEN_OPERATION,
                ) from None
            raise
        token = _parse(TOKEN_OPERATION, response, TokenResponse.model_validate_json)
        return token.access_token, max(0, token.expires_in - TOKEN_EXPIRY_MARGIN_SECONDS)

    # --- transport ------------------------------------------------------------------------------
    def _request_timeout(self, deadline: Deadline) -> float:
        return max(0.1, min(self._timeout, deadline.remaining()))

    def _send(
        self, operation: str, build: Callable[[], httpx.Request], *, deadline: Deadline, resend: bool = True
    ) -> httpx.Response:
        """Send with bounded retries. `resend=False` (the apply): once a request may have reached
        Genesys (timeout, connection lost, 5xx) it is never sent again; it raises
        GenesysUncertainApplyError instead. Refusals (429) and unsent requests are still retried."""
        attempt = 0
        while True:
            attempt += 1
            if deadline.remaining() <= 0:
                raise GenesysTimeoutError(
                    f"{operation}: not sent, the invocation's deadline left no time", operation=operation
                )
            try:
                response = self._http.send(build())
            except httpx.TransportError as exc:  # timeouts, refused/reset connections
                if not resend and not isinstance(exc, _NOT_SENT):
                    raise GenesysUncertainApplyError(
                        f"{operation}: no answer from Genesys Cloud ({type(exc).__name__}); the request may"
                        " have taken effect: re-read before any retry",
                        operation=operation,
                    ) from None
                error: GenesysError = GenesysTimeoutError(
                    f"{operation}: no answer from Genesys Cloud ({type(exc).__name__})", operation=operation
                )
                delay = self._retry.backoff(attempt)
            else:
                if response.is_success:
                    return response
                error = _api_error(operation, response)
                if not resend and response.status_code >= 500:
                    raise GenesysUncertainApplyError(
                        f"{error}; the request may have taken effect: re-read before any retry",
                        status=error.status,
                        body=error.body,
                        correlation_id=error.correlation_id,
                        operation=operation,
                    )
                if response.status_code not in RETRYABLE_STATUSES:
                    raise error
                retry_after = _retry_after_seconds(response)
                if retry_after is not None and retry_after > MAX_RETRY_AFTER_SECONDS:
                    raise error
                delay = retry_after if retry_after is not None else self._retry.backoff(attempt)
            if attempt >= self._retry.max_attempts or delay + self._timeout > deadline.remaining():
                raise error
            self._retry.sleep(delay)

    def _call(
        self, operation: str, method: str, path: str, *, deadline: Deadline, resend: bool = True, **kwargs: Any
    ) -> httpx.Response:
        def build() -> httpx.Request:
            return self._http.build_request(
                method,
                f"{self._api_url}{path}",
                headers={"Authorization": f"Bearer {self._access_token(deadline)}"},
                timeout=self._request_timeout(deadline),
                **kwargs,
            )

        try:
            return self._send(operation, build, deadline=deadline, resend=resend)
        except GenesysApiError as exc:
            if exc.status != 401 or isinstance(exc, GenesysAuthError):
                raise
        # Token revoked or expired early: get a new one, once. A 401 is a refusal, so even the apply
        # may be resent.
        self.invalidate_token()
        try:
            return self._send(operation, build, deadline=deadline, resend=resend)
        except GenesysApiError as again:
            if again.status != 401 or isinstance(again, GenesysAuthError):
                raise
            raise GenesysUnauthorizedError(
                f"{again}, again with a new token",
                status=401,
                body=again.body,
                correlation_id=again.correlation_id,
                operation=operation,
            ) from None

    # --- API operations -------------------------------------------------------------------------
    def get_conversation(self, conversation_id: str, *, deadline: Deadline) -> Conversation:
        response = self._call(
            "get_conversation", "GET", f"/api/v2/conversations/{quote(conversation_id)}", deadline=deadline
        )
        return _parse("get_conversation", response, Conversation.model_validate_json)

    def apply_wrapup(
        self, conversation_id: str, participant_id: str, wrapup: WrapupInput, *, deadline: Deadline
    ) -> None:
        """PATCH the participant with `wrapup` only, at most once where it may have taken effect.

        Raises GenesysUncertainApplyError after a timeout or a 5xx (outcome unknown: re-read the
        participant before any retry); GenesysTimeoutError only when no connection could be made
        (nothing was sent). Genesys' own "Wrap Up Conversation" action also sends
        `state: disconnected`; we never do, because that would hang up an agent who is still talking
        (we only call this inside the window).
        """
        self._call(
            "apply_wrapup",
            "PATCH",
            f"/api/v2/conversations/{quote(conversation_id)}/participants/{quote(participant_id)}",
            resend=False,
            deadline=deadline,
            json=wrapup.request_body(),
        )

    def participant_wrapup_codes(
        self, conversation_id: str, participant_id: str, *, deadline: Deadline
    ) -> list[WrapupCode]:
        """Codes valid for this participant (the API answers with a bare array)."""
        response = self._call(
            "participant_wrapup_codes",
            "GET",
            f"/api/v2/conversations/{quote(conversation_id)}/participants/{quote(participant_id)}/wrapupcodes",
            deadline=deadline,
        )
        return _parse("participant_wrapup_codes", response, _CODE_LIST.validate_json)

    def queue_wrapup_codes(self, queue_id: str, *, deadline: Deadline) -> list[WrapupCode]:
        path = f"/api/v2/routing/queues/{quote(queue_id)}/wrapupcodes"
        return self._code_pages("queue_wrapup_codes", path, {}, deadline)

    def org_wrapup_codes(self, name: str, *, deadline: Deadline) -> list[WrapupCode]:
        """The org's codes whose name matches `name` (GET /api/v2/routing/wrapupcodes?name=)."""
        return self._code_pages("org_wrapup_codes", "/api/v2/routing/wrapupcodes", {"name": name}, deadline)

    def _code_pages(self, operation: str, path: str, params: dict[str, Any], deadline: Deadline) -> list[WrapupCode]:
        codes: list[WrapupCode] = []
        page_number = 1
        while True:
            query = {**params, "pageSize": 100, "pageNumber": page_number}
            response = self._call(operation, "GET", path, params=query, deadline=deadline)
            page = _parse(operation, response, WrapupCodePage.model_validate_json)
            codes.extend(page.entities)
            if not page.entities or page_number >= (page.page_count or 1):
                return codes
            page_number += 1

    def post(self, operation: str, path: str, body: dict[str, Any], *, deadline: Deadline) -> bytes:
        return self._call(operation, "POST", path, json=body, deadline=deadline).content

    def get(self, operation: str, path: str, params: dict[str, Any] | None = None, *, deadline: Deadline) -> bytes:
        return self._call(operation, "GET", path, params=params, deadline=deadline).content

    def post_parsed(
        self, operation: str, path: str, body: dict[str, Any], parse: Callable[[bytes], T], *, deadline: Deadline
    ) -> T:
        """POST and parse the 2xx body with `parse` (e.g. `Model.model_validate_json`), classified."""
        return _parse(operation, self._call(operation, "POST", path, json=body, deadline=deadline), parse)

    def get_parsed(
        self,
        operation: str,
        path: str,
        parse: Callable[[bytes], T],
        params: dict[str, Any] | None = None,
        *,
        deadline: Deadline,
    ) -> T:
        """GET and parse the 2xx body with `parse`, classified."""
        return _parse(operation, self._call(operation, "GET", path, params=params, deadline=deadline), parse)

    def put(self, operation: str, path: str, body: dict[str, Any], *, deadline: Deadline) -> bytes:
        return self._call(operation, "PUT", path, json=body, deadline=deadline).content

    def patch(self, operation: str, path: str, body: dict[str, Any], *, deadline: Deadline) -> bytes:
        return self._call(operation, "PATCH", path, json=body, deadline=deadline).content

    def delete(self, operation: str, path: str, *, deadline: Deadline) -> bytes:
        return self._call(operation, "DELETE", path, deadline=deadline).content

    def close(self) -> None:
        self._http.close()


def _parse(operation: str, response: httpx.Response, parse: Callable[[bytes], T]) -> T:
    """Parse a 2xx body, or raise GenesysBadResponseError saying what was wrong but quoting nothing."""
    try:
        return parse(response.content)
    except ValidationError as exc:
        problem = _shape_problem(exc)
    # Raised outside the except block: no chained ValidationError (whose text quotes the input).
    raise GenesysBadResponseError(
        f"{operation}: Genesys Cloud answered HTTP {response.status_code} with {_describe_body(response)}"
        f" that is {problem}",
        status=response.status_code,
        correlation_id=response.headers.get("ININ-Correlation-ID"),
        operation=operation,
    )


def _shape_problem(exc: ValidationError) -> str:
    """'not valid JSON', or where the JSON departs from the model (field names and indexes only)."""
    first = exc.errors(include_url=False, include_context=False, include_input=False)[0]
    if first["type"] == "json_invalid":
        return "not valid JSON"
    where = ".".join(
        str(part) if isinstance(part, int) or _FIELD_NAME.fullmatch(part) else "?" for part in first["loc"]
    )
    return f"JSON of an unexpected shape ({first['type']} at {where or 'top level'})"


def _describe_body(response: httpx.Response) -> str:
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    kind = media_type if _MEDIA_TYPE.fullmatch(media_type) else "no usable content type"
    return f"a body ({kind}, {len(response.content)} bytes)"


def _api_error(operation: str, response: httpx.Response) -> GenesysApiError:
    """A non-2xx as a typed error. Only a body that parses as a Genesys ErrorBody is kept, and never
    one from the token endpoint; anything else is described (type, size), not quoted (module doc)."""
    body = ErrorBody()
    if operation != TOKEN_OPERATION:
        with contextlib.suppress(ValidationError):
            body = ErrorBody.model_validate_json(response.content)
    detail = " ".join(part for part in (body.code, body.message) if part)
    if not detail and operation != TOKEN_OPERATION and response.content:
        detail = f"{_describe_body(response)} that is not a Genesys ErrorBody"
    return GenesysApiError(
        f"{operation}: Genesys Cloud answered HTTP {response.status_code}{': ' + detail if detail else ''}",
        status=response.status_code,
        body=body,
        correlation_id=response.headers.get("ININ-Correlation-ID"),
        operation=operation,
    )
