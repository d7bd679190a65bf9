"""`wrapguard-review resolve|ignore`: record a reviewer's decision on one item or many (--from-file).

An item already resolved or ignored keeps its review unless `--force`; every review is appended to
the item's bounded `reviews` history either way. A batch is read and checked in full first
(batch_input.py: strict CSV or JSON lines, size-capped): one bad line rejects the batch with nothing written.
"""

from __future__ import annotations

import argparse
import getpass
from collections import Counter
from pathlib import Path

from ..domain.failures import FailureStatus
from ..store.failures import ReviewOutcome, ReviewResult
from .batch_input import MAX_BYTES, MAX_ITEMS, NOTE_LIMIT, ReviewTarget, read_targets
from .common import (
    Commands,
    Context,
    ExitCode,
    UsageError,
    add_command,
    bounded_text,
    conversation_id,
    participant_id,
    shown,
)

_VERBS = {FailureStatus.RESOLVED: "resolve", FailureStatus.IGNORED: "ignore"}


def register(commands: Commands) -> None:
    for status, help_text in (
        (FailureStatus.RESOLVED, "mark handled"),
        (FailureStatus.IGNORED, "mark not worth handling"),
    ):
        parser = add_command(commands, _VERBS[status], run, help=help_text)
        parser.set_defaults(review_status=status)
        parser.add_argument("conversation_id", nargs="?", type=conversation_id, metavar="CONVERSATION_ID")
        parser.add_argument("participant_id", nargs="?", type=participant_id, metavar="PARTICIPANT_ID")
        parser.add_argument(
            "--from-file",
            metavar="FILE",
            help=f"many items (at most {MAX_ITEMS}, {MAX_BYTES // 2**20} MiB): CSV "
            "(conversationId,participantId[,note]) or JSON lines; - reads stdin",
        )
        parser.add_argument(
            "--note", type=bounded_text(NOTE_LIMIT), help="reviewer note (why); required unless every item has one"
        )
        parser.add_argument("--by", type=bounded_text(200), help="reviewer name (default: current user)")
        parser.add_argument("--force", action="store_true", help="also change items already resolved or ignored")


def run(ctx: Context, args: argparse.Namespace) -> int:
    status: FailureStatus = args.review_status
    targets = _targets(ctx, args)
    if args.note is None and (lacking := next((t for t in targets if t.note is None), None)):
        raise UsageError(f"--note is required (no note for {lacking.conversation_id} / {lacking.participant_id})")
    reviewer = args.by or _current_user()
    results: list[tuple[ReviewTarget, ReviewResult]] = []
    for target in targets:
        result = ctx.failures.set_status(
            target.conversation_id,
            target.participant_id,
            status,
            note=target.note or args.note,
            reviewer=reviewer,
            force=args.force,
            deadline=ctx.deadline,
        )
        results.append((target, result))
        _report_problem(ctx, target, result)
    counts = Counter(result.outcome for _, result in results)
    if ctx.json:
        ctx.emit_json(
            {
                "results": [
                    {"conversationId": t.conversation_id, "participantId": t.participant_id, "outcome": r.outcome}
                    for t, r in results
                ],
                "summary": {outcome.value: counts[outcome] for outcome in ReviewOutcome},
            }
        )
    elif args.from_file is None:
        if counts[ReviewOutcome.UPDATED]:
            print(f"{status.value}: {targets[0].conversation_id} / {targets[0].participant_id}", file=ctx.out)
    else:
        print(
            f"{_VERBS[status]}: {counts[ReviewOutcome.UPDATED]} {status.value}, "
            f"{counts[ReviewOutcome.ALREADY_REVIEWED]} already reviewed, {counts[ReviewOutcome.NOT_FOUND]} not found",
            file=ctx.out,
        )
    if counts[ReviewOutcome.NOT_FOUND]:
        return ExitCode.NOT_FOUND
    return ExitCode.ALREADY_REVIEWED if counts[ReviewOutcome.ALREADY_REVIEWED] else ExitCode.OK


def _targets(ctx: Context, args: argparse.Namespace) -> list[ReviewTarget]:
    given = [a for a in (args.conversation_id, args.participant_id) if a is not None]
    if args.from_file is not None:
        if given:
            raise UsageError("give CONVERSATION_ID PARTICIPANT_ID or --from-file, not both")
        if args.from_file == "-":
            return read_targets(ctx.stdin, "--from-file -")
        try:
            # newline="": the csv module's own reading of line ends inside quoted cells (its docs).
            with Path(args.from_file).open(encoding="utf-8", newline="") as stream:
                return read_targets(stream, "--from-file")
        except OSError as exc:
            raise UsageError(f"--from-file: cannot read {shown(args.from_file)}: {exc.strerror}") from None
    if len(given) != 2:
        raise UsageError("needs CONVERSATION_ID and PARTICIPANT_ID, or --from-file FILE")
    return [ReviewTarget(args.conversation_id, args.participant_id, None)]


def _report_problem(ctx: Context, target: ReviewTarget, result: ReviewResult) -> None:
    item = f"{target.conversation_id} / {target.participant_id}"
    if result.outcome is ReviewOutcome.NOT_FOUND:
        ctx.warn(f"no failure for {item}")
    elif result.outcome is ReviewOutcome.ALREADY_REVIEWED and result.review is not None:
        review = result.review
        ctx.warn(f"{item} is already {review.status} by {review.by} at {review.at}; pass --force to change it")


def _current_user() -> str:
    try:
        return getpass.getuser()  # $LOGNAME, $USER, ... then the password database
    except (OSError, KeyError):
        raise UsageError("--by: cannot tell who you are; pass --by NAME") from None
