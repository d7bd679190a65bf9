"""Typed errors for Genesys Cloud calls. They carry the HTTP status and the ErrorBody, never a secret."""

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
        return self.status is None or self.status in RETRYABLE_STATUSES or self.status >= 500


class GenesysApiError(GenesysError):
    """Genesys answered with a non-2xx status."""


class GenesysTimeoutError(GenesysError):
    """No answer in time (connect/read timeout or connection failure) after the bounded retries."""


class GenesysAuthError(GenesysApiError):
    """The OAuth client-credentials grant was refused (wrong client id/secret, disabled client)."""
