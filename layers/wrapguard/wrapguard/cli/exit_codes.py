"""The one exit-code table of wrapguard-review, wrapguard-redrive and wrapguard-setup (README "Exit codes").

Every CLI maps its outcomes onto these numbers and prints every error as one line on stderr, so a
script that runs any of them can branch on the same codes. Errors the user can act on are `CliError`s:
the message is printed as is and the process exits with the error's code.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import suppress
from enum import IntEnum
from typing import TextIO


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # unexpected: a service unreachable, a write failed half-way
    USAGE = 2  # bad option or input, missing configuration (stack, output, table, credentials)
    NOT_DONE = 3  # the work ran and did not succeed: retry still failing, redrive left messages, verify problems
    NOT_FOUND = 4  # no such failure
    ALREADY_REVIEWED = 5  # resolve/ignore/retry on a reviewed item without --force
    REFUSED = 6  # AWS, Genesys Cloud or a deployed function refused or failed the call
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


EXIT_CODES_HELP = """exit codes (the same for wrapguard-review, wrapguard-redrive, wrapguard-setup):
  0    done
  1    unexpected error
  2    usage or configuration: bad option or input, no stack / stack output / table, no credentials
  3    not done: retry still failing, redrive left messages in the queue, verify found a problem,
       set-up left an object alone
  4    no such failure (with many items: at least one not found)
  5    already reviewed; pass --force (with many items: at least one, and none missing)
  6    refused: AWS, Genesys Cloud or the deployed function refused or failed the call
  130  interrupted (Ctrl-C)"""


class CliError(Exception):
    """An error the user can act on: printed as one line, the process exits with `exit_code`."""

    exit_code = ExitCode.ERROR


class UsageError(CliError):
    exit_code = ExitCode.USAGE


class NotFoundError(CliError):
    exit_code = ExitCode.NOT_FOUND


class RefusedError(CliError):
    exit_code = ExitCode.REFUSED


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace (an exception can carry newlines) and cap the length."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def classify(exc: Exception) -> tuple[ExitCode, str]:
    """Errors no CLI anticipated: missing credentials or configuration are usage errors, an AWS refusal
    (AccessDenied, throttled past the SDK's retries, ...) is REFUSED, anything else unexpected."""
    from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError, PartialCredentialsError

    from ..aws.credentials import CredentialsUnavailable
    from ..domain.errors import StorageUnavailable
    from ..settings import SettingsError

    configuration = (
        NoCredentialsError | PartialCredentialsError | NoRegionError | SettingsError | CredentialsUnavailable
    )
    if isinstance(exc, configuration) or (isinstance(exc, StorageUnavailable) and exc.code == "NoCredentials"):
        return ExitCode.USAGE, str(exc)
    if isinstance(exc, ClientError):
        return ExitCode.REFUSED, f"AWS refused {exc.operation_name}: {exc}"
    if isinstance(exc, StorageUnavailable) and exc.code and exc.code.startswith(_REFUSALS):
        return ExitCode.REFUSED, str(exc)
    return ExitCode.ERROR, f"{type(exc).__name__}: {exc}"


# AWS error codes that mean "not allowed" rather than "not reachable now".
_REFUSALS = ("AccessDenied", "UnrecognizedClient", "InvalidSignature", "ExpiredToken")


def run_guarded(
    prog: str,
    body: Callable[[], int],
    err: TextIO | None = None,
    classify: Callable[[Exception], tuple[ExitCode, str]] = classify,
) -> int:
    """Run a CLI's body: a CliError or any other exception becomes one line on stderr and its exit code;
    Ctrl-C exits 130 with one line and no traceback, whatever the CLI was doing."""
    stream = err or sys.stderr
    try:
        return body()
    except CliError as exc:
        code, message = exc.exit_code, str(exc)
    except KeyboardInterrupt:
        code, message = ExitCode.INTERRUPTED, "interrupted"
    except Exception as exc:
        code, message = classify(exc)
    with suppress(KeyboardInterrupt):  # a second Ctrl-C while reporting the first
        print(f"{prog}: {one_line(message)}", file=stream, flush=True)
    return int(code)
