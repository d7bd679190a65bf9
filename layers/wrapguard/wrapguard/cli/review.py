"""wrapguard-review: work the failure table.

  wrapguard-review list [--status open|resolved|ignored|all] [--reason R] [--source S] [--since 24h|ISO]
  wrapguard-review show CONVERSATION_ID
  wrapguard-review retry CONVERSATION_ID [PARTICIPANT_ID] [--code-id ID | --code-name NAME]
  wrapguard-review resolve|ignore CONVERSATION_ID PARTICIPANT_ID --note TEXT
  wrapguard-review export --format csv|jsonl [--status ...] [--output FILE]

Works against AWS (standard credential chain and region) or a local DynamoDB server
(AWS_ENDPOINT_URL). The table comes from --table, WRAPGUARD_FAILURES_TABLE or FAILURES_TABLE_NAME.
`retry` also needs the Genesys settings the functions use (GENESYS_REGION, GENESYS_CREDENTIALS_SECRET
or GENESYS_CLIENT_ID/GENESYS_CLIENT_SECRET).

Exit codes: 0 done; 1 unexpected error; 2 usage or configuration error (bad filter, missing table,
missing credentials); 3 retry attempted but the code is still not applied; 4 no such failure.
"""

from __future__ import annotations

import argparse
import base64
import csv
import getpass
import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from ..domain.failures import FailureReason, FailureSource, FailureStatus
from ..store.failures import FailureStore
from .tables import render

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_STILL_FAILING, EXIT_NOT_FOUND = 0, 1, 2, 3, 4
COLUMNS = [
    "conversationId",
    "participantId",
    "status",
    "reason",
    "source",
    "wrapupCodeId",
    "wrapupCodeName",
    "attempts",
    "firstSeen",
    "lastSeen",
    "httpStatus",
    "errorCode",
    "errorMessage",
    "contextId",
    "correlationId",
    "userId",
    "queueId",
    "message",
    "reviewNote",
    "reviewedBy",
    "reviewedAt",
    "expiresAt",
]
LIST_COLUMNS = ["lastSeen", "conversationId", "participantId", "reason", "source", "status", "attempts", "message"]


class UsageError(Exception):
    pass


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """`30m`, `24h`, `7d`, or an ISO-8601 date/time (UTC when no offset is given)."""
    match = re.fullmatch(r"(\d+)([mhd])", value.strip())
    if match:
        unit = {"m": "minutes", "h": "hours", "d": "days"}[match[2]]
        return (now or datetime.now(UTC)) - timedelta(**{unit: int(match[1])})
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--since: expected 30m, 24h, 7d or an ISO date, got {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wrapguard-review", description="Review wrapguard's failure table.")
    parser.add_argument(
        "--table", help="failure table name (default: $WRAPGUARD_FAILURES_TABLE or $FAILURES_TABLE_NAME)"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="failures, newest first")
    listing.add_argument("--status", default="open", choices=[*(s.value for s in FailureStatus), "all"])
    listing.add_argument("--reason", choices=[r.value for r in FailureReason])
    listing.add_argument("--source", choices=[s.value for s in FailureSource])
    listing.add_argument("--since", type=parse_since, help="30m, 24h, 7d or an ISO date/time")
    listing.add_argument("--limit", type=int, default=50, help="page size (default 50)")
    listing.add_argument("--next-token", help="continue after a previous page")

    show = commands.add_parser("show", help="every failure of one conversation")
    show.add_argument("conversation_id")

    retry = commands.add_parser("retry", help="apply the intended code again, if the window is still open")
    retry.add_argument("conversation_id")
    retry.add_argument("participant_id", nargs="?")
    code = retry.add_mutually_exclusive_group()
    code.add_argument("--code-id", help="code to apply instead of the recorded intended code")
    code.add_argument("--code-name")

    for name, help_text in (("resolve", "mark handled"), ("ignore", "mark not worth handling")):
        status = commands.add_parser(name, help=help_text)
        status.add_argument("conversation_id")
        status.add_argument("participant_id")
        status.add_argument("--note", required=True, help="reviewer note (why)")
        status.add_argument("--by", default=None, help="reviewer name (default: current user)")

    export = commands.add_parser("export", help="all failures for reporting")
    export.add_argument("--format", required=True, choices=["csv", "jsonl"])
    export.add_argument("--status", default="all", choices=[*(s.value for s in FailureStatus), "all"])
    export.add_argument("--output", help="file to write (default: stdout)")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = _parser()
    args = parser.parse_args(argv)
    table_name = args.table or os.environ.get("WRAPGUARD_FAILURES_TABLE") or os.environ.get("FAILURES_TABLE_NAME")
    if not table_name:
        print("wrapguard-review: no failure table: pass --table or set WRAPGUARD_FAILURES_TABLE", file=sys.stderr)
        return EXIT_USAGE
    store = FailureStore(table_name)
    try:
        return int(COMMANDS[args.command](store, args, out))
    except UsageError as exc:
        print(f"wrapguard-review: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code") if hasattr(exc, "response") else None
        if code == "ResourceNotFoundException":
            print(
                f"wrapguard-review: table {table_name!r} not found in this account/region"
                f"{' (endpoint ' + os.environ['AWS_ENDPOINT_URL'] + ')' if os.environ.get('AWS_ENDPOINT_URL') else ''}",
                file=sys.stderr,
            )
            return EXIT_USAGE
        if type(exc).__name__ in {"NoCredentialsError", "NoRegionError", "SettingsError"}:
            print(f"wrapguard-review: {exc}", file=sys.stderr)
            return EXIT_USAGE
        print(f"wrapguard-review: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR


# --- commands -------------------------------------------------------------------------------------
def _token(item: dict[str, Any]) -> str:
    key = {k: item[k] for k in ("conversationId", "participantId", "status", "lastSeen")}
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def _start_key(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        return dict(json.loads(base64.urlsafe_b64decode(token.encode())))
    except ValueError:
        raise UsageError("--next-token is not a token printed by a previous list") from None


def _matching(store: FailureStore, args: argparse.Namespace) -> Iterator[dict[str, Any]]:
    statuses = list(FailureStatus) if args.status == "all" else [FailureStatus(args.status)]
    start = _start_key(args.next_token)
    if start and len(statuses) > 1:
        raise UsageError("--next-token needs a single --status")
    streams = [store.by_status(s, since=args.since, start_key=start) for s in statuses]
    merged = (
        sorted((i for stream in streams for i in stream), key=lambda i: str(i["lastSeen"]), reverse=True)
        if len(streams) > 1
        else streams[0]
    )
    for item in merged:
        if args.reason and item.get("reason") != args.reason:
            continue
        if args.source and item.get("source") != args.source:
            continue
        yield item


def cmd_list(store: FailureStore, args: argparse.Namespace, out: TextIO) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    items: list[dict[str, Any]] = []
    next_token = None
    for item in _matching(store, args):
        if len(items) == args.limit:
            next_token = _token(items[-1]) if args.status != "all" else None
            break
        items.append(item)
    if args.json:
        print(json.dumps({"items": items, "nextToken": next_token}, default=str), file=out)
    else:
        rows = [[_cell(i.get(c), 60 if c == "message" else 40) for c in LIST_COLUMNS] for i in items]
        print(render(rows, LIST_COLUMNS), file=out)
        print(f"\n{len(items)} failure(s)" + (f"; more: --next-token {next_token}" if next_token else ""), file=out)
    return EXIT_OK


def cmd_show(store: FailureStore, args: argparse.Namespace, out: TextIO) -> int:
    items = store.for_conversation(args.conversation_id)
    if args.json:
        print(json.dumps({"items": items}, default=str), file=out)
    for item in [] if args.json else items:
        print("\n".join(f"{c:>15}: {item[c]}" for c in COLUMNS if c in item), file=out)
        print(file=out)
    if not items:
        print(f"wrapguard-review: no failure recorded for conversation {args.conversation_id}", file=sys.stderr)
        return EXIT_NOT_FOUND
    return EXIT_OK


def cmd_set_status(store: FailureStore, args: argparse.Namespace, out: TextIO) -> int:
    status = FailureStatus.RESOLVED if args.command == "resolve" else FailureStatus.IGNORED
    reviewer = args.by or os.environ.get("USER") or getpass.getuser()
    if not store.set_status(args.conversation_id, args.participant_id, status, note=args.note, reviewer=reviewer):
        print(f"wrapguard-review: no failure for {args.conversation_id} / {args.participant_id}", file=sys.stderr)
        return EXIT_NOT_FOUND
    result = {"conversationId": args.conversation_id, "participantId": args.participant_id, "status": status.value}
    print(
        json.dumps(result) if args.json else f"{status.value}: {args.conversation_id} / {args.participant_id}", file=out
    )
    return EXIT_OK


def cmd_export(store: FailureStore, args: argparse.Namespace, out: TextIO) -> int:
    items: Iterator[dict[str, Any]] = (
        store.scan() if args.status == "all" else store.by_status(FailureStatus(args.status))
    )
    target = Path(args.output).open("w", newline="", encoding="utf-8") if args.output else out  # noqa: SIM115
    count = 0
    try:
        if args.format == "csv":
            writer = csv.DictWriter(target, fieldnames=COLUMNS, extrasaction="ignore")
            writer.writeheader()
            for item in items:
                writer.writerow(item)
                count += 1
        else:
            for item in items:
                target.write(json.dumps(item, default=str) + "\n")
                count += 1
    finally:
        if args.output:
            target.close()
    if args.output:
        print(f"exported {count} failure(s) to {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_retry(store: FailureStore, args: argparse.Namespace, out: TextIO) -> int:
    from ..domain.lease import ParticipantLeases
    from ..store.leases import LeaseTable
    from .retry import retry_failures

    if args.participant_id:
        item = store.get(args.conversation_id, args.participant_id)
        items = [item] if item else []
    else:
        items = [i for i in store.for_conversation(args.conversation_id) if i["status"] == FailureStatus.OPEN]
    if not items:
        print(f"wrapguard-review: no open failure for {args.conversation_id}", file=sys.stderr)
        return EXIT_NOT_FOUND
    lease_table = os.environ.get("WRAPGUARD_LEASE_TABLE") or os.environ.get("LEASE_TABLE_NAME")
    if not lease_table:
        # A retry writes a wrap-up like the functions do, so it must hold the same participant lease.
        print("wrapguard-review: retry needs the lease table: set WRAPGUARD_LEASE_TABLE", file=sys.stderr)
        return 2
    leases = ParticipantLeases(LeaseTable(lease_table), source=FailureSource.REVIEW.value)
    results = retry_failures(store, items, code_id=args.code_id, code_name=args.code_name, leases=leases)
    if args.json:
        print(json.dumps({"results": results}), file=out)
    else:
        rows = [
            [r["participantId"], r["outcome"], r.get("failureReason", ""), r.get("message", "")[:70]] for r in results
        ]
        print(render(rows, ["participant", "outcome", "reason", "detail"]), file=out)
    return EXIT_OK if all(r["outcome"] in {"applied", "already_applied"} for r in results) else EXIT_STILL_FAILING


def _cell(value: Any, width: int) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


COMMANDS = {
    "list": cmd_list,
    "show": cmd_show,
    "retry": cmd_retry,
    "resolve": cmd_set_status,
    "ignore": cmd_set_status,
    "export": cmd_export,
}


if __name__ == "__main__":
    raise SystemExit(main())
