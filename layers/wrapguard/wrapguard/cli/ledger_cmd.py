"""`wrapguard-review ledger`: the reporting ledger's rows from the stack's ledger table, as CSV or JSON lines.

The rows are the ones BI reads with Athena (docs/ledger.md), same columns, same values: the CSV header
is the column names, an empty cell is an empty column; JSON lines are the records Firehose receives.

Latest only: the ledger table keeps the LATEST version per participant; every version is in S3 and
Athena (the saved "effective code per interaction" query is the same rows as this). `--latest` is
therefore the default and only mode, accepted so scripts can say so.

`--since` selects by the conversation's end (UTC): one DayIndex query per day, paged, oldest first.
CSV cells a spreadsheet would run as a formula are neutralised (safe_csv.py). Progress every
PROGRESS_EVERY rows on stderr.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from ..domain.ledger import LedgerRow
from ..ledger_schema import COLUMN_NAMES
from ..store.ledger import LedgerTable
from .common import Commands, Context, ExitCode, UsageError, add_command, shown
from .filters import parse_since
from .review_ledger import ledger_table
from .safe_csv import SafeCsvWriter

PROGRESS_EVERY = 1000


def register(commands: Commands) -> None:
    parser = add_command(commands, "ledger", run, help="the reporting ledger's rows (effective code per interaction)")
    parser.add_argument(
        "--since", default="7d", type=parse_since, help="conversations ended since 30m, 24h, 7d (default) or ISO"
    )
    parser.add_argument("--format", choices=["csv", "jsonl"], help="csv (default) or jsonl (also --json)")
    parser.add_argument(
        "--latest",
        action="store_true",
        help="the latest version per participant (the default and only mode: every version is in S3/Athena)",
    )
    parser.add_argument("--output", metavar="FILE", help="file to write (default: stdout)")


def run(ctx: Context, args: argparse.Namespace) -> int:
    table_name = ledger_table(ctx, required=True)
    assert table_name is not None
    fmt = args.format or ("jsonl" if ctx.json else "csv")
    target = _open(args.output) if args.output else ctx.out
    rows = LedgerTable(ctx.db, table_name).since(args.since, deadline=ctx.deadline)
    try:
        count = write_rows(rows, fmt, target, ctx.err)
    finally:
        if args.output:
            target.close()
    print(f"ledger: {count} row(s)" + (f" written to {args.output}" if args.output else ""), file=ctx.err)
    return ExitCode.OK


def write_rows(rows: Iterable[LedgerRow], fmt: str, target: TextIO, progress: TextIO) -> int:
    writer = SafeCsvWriter(target, COLUMN_NAMES) if fmt == "csv" else None
    count = 0
    for row in rows:
        record = row.record()
        if writer:
            writer.row(record[name] for name in COLUMN_NAMES)
        else:
            target.write(json.dumps(record, separators=(",", ":")) + "\n")
        count += 1
        if count % PROGRESS_EVERY == 0:
            print(f"ledger: {count} row(s)…", file=progress, flush=True)
    return count


def _open(path: str) -> TextIO:
    try:
        return Path(path).open("w", newline="", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--output: cannot write {shown(path)}: {exc.strerror}") from None
