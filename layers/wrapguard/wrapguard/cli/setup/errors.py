"""Errors and exit codes of wrapguard-setup (documented in `wrapguard-setup --help` and the README)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1  # unexpected error
EXIT_USAGE = 2  # bad options or configuration: no stack, no admin credentials, unreadable file
EXIT_PROBLEMS = 3  # verify found a problem (each printed with its fix)
EXIT_REFUSED = 4  # Genesys Cloud or AWS refused a call: apply/destroy stopped, what was done is listed


class UsageError(Exception):
    """Wrong options or configuration; the message says what to pass or set."""
