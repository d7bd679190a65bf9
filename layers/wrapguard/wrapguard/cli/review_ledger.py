"""A review's ledger version: `resolve`/`ignore` write one when the stack's ledger table is configured.

The reviewer's code is recorded as given and marked unverified (`resolved_unverified`): checking it
against the org's wrap-up codes needs the deployed functions (no Genesys secret on a workstation),
which do not offer that yet. So `--code-id` is accepted as given and `--code NAME` is refused.
A review never changes Genesys (it cannot after the wrap-up window): the code lives in the ledger.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..domain.ledger import LedgerRow, Review, ledger_row, reviewed_row
from ..store.ledger import LedgerBook, held_in_failure, interaction_from_failure, recorded_of
from .common import Context, UsageError

CODE_NAMES_NEED_THE_FUNCTIONS = (
    "--code NAME: checking a code name needs the deployed functions, which cannot do it yet; "
    "pass --code-id ID (recorded as given, marked unverified)"
)
NO_LEDGER_TABLE = "no ledger table: set WRAPGUARD_LEDGER_TABLE (the stack's LedgerTableName output)"


def ledger_book(ctx: Context) -> LedgerBook:
    """The ledger table, and the stack's stream when WRAPGUARD_LEDGER_STREAM is set, over the workstation session."""
    from ..aws.credentials import BotoSessionCredentials
    from ..runtime import build_ledger_book

    table = ctx.settings.ledger_table
    if not table:
        raise UsageError(NO_LEDGER_TABLE)
    session = BotoSessionCredentials()

    def undelivered(records: int) -> None:
        ctx.warn(f"{records} ledger version(s) not delivered to the stream; the ledger table holds them")

    return build_ledger_book(
        ctx.db,
        table,
        ctx.settings.ledger_stream,
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
