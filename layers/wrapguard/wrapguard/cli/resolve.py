"""`wrapguard-review resolve|ignore`: record a reviewer's decision on one item or many (--from-file).

An item already resolved or ignored keeps its review unless `--force`; every review is appended to
the item's bounded `reviews` history either way. A batch is read and checked in full first
(batch_input.py: strict CSV or JSON lines, size-capped): one bad line rejects the batch with nothing written.

`resolve --code-id ID` (or a `codeId` column) settles the miss with a code: the reporting ledger's
effective code becomes the reviewer's (source `review`). With the ledger table configured
(WRAPGUARD_LEDGER_TABLE) every review writes the participant's new ledger version
(review_ledger.py); Genesys is never changed by a review.
"""

from __future__ import annotations

import argparse
import getpass
from collections import Counter
from pathlib import Path

from ..domain.failures import FailureStatus
from ..domain.ledger import LedgerRow
from ..store.failures import ReviewOutcome, ReviewResult
from . import review_ledger
from .batch_input import CODE_LIMIT, MAX_BYTES, MAX_ITEMS, NOTE_LIMIT, ReviewTarget, read_targets
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
        if status is FailureStatus.RESOLVED:
            codes = parser.add_mutually_exclusive_group()
            codes.add_argument(
                "--code-id",
                type=bounded_text(CODE_LIMIT),
                help="settle the miss with this code id (checked by the data action; if unreachable: unverified)",
            )
            codes.add_argument(
                "--code",
                metavar="NAME",
                type=bounded_text(200),  # OperatorCodeCheckRequest's codeName limit, checked before any call
                help="settle with a code by name (needs the deployed functions)",
            )


def run(ctx: Context, args: argparse.Namespace) -> int:
    status: FailureStatus = args.review_status
    targets = _targets(ctx, args)
    if args.note is None and (lacking := next((t for t in targets if t.note is None), None)):
        raise UsageError(f"--note is required (no note for {lacking.conversation_id} / {lacking.participant_id})")
    code_id, code_name = getattr(args, "code_id", None), getattr(args, "code", None)
    coded = code_id is not None or code_name is not None or any(t.code_id or t.code_name for t in targets)
    if coded and status is not FailureStatus.RESOLVED:
        raise UsageError(f"{_VERBS[status]}: a code settles a miss; use resolve")
    # The ledger is written when configured; a code without it would reach no report: refused up front.
    table = review_ledger.ledger_table(ctx, required=coded)
    book = review_ledger.ledger_book(ctx, table) if table else None
    reviewer = args.by or current_user()
    codes = _checked_codes(ctx, targets, code_id, code_name, reviewer) if coded else {}
    results: list[tuple[ReviewTarget, ReviewResult]] = []
    versions: list[LedgerRow] = []
    try:
        for target in targets:
            checked = codes.get((target.conversation_id, target.participant_id))
            result = ctx.failures.set_status(
                target.conversation_id,
                target.participant_id,
                status,
                note=target.note or args.note,
                reviewer=reviewer,
                force=args.force,
                deadline=ctx.deadline,
                code=checked.code if checked else None,
                code_verified=checked.verified if checked else False,
            )
            results.append((target, result))
            _report_problem(ctx, target, result)
            if book is not None and result.outcome is ReviewOutcome.UPDATED:
                version = review_ledger.write_review(ctx, book, target.conversation_id, target.participant_id)
                versions += [version] if version else []
    finally:  # what the ledger table took is sent even when a later item fails
        if book is not None:
            book.deliver(versions, deadline=ctx.deadline)
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


def _checked_codes(
    ctx: Context, targets: list[ReviewTarget], code_id: str | None, code_name: str | None, reviewer: str
) -> dict[tuple[str, str], review_ledger.CheckedCode]:
    """Every target's code checked before anything is written (one unknown code rejects the batch)."""
    checker = review_ledger.CodeChecker(ctx, reviewer)
    codes: dict[tuple[str, str], review_ledger.CheckedCode] = {}
    for target in targets:
        given_id, given_name = (
            (target.code_id, target.code_name)
            if target.code_id or target.code_name
            else (
                code_id,
                code_name,
            )
        )
        if given_id is None and given_name is None:
            continue
        item = ctx.failures.get(target.conversation_id, target.participant_id, deadline=ctx.deadline)
        if item is None:
            continue  # reported as not found by the review itself
        # An id is checked as an id (a name beside it is only what the file says).
        codes[(target.conversation_id, target.participant_id)] = checker.check(
            item, given_id, None if given_id else given_name
        )
    if checker.unreachable:
        ctx.warn(f"codes recorded unverified: the data action could not check them ({checker.unreachable})")
    return codes


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


def current_user() -> str:
    try:
        return getpass.getuser()  # $LOGNAME, $USER, ... then the password database
    except (OSError, KeyError):
        raise UsageError("--by: cannot tell who you are; pass --by NAME") from None
