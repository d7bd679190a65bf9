"""A review's ledger version: `resolve`/`ignore` write one when the stack's ledger table is configured.

A reviewer's code is checked against the participant's valid wrap-up codes by the deployed data action
(an OperatorCodeCheckRequest to its `live` alias: no Genesys secret on a workstation). A code the org
does not have is refused before anything is written. When the function cannot be reached (not
configured, no permission, it failed), `--code-id` is recorded as given and marked unverified
(`resolved_unverified`), and `--code NAME` is refused: a name means nothing unchecked.
A review never changes Genesys (it cannot after the wrap-up window): the code lives in the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..domain.ledger import CodeRef, LedgerRow, Review, applied_row, interaction_of, ledger_row, reviewed_row
from ..operator_requests import OperatorCodeCheckAnswer, OperatorCodeCheckRequest
from ..store.ledger import LedgerBook, held_in_failure, interaction_from_failure, recorded_of
from .common import CliError, Context, UsageError
from .invoke import FunctionFailed

CODE_NAMES_NEED_THE_FUNCTIONS = (
    "--code NAME: checking a code name needs the deployed functions, which could not be reached ({why}); "
    "pass --code-id ID (recorded as given, marked unverified)"
)
NO_LEDGER_TABLE = "no ledger table: pass --stack-name or set WRAPGUARD_LEDGER_TABLE (the stack's LedgerTableName)"


_TABLE_VARIABLES = "env WRAPGUARD_LEDGER_TABLE / LEDGER_TABLE_NAME"


def ledger_table(ctx: Context, *, required: bool) -> str | None:
    """The ledger table: WRAPGUARD_LEDGER_TABLE (or the functions' LEDGER_TABLE_NAME), else the stack's
    LedgerTableName output (read when required, or when this run reads the stack anyway)."""
    given = (_TABLE_VARIABLES, ctx.settings.ledger_table)
    if not required:
        return ctx.config.optional("LedgerTableName", given)
    try:
        return ctx.config.value("LedgerTableName", given)
    except UsageError:
        raise UsageError(NO_LEDGER_TABLE) from None


def ledger_book(ctx: Context, table: str | None = None) -> LedgerBook:
    """The ledger table, and the stack's stream (LedgerStreamName, or WRAPGUARD_LEDGER_STREAM) when it has
    one, over the workstation session."""
    from ..aws.credentials import BotoSessionCredentials
    from ..runtime import build_ledger_book

    table = table or ledger_table(ctx, required=True)
    assert table is not None
    stream = ctx.config.optional("LedgerStreamName", ("env WRAPGUARD_LEDGER_STREAM", ctx.settings.ledger_stream))
    session = BotoSessionCredentials(ctx.config.session)

    def undelivered(records: int) -> None:
        ctx.warn(f"{records} ledger version(s) not delivered to the stream; the ledger table holds them")

    return build_ledger_book(
        ctx.db,
        table,
        stream,
        credentials=session,
        region=session.region,
        on_undelivered=undelivered,
    )


def write_review(ctx: Context, book: LedgerBook, conversation_id: str, participant_id: str) -> LedgerRow | None:
    """The participant's new ledger version after the review just recorded on its failure item.

    From its latest row when it has one; else from the failure item (the first row). None when nothing
    changed or the item has no conversation end yet (the reconciler writes the row when it checks the
    participant, reading this review from the item).
    """
    item = ctx.failures.get(conversation_id, participant_id, deadline=ctx.deadline)
    recorded = recorded_of(item)
    if item is None or recorded is None or recorded.review is None:
        return None
    review: Review = recorded.review
    now = datetime.now(UTC)

    def compute(previous: LedgerRow | None) -> LedgerRow | None:
        if previous is not None:
            return reviewed_row(previous, review, recorded_at=now)
        interaction = interaction_from_failure(item)
        if interaction is None:
            return None
        return ledger_row(
            interaction, held=held_in_failure(item), intended=recorded.intended, review=review, recorded_at=now
        )

    return book.settle((conversation_id, participant_id), compute, deadline=ctx.deadline)


@dataclass(frozen=True)
class CheckedCode:
    code: CodeRef
    verified: bool


class CodeChecker:
    """Checks reviewers' codes through the data action, once per (queue, code); remembers whether the
    function could be reached at all (`unreachable`: why not), so a batch asks at most once in vain."""

    def __init__(self, ctx: Context, requested_by: str) -> None:
        self._ctx = ctx
        self._requested_by = requested_by
        self._seen: dict[tuple[str | None, str | None, str | None], CheckedCode | None] = {}
        self.unreachable: str | None = None

    def check(self, item: Mapping[str, Any], code_id: str | None, code_name: str | None) -> CheckedCode:
        """The code as the org names it (verified), or as given (unverified, ids only); UsageError when the
        org has no such code for the participant, or a name cannot be checked."""
        queue = item.get("queueId")
        key = (queue, code_id, code_name)
        if key not in self._seen:
            self._seen[key] = self._ask(item, code_id, code_name)
        checked = self._seen[key]
        given = code_id or code_name or ""
        where = f"{item['conversationId']} / {item['participantId']}"
        if checked is None:
            raise UsageError(f"{given!r} is not a wrap-up code valid for {where} (checked by the data action)")
        return checked

    def _ask(self, item: Mapping[str, Any], code_id: str | None, code_name: str | None) -> CheckedCode | None:
        if self.unreachable is None:
            try:
                return self._invoke(item, code_id, code_name)
            except FunctionFailed as exc:
                self.unreachable = str(exc)
            except CliError as exc:  # no function configured (no stack, no WRAPGUARD_APPLY_FUNCTION)
                self.unreachable = str(exc)
            except Exception as exc:  # botocore: endpoint, permission, throttling - the function is not reachable
                if not type(exc).__module__.startswith("botocore"):
                    raise
                self.unreachable = type(exc).__name__
        if code_id is None:
            raise UsageError(CODE_NAMES_NEED_THE_FUNCTIONS.format(why=self.unreachable))
        return CheckedCode(CodeRef(code_id, code_name), verified=False)

    def _invoke(self, item: Mapping[str, Any], code_id: str | None, code_name: str | None) -> CheckedCode | None:
        from .invoke import lambda_invoker
        from .retry import data_action

        function, alias = data_action(self._ctx)
        invoke = self._ctx.invoker or lambda_invoker(self._ctx.config.session)
        request = OperatorCodeCheckRequest(
            conversation_id=str(item["conversationId"]),
            participant_id=str(item["participantId"]),
            queue_id=item.get("queueId"),
            code_id=code_id,
            code_name=code_name,
            requested_by=self._requested_by,
        )
        try:
            answer = OperatorCodeCheckAnswer.model_validate(invoke(function, alias, request.to_payload()))
        except ValueError:
            raise FunctionFailed(function, "BadAnswer", "the answer is not a code check answer") from None
        if not answer.found or answer.code_id is None:
            return None
        return CheckedCode(CodeRef(answer.code_id, answer.code_name), verified=True)


APPLIED = frozenset({"applied", "already_applied"})


def record_retries(
    ctx: Context, items: list[dict[str, Any]], results: list[dict[str, Any]], code_id: str | None, code_name: str | None
) -> int:
    """After `retry`: a new ledger version for each participant the data action applied the code to (its
    effective source becomes `wrapguard`). Needs the code's id (given, or the recorded one); a code given by
    name only is left to the reconciler. Returns the versions written; nothing when no ledger table."""
    table = ledger_table(ctx, required=False)
    if not table:
        return 0
    book = ledger_book(ctx, table)
    written: list[LedgerRow] = []
    try:
        for item, result in zip(items, results, strict=True):
            applied_id = code_id or (None if code_name else item.get("wrapupCodeId"))
            if result.get("outcome") not in APPLIED or not applied_id:
                continue
            name = item.get("wrapupCodeName") if applied_id == item.get("wrapupCodeId") else None
            row = _settle_applied(ctx, book, item, CodeRef(str(applied_id), name))
            written += [row] if row else []
    finally:  # what the table took is sent even when a later write fails (store/ledger.py CheckLedger)
        book.deliver(written, deadline=ctx.deadline)
    return len(written)


def _settle_applied(ctx: Context, book: LedgerBook, item: Mapping[str, Any], applied: CodeRef) -> LedgerRow | None:
    key = (str(item["conversationId"]), str(item["participantId"]))
    now = datetime.now(UTC)
    current = ctx.failures.get(*key, deadline=ctx.deadline) or item
    recorded = recorded_of(current)
    review = recorded.review if recorded else None

    def compute(previous: LedgerRow | None) -> LedgerRow | None:
        interaction = interaction_of(previous) if previous else interaction_from_failure(current)
        return applied_row(interaction, applied, review, recorded_at=now) if interaction else None

    return book.settle(key, compute, deadline=ctx.deadline)
