"""Errors and exit codes of wrapguard-setup (documented in `wrapguard-setup --help` and the README)."""

from __future__ import annotations

from pydantic import ValidationError

EXIT_OK = 0
EXIT_ERROR = 1  # unexpected error
EXIT_USAGE = 2  # bad options or configuration: no stack, no admin credentials, unreadable file
EXIT_PROBLEMS = 3  # verify found a problem (each printed with its fix)
EXIT_REFUSED = 4  # Genesys Cloud or AWS refused a call: apply/destroy stopped, what was done is listed


class UsageError(Exception):
    """Wrong options or configuration; the message says what to pass or set."""


def safe_text(exc: Exception) -> str:
    """What to print of an error. Never pydantic's own text: it quotes the input, which may be a secret."""
    if isinstance(exc, ValidationError):
        fields = sorted({".".join(map(str, e["loc"])) or "(value)" for e in exc.errors()})
        return f"{exc.title}: cannot read {', '.join(fields)}"
    return str(exc)
