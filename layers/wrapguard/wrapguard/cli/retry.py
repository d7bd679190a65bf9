"""`wrapguard-review retry`: apply a failure's intended code again through the same domain logic.

The apply goes through WrapupService like the functions' (one writer per participant is the
domain's job, not the CLI's). Genesys settings are loaded only when this command runs.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..contracts import ApplyWrapupInput, ApplyWrapupOutput, InvalidInputError, Outcome
from ..domain.apply import WrapupService
from ..domain.codes import CodeCatalog
from ..domain.deadline import Deadline
from ..domain.failures import UNRESOLVED_PARTICIPANT, FailureSource, FailureStatus
from ..domain.lease import ParticipantLeases
from ..domain.staging import StagedCode
from ..settings import GenesysSettings, load_settings
from ..store.failures import FailureStore
from ..store.leases import LeaseTable
from .common import (
    CliError,
    Commands,
    Context,
    ExitCode,
    NotFoundError,
    UsageError,
    add_command,
    bounded_text,
    conversation_id,
    participant_id,
    workstation_genesys,
)
from .tables import cell, render


class AlreadyReviewedError(CliError):
    exit_code = ExitCode.ALREADY_REVIEWED


def register(commands: Commands) -> None:
    parser = add_command(commands, "retry", run, help="apply the intended code again, if the window is still open")
    parser.add_argument("conversation_id", type=conversation_id, metavar="CONVERSATION_ID")
    parser.add_argument(
        "participant_id", nargs="?", type=participant_id, metavar="PARTICIPANT_ID", help="default: every open failure"
    )
    code = parser.add_mutually_exclusive_group()
    code.add_argument("--code-id", type=bounded_text(100), help="code to apply instead of the recorded intended code")
    code.add_argument("--code-name", type=bounded_text(200))
    parser.add_argument("--force", action="store_true", help="retry an item already resolved or ignored")


def run(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.failures
    if args.participant_id:
        item = store.get(args.conversation_id, args.participant_id, deadline=ctx.deadline)
        if item and item["status"] != FailureStatus.OPEN and not args.force:
            raise AlreadyReviewedError(
                f"{args.conversation_id} / {args.participant_id} is already {item['status']}; pass --force to retry"
            )
        items = [item] if item else []
    else:
        items = [
            i
            for i in store.for_conversation(args.conversation_id, deadline=ctx.deadline)
            if i["status"] == FailureStatus.OPEN
        ]
    if not items:
        raise NotFoundError(f"no open failure for {args.conversation_id}")
    if not ctx.settings.lease_table:
        # A retry writes a wrap-up like the functions do, so it must hold the same participant lease.
        raise UsageError("retry needs the lease table: set WRAPGUARD_LEASE_TABLE")
    leases = ParticipantLeases(LeaseTable(ctx.db, ctx.settings.lease_table), source=FailureSource.REVIEW.value)
    results = retry_failures(store, items, code_id=args.code_id, code_name=args.code_name, leases=leases)
    if ctx.json:
        ctx.emit_json({"results": results})
    else:
        rows = [
            [r["participantId"], r["outcome"], r.get("failureReason", ""), cell(r.get("message"), 70)] for r in results
        ]
        print(render(rows, ["participant", "outcome", "reason", "detail"]), file=ctx.out)
    done = all(r["outcome"] in {"applied", "already_applied"} for r in results)
    return ExitCode.OK if done else ExitCode.STILL_FAILING


class _CannotStage(Exception):
    pass


class _NoStaging:
    """A reviewer retries only into an open window; a participant still talking is reported, not staged."""

    def put(self, staged: StagedCode, *, deadline: Deadline) -> None:
        raise _CannotStage("the agent is not in after-call work yet; nothing was applied")

    def find(
        self, conversation_id: str, participant_id: str, user_id: str | None, *, deadline: Deadline
    ) -> StagedCode | None:
        return None

    def delete(self, staged: StagedCode, *, deadline: Deadline) -> None:
        return None


# Seconds one retry may take, from lease to verify (the data action's own timeout is 20 s).
RETRY_DEADLINE_SECONDS = 20.0


def retry_failures(
    store: FailureStore,
    items: list[dict[str, Any]],
    *,
    code_id: str | None,
    code_name: str | None,
    leases: ParticipantLeases,
    genesys: Any = None,
) -> list[dict[str, Any]]:
    from ..genesys.gateway import GenesysGateway

    genesys = GenesysGateway(genesys or workstation_genesys(load_settings(GenesysSettings)))
    results = []
    for item in items:
        source = FailureSource(item.get("source", FailureSource.DATA_ACTION.value))
        # Holds the participant's lease like every writer; a lost race is reported as `superseded`.
        service = WrapupService(genesys, store, _NoStaging(), CodeCatalog(genesys), leases, source=source)
        participant = item["participantId"]
        wanted_id = code_id or (None if code_name else item.get("wrapupCodeId"))
        wanted_name = code_name or (None if wanted_id else item.get("wrapupCodeName"))
        base = {"conversationId": item["conversationId"], "participantId": participant}
        if not (wanted_id or wanted_name):
            results.append(
                {**base, "outcome": "skipped", "message": "no intended code recorded: pass --code-id or --code-name"}
            )
            continue
        try:
            request = ApplyWrapupInput.parse(
                {
                    "conversationId": item["conversationId"],
                    "participantId": participant if participant != UNRESOLVED_PARTICIPANT else None,
                    "wrapupCodeId": wanted_id,
                    "wrapupCodeName": wanted_name,
                }
            )
            # Like a Lambda invocation, each retry runs against its own Deadline: the lease's hold
            # covers it, and every Genesys wait (Retry-After included) and DynamoDB call end before
            # it, so the hold cannot expire while this writer still sends a PATCH. (Handing the
            # write to the deployed function, so no workstation clock stamps a hold, is a later task.)
            deadline = Deadline.after(RETRY_DEADLINE_SECONDS)
            outcome = ApplyWrapupOutput.answer(service.apply(request.to_request(), deadline=deadline))
        except (_CannotStage, InvalidInputError) as exc:
            results.append({**base, "outcome": "not_applied", "message": str(exc)})
            continue
        result = {**base, **outcome.to_response()}
        if outcome.outcome in {Outcome.APPLIED, Outcome.ALREADY_APPLIED}:
            store.set_status(
                item["conversationId"],
                participant,
                FailureStatus.RESOLVED,
                note=f"{outcome.outcome.value} by wrapguard-review retry",
                reviewer="wrapguard-review",
                force=True,  # the code is on the participant now; the history keeps any earlier review
                deadline=deadline.for_failure_write(),
            )
        results.append(result)
    return results
