"""wrapguard-review: work the failure table.

  wrapguard-review list [--status open|resolved|ignored|all] [--reason R] [--source S] [--since 24h|ISO]
                        [--limit N] [--next-token T]
  wrapguard-review show CONVERSATION_ID
  wrapguard-review retry CONVERSATION_ID [PARTICIPANT_ID] [--code-id ID | --code-name NAME] [--force]
  wrapguard-review resolve|ignore (CONVERSATION_ID PARTICIPANT_ID | --from-file FILE|-) [--note TEXT] [--force]
  wrapguard-review export --format csv|jsonl [--status ...] [--output FILE]
  wrapguard-review stats [--since 7d] [--by queue|agent|media|day|reason|source ...] [--format csv]
  wrapguard-review report --html FILE [--since 7d]

Global options (`--table`, `--json`) go before or after the subcommand. Works against AWS (standard
credential chain and region) or a local DynamoDB server (AWS_ENDPOINT_URL). The table comes from
--table, WRAPGUARD_FAILURES_TABLE or FAILURES_TABLE_NAME. `retry` also needs the Genesys settings the
functions use (GENESYS_REGION, GENESYS_CREDENTIALS_SECRET or GENESYS_CLIENT_ID/GENESYS_CLIENT_SECRET).

Every error is one line on stderr; the exit codes are in common.EXIT_CODES_HELP (shown by --help).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from ..settings import ReviewSettings, SettingsError, load_settings
from . import export, list_cmd, report, resolve, retry, show, stats
from .common import EXIT_CODES_HELP, GLOBAL_OPTIONS, CliError, Context, ExitCode, Parser, one_line

# Each module registers its own subcommand(s): adding one is a new module and one entry here.
SUBCOMMANDS = (list_cmd, show, retry, resolve, export, stats, report)

# DynamoDB operations whose ResourceNotFoundException means "no such table" (not e.g. a missing secret).
_TABLE_OPERATIONS = {"Query", "Scan", "GetItem", "UpdateItem", "PutItem", "BatchGetItem", "BatchWriteItem"}


def build_parser() -> Parser:
    parser = Parser(
        prog="wrapguard-review",
        description="Review wrapguard's failure table.",
        parents=[GLOBAL_OPTIONS],
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.register(commands)
    return parser


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    *,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    err = err or sys.stderr
    ctx: Context | None = None
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:  # --help; every parse error raises UsageError instead
            return int(exc.code or 0)
        ctx = Context(
            load_settings(ReviewSettings),
            table=getattr(args, "table", None),
            json=getattr(args, "json", False),
            out=out or sys.stdout,
            err=err,
            stdin=stdin or sys.stdin,
        )
        return int(args.run(ctx, args))
    except CliError as exc:
        code, message = exc.exit_code, str(exc)
    except KeyboardInterrupt:
        code, message = ExitCode.INTERRUPTED, "interrupted"
    except Exception as exc:
        code, message = _classify(exc, ctx)
    print(f"wrapguard-review: {one_line(message)}", file=err)
    return int(code)


def _classify(exc: Exception, ctx: Context | None) -> tuple[ExitCode, str]:
    """Configuration problems are usage errors (2); anything else is unexpected (1). One line either way."""
    from ..aws.credentials import CredentialsUnavailable
    from ..domain.errors import StorageUnavailable

    if (
        isinstance(exc, StorageUnavailable)
        and exc.code == "ResourceNotFoundException"
        and exc.operation in _TABLE_OPERATIONS
        and ctx is not None
    ):
        endpoint = ctx.settings.aws_endpoint_url
        where = f" (endpoint {endpoint})" if endpoint else ""
        return ExitCode.USAGE, f"table {ctx.table_name!r} not found in this account/region{where}"
    if isinstance(exc, CredentialsUnavailable | SettingsError):
        return ExitCode.USAGE, str(exc)
    if isinstance(exc, StorageUnavailable) and exc.code == "NoCredentials":
        return ExitCode.USAGE, str(exc)
    return ExitCode.ERROR, f"{type(exc).__name__}: {exc}"


if __name__ == "__main__":
    raise SystemExit(main())
