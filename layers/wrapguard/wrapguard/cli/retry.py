"""`wrapguard-review retry`: ask the deployed data action to apply a failure's code again.

The CLI picks the failures (one participant's, or every open failure of a conversation) and the code
(--code-id/--code-name, else the recorded intended code), then sends one `OperatorRetryRequest` per
failure by Lambda Invoke to the data action's `live` alias. The function applies it like any data
action request - its own deadline, participant lease and Genesys secret - and marks the failure
resolved when the code is on the participant. The workstation needs lambda:InvokeFunction on the alias
and read access to the failure table, nothing else (template.yaml ReviewerPolicy).
"""

from __future__ import annotations

import argparse
from typing import Any

from ..domain.failures import FailureStatus
from ..operator_requests import OperatorRetryAnswer, OperatorRetryRequest
from .common import (
    CliError,
    Commands,
    Context,
    ExitCode,
    NotFoundError,
    add_command,
    bounded_text,
    conversation_id,
    participant_id,
)
from .invoke import FunctionFailed, Invoker, lambda_invoker
from .resolve import current_user
from .tables import cell, render

LIVE_ALIAS = "live"


class AlreadyReviewedError(CliError):
    exit_code = ExitCode.ALREADY_REVIEWED


def register(commands: Commands) -> None:
    parser = add_command(commands, "retry", run, help="apply the intended code again, if the window is still open")
    parser.add_argument("conversation_id", type=conversation_id, metavar="CONVERSATION_ID")
    parser.add_argument(
        "participant_id", nargs="?", type=participant_id, metavar="PARTICIPANT_ID", help="default: every open failure"
    )
    code = parser.add_mutually_exclusive_group()
    code.add_argument(
        "--code-id", type=conversation_id, metavar="UUID", help="code to apply instead of the recorded intended code"
    )
    code.add_argument("--code-name", type=bounded_text(200))
    parser.add_argument("--force", action="store_true", help="retry an item already resolved or ignored")
    parser.add_argument("--by", type=bounded_text(200), help="who asks (default: current user)")


def data_action(ctx: Context) -> tuple[str, str]:
    """The data action's function and alias: the `live` alias ARN from the stack (or WRAPGUARD_APPLY_FUNCTION)."""
    arn = ctx.config.value(
        "ApplyWrapupFunctionAliasArn", ("env WRAPGUARD_APPLY_FUNCTION", ctx.settings.wrapguard_apply_function)
    )
    function, _, alias = arn.rpartition(":")
    if arn.count(":") != 7 or not alias:  # arn:aws:lambda:REGION:ACCOUNT:function:NAME:ALIAS
        return arn, LIVE_ALIAS
    return function, alias


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
    function, alias = data_action(ctx)
    invoke = ctx.invoker or lambda_invoker(ctx.config.session)
    requested_by = args.by or current_user()
    results = [
        retry_one(
            invoke,
            function,
            alias,
            item,
            code_id=args.code_id,
            code_name=args.code_name,
            requested_by=requested_by,
            force=args.force,
        )
        for item in items
    ]
    if ctx.json:
        ctx.emit_json({"results": results})
    else:
        rows = [
            [r["participantId"], r["outcome"], r.get("failureReason", ""), cell(r.get("message"), 70)] for r in results
        ]
        print(render(rows, ["participant", "outcome", "reason", "detail"]), file=ctx.out)
    done = all(r["outcome"] in {"applied", "already_applied"} for r in results)
    return ExitCode.OK if done else ExitCode.NOT_DONE


def retry_one(
    invoke: Invoker,
    function: str,
    alias: str,
    item: dict[str, Any],
    *,
    code_id: str | None,
    code_name: str | None,
    requested_by: str,
    force: bool,
) -> dict[str, Any]:
    base = {"conversationId": item["conversationId"], "participantId": item["participantId"]}
    wanted_id = code_id or (None if code_name else item.get("wrapupCodeId"))
    wanted_name = code_name or (None if wanted_id else item.get("wrapupCodeName"))
    if not (wanted_id or wanted_name):
        return {**base, "outcome": "skipped", "message": "no intended code recorded: pass --code-id or --code-name"}
    try:
        request = OperatorRetryRequest(
            conversation_id=item["conversationId"],
            participant_id=item["participantId"],
            code_id=wanted_id,
            code_name=wanted_name,
            requested_by=requested_by,
            force=force,
        )
    except ValueError:  # e.g. a recorded code that is no code id (pydantic's text would quote it)
        return {**base, "outcome": "skipped", "message": "the recorded code is unusable: pass --code-id or --code-name"}
    payload = invoke(function, alias, request.to_payload())
    try:
        answer = OperatorRetryAnswer.model_validate(payload)
    except ValueError:  # pydantic's text quotes the answer: name the problem only
        raise FunctionFailed(function, "BadAnswer", "the answer is not an operator retry answer") from None
    return answer.to_payload()
