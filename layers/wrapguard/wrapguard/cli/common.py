"""What every `wrapguard-review` subcommand shares: exit codes, typed errors, global options, context.

A subcommand is a module with `register(commands)`: it calls `add_command`, which gives its parser
the global options (so `list --json` works as well as `--json list`) and ties it to its `run`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any, TextIO, TypeAlias

from ..aws.dynamodb import DynamoDB
from ..domain.deadline import Deadline
from ..identifiers import canonical_uuid
from ..settings import GenesysSettings, ReviewSettings
from ..store.failures import FailureStore

if TYPE_CHECKING:
    from ..genesys.client import GenesysClient


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # unexpected: DynamoDB or Genesys unreachable, a write failed half-way
    USAGE = 2  # bad option or input, unreadable input, unwritable output, missing table or credentials
    STILL_FAILING = 3  # retry attempted, the code is still not applied
    NOT_FOUND = 4  # no such failure
    ALREADY_REVIEWED = 5  # resolve/ignore/retry on a reviewed item without --force
    INTERRUPTED = 130


EXIT_CODES_HELP = """exit codes:
  0    done
  1    unexpected error (e.g. DynamoDB or Genesys unreachable)
  2    usage or input error: bad option or filter, bad --next-token or id, unreadable --from-file,
       unwritable --output, no table or no credentials (nothing is written)
  3    retry: the code is still not applied
  4    no such failure (with many items: at least one not found)
  5    already reviewed; pass --force (with many items: at least one, and none missing)
  130  interrupted"""


class CliError(Exception):
    """An error the user can act on: printed as one line, the process exits with `exit_code`."""

    exit_code = ExitCode.ERROR


class UsageError(CliError):
    exit_code = ExitCode.USAGE


class NotFoundError(CliError):
    exit_code = ExitCode.NOT_FOUND


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace (an exception can carry newlines) and cap the length."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def shown(value: str, limit: int = 40) -> str:
    """User input quoted inside an error message (escaped, so one line), never much longer than `limit`."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


class Parser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of printing usage + message and exiting (one line)."""

    def error(self, message: str) -> Any:  # argparse declares NoReturn; raising satisfies it
        command = self.prog.partition(" ")[2]
        raise UsageError(f"{command}: {message}" if command else message)


def global_options() -> Parser:
    """Options valid before or after the subcommand. SUPPRESS defaults keep a value given before the
    subcommand from being reset by the subcommand parser's default."""
    options = Parser(add_help=False)
    options.add_argument(
        "--table",
        default=argparse.SUPPRESS,
        help="failure table name (default: $WRAPGUARD_FAILURES_TABLE or $FAILURES_TABLE_NAME)",
    )
    options.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
    return options


GLOBAL_OPTIONS = global_options()

Commands: TypeAlias = "argparse._SubParsersAction[Parser]"
Run = Callable[["Context", argparse.Namespace], int]


def add_command(commands: Commands, name: str, run: Run, *, help: str) -> Parser:
    parser: Parser = commands.add_parser(
        name, help=help, description=help, parents=[GLOBAL_OPTIONS], epilog=EXIT_CODES_HELP, formatter_class=_Help
    )
    parser.set_defaults(run=run)
    return parser


class _Help(argparse.RawDescriptionHelpFormatter):
    pass


# A review command's whole time limit (a listing of many pages, a batch of reviews).
CLI_DEADLINE_SECONDS = 600.0


def workstation_dynamodb() -> DynamoDB:
    """DynamoDB over the workstation's boto3 session (profile, SSO): the CLIs' one credential provider."""
    from ..aws.credentials import BotoSessionCredentials
    from ..runtime import build_dynamodb

    session = BotoSessionCredentials()
    return build_dynamodb(credentials=session, region=session.region)


def workstation_genesys(settings: GenesysSettings) -> GenesysClient:
    """The Genesys client, its secret (if any) read over the workstation's boto3 session."""
    from ..aws.credentials import BotoSessionCredentials
    from ..runtime import build_genesys

    session = BotoSessionCredentials()
    return build_genesys(settings, credentials=session, region=session.region)


@dataclass
class Context:
    """What a subcommand runs with: output streams, `--json`, and the failure table (opened on use)."""

    settings: ReviewSettings
    table: str | None = None
    json: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)

    @property
    def table_name(self) -> str:
        name = self.table or self.settings.table_name
        if not name:
            raise UsageError("no failure table: pass --table or set WRAPGUARD_FAILURES_TABLE")
        return name

    @cached_property
    def deadline(self) -> Deadline:
        """This command's time limit, started on first use: every read and write it makes ends before it."""
        return Deadline.after(CLI_DEADLINE_SECONDS)

    @cached_property
    def db(self) -> DynamoDB:
        return workstation_dynamodb()

    @cached_property
    def failures(self) -> FailureStore:
        return FailureStore(self.db, self.table_name)

    def emit_json(self, value: Any) -> None:
        print(json.dumps(value, default=str), file=self.out)

    def warn(self, message: str) -> None:
        print(f"wrapguard-review: {one_line(message)}", file=self.err)


# --- argument types (argparse turns ArgumentTypeError into a one-line usage error) --------------
def conversation_id(value: str) -> str:
    try:
        return canonical_uuid(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc}, got {shown(value)}") from None


def participant_id(value: str) -> str:
    """A participant UUID, or `unresolved` (the key of failures not tied to a participant)."""
    from ..domain.failures import UNRESOLVED_PARTICIPANT

    if value == UNRESOLVED_PARTICIPANT:
        return value
    try:
        return canonical_uuid(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a UUID (8-4-4-4-12 hex digits) or {UNRESOLVED_PARTICIPANT!r}, got {shown(value)}"
        ) from None


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {shown(value)}") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, got {number}")
        return number

    return parse


def bounded_text(limit: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if not value.strip():
            raise argparse.ArgumentTypeError("must not be empty")
        if len(value) > limit:
            raise argparse.ArgumentTypeError(f"at most {limit} characters, got {len(value)}")
        return value

    return parse
