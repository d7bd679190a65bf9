"""Typed errors for Genesys Cloud calls. They carry the HTTP status and the ErrorBody, never a secret.

Every answer is classified (callers decide on the type and on `transient`, never on text):

| error                        | when                                                        | transient |
|------------------------------|-------------------------------------------------------------|-----------|
| GenesysApiError              | a non-2xx answer (status, ErrorBody)                        | 429, 5xx  |
| GenesysUnauthorizedError     | 401 again with a freshly fetched token                      | yes       |
| GenesysAuthError             | the OAuth client-credentials grant was refused              | no        |
| GenesysTimeoutError          | no answer in time, after the bounded retries                | yes       |
| GenesysBadResponseError      | a 2xx whose body does not parse (HTML, truncated, wrong shape) | yes    |
| GenesysUncertainApplyError   | the apply PATCH timed out or got a 5xx: outcome unknown      | yes       |
| CredentialsMisconfiguredError | the credentials secret is missing, denied or malformed (an AuthError) | no |
| CredentialsUnreachableError  | the credentials secret could not be read now (a TimeoutError) | yes      |

`transient` means "the same request may succeed later": the event path raises (Lambda retries),
only non-transient errors are decisions worth saving as idempotent results. 400/403/404/409/422
are not transient.

No message ever contains any part of a response body that was not a parsed Genesys ErrorBody, and
nothing from the token endpoint (its body may hold a token): see client.py.
"""

from __future__ import annotations

from .models import ErrorBody

# 429 and the gateway errors are the ones the vendor's own SDK retries (docs/genesys-api-notes.md section 6).
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


class GenesysError(Exception):
    """A Genesys Cloud call failed. `status` is None when no HTTP answer arrived (timeout)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: ErrorBody | None = None,
        correlation_id: str | None = None,
        operation: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = body or ErrorBody()
        self.correlation_id = correlation_id
        self.operation = operation

    @property
    def transient(self) -> bool:
        """True when the same request may succeed later (retry), False for a refusal that will repeat."""
        return self.status is None or self.status in RETRYABLE_STATUSES or self.status >= 500


class GenesysApiError(GenesysError):
    """Genesys answered with a non-2xx status."""


class GenesysUnauthorizedError(GenesysApiError):
    """HTTP 401 although the token was fetched again just before the resend.

    Not a refused grant (that is GenesysAuthError): the credentials work, the API still said 401
    (token propagation, a revoked token racing a new one). Transient: retry later, do not save it as
    a decision.
    """

    @property
    def transient(self) -> bool:
        return True


class GenesysAuthError(GenesysApiError):
    """The OAuth client-credentials grant was refused (wrong client id/secret, disabled client).

    Not transient: the same credentials will be refused again until someone fixes them.
    """

    @property
    def transient(self) -> bool:
        return False


class GenesysTimeoutError(GenesysError):
    """No answer in time (connect/read timeout or connection failure) after the bounded retries."""


class GenesysBadResponseError(GenesysError):
    """A 2xx answer whose body is not what the API documents: not JSON (an HTML page from a proxy),
    truncated JSON, or JSON of the wrong shape.

    `status` is the 2xx status. The message names the operation, the status, the size and what was
    wrong (not JSON / which field), never any part of the body. Transient, like a 5xx: the domain
    maps it to `upstream_error`; the event path raises it for retry.
    """

    @property
    def transient(self) -> bool:
        return True


class GenesysUncertainApplyError(GenesysError):
    """The PATCH that applies a wrap-up got no answer in time, or a 5xx: it may have taken effect.

    Raised after ONE attempt: the client never resends an apply whose outcome is unknown (a 429 or a
    401 is a refusal and is resent; a connection that was never made is retried too). `status` is the
    5xx status, or None for a timeout / connection lost after the request was sent (`timed_out`).

    Callers must re-read the participant before any retry and apply again only if the code is not set
    (issue 10, item 2). Transient.
    """

    @property
    def timed_out(self) -> bool:
        return self.status is None

    @property
    def transient(self) -> bool:
        return True


class CredentialsMisconfiguredError(GenesysAuthError):
    """The client credentials cannot be had: the secret is missing, access or its KMS key is denied,
    or it is not JSON with clientId and clientSecret. The token grant cannot even be tried, which the
    domain treats like a refused grant (auth_refused, recorded; not transient). Names the variable only."""


class CredentialsUnreachableError(GenesysTimeoutError):
    """The credentials secret could not be read now (no answer, throttled, 5xx): like a timeout, transient."""
