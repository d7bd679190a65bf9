"""wrapguard-review: work the failure table.

  wrapguard-review list [--status open|resolved|ignored|all] [--reason R] [--source S] [--since 24h|ISO]
                        [--limit N] [--next-token T]
  wrapguard-review show CONVERSATION_ID
  wrapguard-review retry CONVERSATION_ID [PARTICIPANT_ID] [--code-id ID | --code-name NAME] [--force]
  wrapguard-review resolve|ignore (CONVERSATION_ID PARTICIPANT_ID | --from-file FILE|-) [--note TEXT] [--force]
  wrapguard-review export --format csv|jsonl [--status ...] [--output FILE]
  wrapguard-review stats [--since 7d] [--by queue|agent|media|day|reason|source ...] [--format csv]
  wrapguard-review report --html FILE [--since 7d]
  wrapguard-review config                      the stack, tables and functions used, and where each came from

Global options (`--stack-name`, `--region`, `--profile`, `--config-file`, `--table`, `--json`, `--version`)
go before or after the subcommand. Tables come from the deployed stack (stack_config.py); a flag or
variable (--table, WRAPGUARD_FAILURES_TABLE / FAILURES_TABLE_NAME, ...) overrides the stack's value.

Every error is one line on stderr; the exit codes are exit_codes.ExitCode (shown by --help).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from ..settings import ReviewSettings, load_settings
from . import config_cmd, export, list_cmd, report, resolve, retry, show, stats
from .common import EXIT_CODES_HELP, GLOBAL_OPTIONS, Context, ExitCode, Parser
from .exit_codes import classify, run_guarded
from .invoke import Invoker
from .stack_config import Configuration, locate

PROG = "wrapguard-review"

# Each module registers its own subcommand(s): adding one is a new module and one entry here.
SUBCOMMANDS = (list_cmd, show, retry, resolve, export, stats, report, config_cmd)

# DynamoDB operations whose ResourceNotFoundException means "no such table" (not e.g. a missing secret).
_TABLE_OPERATIONS = {"Query", "Scan", "GetItem", "UpdateItem", "PutItem", "BatchGetItem", "BatchWriteItem"}


def build_parser() -> Parser:
    parser = Parser(
        prog=PROG,
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
    invoker: Invoker | None = None,
) -> int:
    err = err or sys.stderr
    contexts: list[Context] = []

    def body() -> int:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:  # --help, --version; every parse error raises UsageError instead
            return int(exc.code or 0)
        ctx = Context(
            load_settings(ReviewSettings),
            Configuration(locate(args)),
            table=getattr(args, "table", None),
            json=getattr(args, "json", False),
            out=out or sys.stdout,
            err=err,
            stdin=stdin or sys.stdin,
            invoker=invoker,
        )
        contexts.append(ctx)
        return int(args.run(ctx, args))

    return run_guarded(PROG, body, err, lambda exc: _classify(exc, contexts[0] if contexts else None))


def _classify(exc: Exception, ctx: Context | None) -> tuple[ExitCode, str]:
    """A missing table names itself; everything else as every CLI classifies it (exit_codes.classify)."""
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
    return classify(exc)


if __name__ == "__main__":
    raise SystemExit(main())
