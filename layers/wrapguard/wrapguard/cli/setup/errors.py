"""Errors and exit codes of wrapguard-setup: the one table of every wrapguard CLI (cli/exit_codes.py)."""

from __future__ import annotations

from pydantic import ValidationError

from ..exit_codes import ExitCode, UsageError

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_PROBLEMS", "EXIT_REFUSED", "EXIT_USAGE", "UsageError", "safe_text"]

EXIT_OK = ExitCode.OK
EXIT_ERROR = ExitCode.ERROR  # unexpected error
EXIT_USAGE = ExitCode.USAGE  # bad options or configuration: no stack, no admin credentials, unreadable file
EXIT_PROBLEMS = ExitCode.NOT_DONE  # verify found a problem (each printed with its fix), or an object left alone
EXIT_REFUSED = ExitCode.REFUSED  # Genesys Cloud or AWS refused a call: apply/destroy stopped, what was done is listed


def safe_text(exc: Exception) -> str:
    """What to print of an error. Never pydantic's own text: it quotes the input, which may be a secret."""
    if isinstance(exc, ValidationError):
        fields = sorted({".".join(map(str, e["loc"])) or "(value)" for e in exc.errors()})
        return f"{exc.title}: cannot read {', '.join(fields)}"
    return str(exc)
