"""`wrapguard-review list`: failures newest first, a page at a time, for any status filter."""

from __future__ import annotations

import argparse
from typing import Any

from ..domain.failures import FailureReason, FailureSource, FailureStatus
from ..store.failures import IndexPosition
from .common import Commands, Context, ExitCode, add_command, bounded_int
from .filters import STATUS_CHOICES, PageToken, parse_since
from .tables import cell, render

COLUMNS = ["lastSeen", "conversationId", "participantId", "reason", "source", "status", "attempts", "message"]
MAX_LIMIT = 1000


def register(commands: Commands) -> None:
    parser = add_command(commands, "list", run, help="failures, newest first")
    parser.add_argument("--status", default="open", choices=STATUS_CHOICES)
    parser.add_argument("--reason", choices=[r.value for r in FailureReason])
    parser.add_argument("--source", choices=[s.value for s in FailureSource])
    parser.add_argument("--since", type=parse_since, help="30m, 24h, 7d or an ISO date/time")
    parser.add_argument(
        "--limit", type=bounded_int(1, MAX_LIMIT), default=50, help=f"page size, 1-{MAX_LIMIT} (default 50)"
    )
    parser.add_argument("--next-token", help="continue after a previous page (same --status)")


def run(ctx: Context, args: argparse.Namespace) -> int:
    start = PageToken.decode(args.next_token, args.status) if args.next_token else PageToken.first(args.status)
    positions = dict(start.positions)
    items: list[dict[str, Any]] = []
    more = False
    stream = ctx.failures.newest_first(
        start.positions, since=args.since, page_size=min(args.limit + 1, MAX_LIMIT), deadline=ctx.deadline
    )
    for item in stream:
        if (args.reason and item.get("reason") != args.reason) or (args.source and item.get("source") != args.source):
            continue
        if len(items) == args.limit:
            more = True  # one more match exists: print a token
            break
        items.append(item)
        positions[FailureStatus(item["status"])] = IndexPosition.of(item)
    next_token = PageToken(args.status, positions).encode() if more else None
    if ctx.json:
        ctx.emit_json({"items": items, "nextToken": next_token})
    else:
        rows = [[cell(i.get(c), 60 if c == "message" else 40) for c in COLUMNS] for i in items]
        print(render(rows, COLUMNS), file=ctx.out)
        print(f"\n{len(items)} failure(s)" + (f"; more: --next-token {next_token}" if next_token else ""), file=ctx.out)
    return ExitCode.OK
