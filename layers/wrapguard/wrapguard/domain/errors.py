"""Errors the domain decides about, raised by adapters after translating their own.

The domain never sees a transport's exception: the Genesys adapter and the AWS adapters map theirs
to these, so the domain can answer a caller (`failed`, recorded) instead of letting a Lambda die.
"""

from __future__ import annotations


class StorageUnavailable(Exception):
    """One of wrapguard's own tables could not be read or written (after the adapter's bounded retries,
    or because the invocation's deadline left no time to try). Never carries credentials or item data."""

    def __init__(self, message: str, *, operation: str, code: str | None = None) -> None:
        super().__init__(message)
        self.operation = operation
        self.code = code  # AWS's error code (AccessDeniedException, ThrottlingException, ...) or "DeadlineExceeded"
