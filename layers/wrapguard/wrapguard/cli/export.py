"""`wrapguard-review export`: every failure (or those of one status) as CSV or JSON lines.

CSV cells that a spreadsheet would run as a formula are written with a leading `'` (safe_csv.py);
JSON lines hold the values unchanged.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from ..domain.failures import FailureStatus
from .common import Commands, Context, ExitCode, UsageError, add_command, shown
from .filters import ALL, STATUS_CHOICES
from .safe_csv import SafeCsvWriter
from .show import COLUMNS


def register(commands: Commands) -> None:
    parser = add_command(commands, "export", run, help="all failures for reporting")
    parser.add_argument("--format", required=True, choices=["csv", "jsonl"])
    parser.add_argument("--status", default=ALL, choices=STATUS_CHOICES)
    parser.add_argument("--output", metavar="FILE", help="file to write (default: stdout)")


def run(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.failures
    # One StatusIndex query per status (merged newest first), never a Scan: ReviewerPolicy grants none.
    statuses = list(FailureStatus) if args.status == ALL else [FailureStatus(args.status)]
    items = store.newest_first(dict.fromkeys(statuses), deadline=ctx.deadline)
    # Open the target before reading the table: an unwritable --output fails with nothing done.
    target = _open(args.output) if args.output else ctx.out
    progress = Progress(ctx.err) if ctx.err.isatty() else None
    try:
        count = _write(items, args.format, target, progress)
    finally:
        if args.output:
            target.close()
        if progress:
            progress.clear()
    if args.output or progress:
        print(f"exported {count} failure(s)" + (f" to {args.output}" if args.output else ""), file=ctx.err)
    return ExitCode.OK


def _open(path: str) -> TextIO:
    try:
        return Path(path).open("w", newline="", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--output: cannot write {shown(path)}: {exc.strerror}") from None


def _write(items: Iterator[dict[str, Any]], fmt: str, target: TextIO, progress: Progress | None) -> int:
    # Every text cell is neutralised against formula injection (safe_csv.py): names, notes, messages.
    writer = SafeCsvWriter(target, COLUMNS) if fmt == "csv" else None
    count = 0
    for item in items:
        if writer:
            # The review history is a list: one JSON cell keeps the file one row per item.
            writer.row(json.dumps(item[c]) if c == "reviews" and c in item else item.get(c) for c in COLUMNS)
        else:
            target.write(json.dumps(item, default=str) + "\n")
        count += 1
        if progress:
            progress.update(count)
    return count


class Progress:
    """`exported N failure(s)…` rewritten in place on a terminal, a few times a second at most."""

    def __init__(self, stream: TextIO, interval: float = 0.2) -> None:
        self._stream = stream
        self._interval = interval
        self._shown_at = 0.0

    def update(self, count: int) -> None:
        now = time.monotonic()
        if now - self._shown_at >= self._interval:
            self._shown_at = now
            self._stream.write(f"\rexporting… {count} failure(s)")
            self._stream.flush()

    def clear(self) -> None:
        if self._shown_at:
            self._stream.write("\r\033[K")  # erase the progress line; the summary follows
            self._stream.flush()
