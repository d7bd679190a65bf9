"""`wrapguard-review show`: every failure recorded for one conversation, with its review history."""

from __future__ import annotations

import argparse

from .common import Commands, Context, ExitCode, NotFoundError, add_command, conversation_id

# Every attribute a failure item can carry, in reading order (also the export's CSV columns).
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
    "mediaType",
    "direction",
    "conversationEnd",
    "foundCode",
    "message",
    "reviewNote",
    "reviewedBy",
    "reviewedAt",
    "reviews",
    "expiresAt",
]


def register(commands: Commands) -> None:
    parser = add_command(commands, "show", run, help="every failure of one conversation")
    parser.add_argument("conversation_id", type=conversation_id, metavar="CONVERSATION_ID")


def run(ctx: Context, args: argparse.Namespace) -> int:
    items = ctx.failures.for_conversation(args.conversation_id, deadline=ctx.deadline)
    if ctx.json:
        ctx.emit_json({"items": items})
    for item in [] if ctx.json else items:
        for column in (c for c in COLUMNS if c in item):
            if column == "reviews":
                for review in item["reviews"]:
                    print(
                        f"{'review':>15}: {review['at']} {review['status']} by {review['by']}: {review['note']}",
                        file=ctx.out,
                    )
            else:
                print(f"{column:>15}: {item[column]}", file=ctx.out)
        print(file=ctx.out)
    if not items:
        raise NotFoundError(f"no failure recorded for conversation {args.conversation_id}")
    return ExitCode.OK
