"""The ledger table over the local AWS server: conditional versions under concurrent writers, and a
version Firehose does not take is counted and logged while the table keeps it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.aws import local_db
from wrapguard.aws import wiring
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.ledger import CodeRef, HeldCode, Interaction, LedgerRow, Review, ReviewStatus, ledger_row
from wrapguard.settings import AwsSettings, load_settings
from wrapguard.store.ledger import LedgerBook, LedgerTable

pytestmark = pytest.mark.integration

WHO = Interaction(
    "3c1c8b8e-5d6f-4b5e-9a59-1d1f0c0a0001", "9d2e4a10-0b7c-4a43-8f0e-2b6b7c6d0001", datetime(2026, 12, 3, tzinfo=UTC)
)
TIMEOUT = HeldCode(CodeRef("ININ-WRAP-UP-TIMEOUT"), placeholder=True)


def row(review: Review | None = None, held: HeldCode | None = TIMEOUT) -> LedgerRow:
    return ledger_row(WHO, held=held, intended=None, review=review, recorded_at=datetime.now(UTC))


def test_two_writers_from_the_same_version_never_both_write_it(tables: dict[str, str]) -> None:
    table = LedgerTable(local_db(), tables["LedgerTable"])
    book = LedgerBook(table)
    first = book.settle(WHO_KEY, lambda _: row(), deadline=Deadline.after(10))
    assert first is not None and first.version == 1
    settled: list[LedgerRow] = []
    reviewers = [f"reviewer-{i}" for i in range(6)]
    barrier = threading.Barrier(len(reviewers))

    def review(name: str) -> None:
        barrier.wait()
        written = LedgerBook(LedgerTable(local_db(), tables["LedgerTable"])).settle(
            WHO_KEY,
            lambda _: row(Review(ReviewStatus.RESOLVED, name, CodeRef(name))),
            previous=first,
            read=False,
            deadline=Deadline.after(20),
        )
        assert written is not None
        settled.append(written)

    threads = [threading.Thread(target=review, args=(name,)) for name in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each writer lost to the others at most once per round and wrote its own version on top.
    assert sorted(r.version for r in settled) == list(range(2, 2 + len(reviewers)))
    latest = table.latest(WHO_KEY, deadline=Deadline.after(10))
    assert latest is not None and latest.record() == max(settled, key=lambda r: r.version).record()
    assert not table.write(first.model_copy(update={"version": 2}), deadline=Deadline.after(10))


def test_an_undelivered_version_is_counted_logged_and_kept_in_the_table(
    tables: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    counted: list[int] = []
    table = LedgerTable(local_db(), tables["LedgerTable"])
    firehose = wiring.firehose(load_settings(AwsSettings))
    book = LedgerBook(table, firehose=firehose, stream="no-such-stream", on_undelivered=counted.append)
    written = book.settle(WHO_KEY, lambda _: row(), deadline=Deadline.after(10))
    assert written is not None
    assert book.deliver([written], deadline=Deadline.after(10)) == 1
    assert counted == [1]
    (logged,) = [r for r in caplog.records if "not delivered" in r.getMessage()]
    assert logged.levelname == "ERROR"
    assert (logged.participant_id, logged.version, logged.error_code) == (  # type: ignore[attr-defined]
        WHO.participant_id,
        1,
        "ResourceNotFoundException",
    )
    kept = table.latest(WHO_KEY, deadline=Deadline.after(10))
    assert kept is not None and kept.record() == written.record()


def test_since_reads_the_days_of_the_conversation_ends(tables: dict[str, str]) -> None:
    table = LedgerTable(local_db(), tables["LedgerTable"])
    book = LedgerBook(table)
    ends = [datetime.now(UTC) - timedelta(days=d, minutes=5) for d in (0, 1, 3)]
    for number, ended in enumerate(ends):
        who = Interaction(f"3c1c8b8e-5d6f-4b5e-9a59-1d1f0c0a100{number}", WHO.participant_id, ended)
        computed = ledger_row(who, held=None, intended=None, review=None, recorded_at=ended)
        book.settle((who.conversation_id, who.participant_id), constant(computed), deadline=Deadline.after(10))
    found = list(table.since(datetime.now(UTC) - timedelta(days=2), deadline=Deadline.after(10)))
    assert [r.conversation_end for r in found] == sorted(
        e.replace(microsecond=e.microsecond // 1000 * 1000) for e in ends[:2]
    )


WHO_KEY = (WHO.conversation_id, WHO.participant_id)


def constant(computed: LedgerRow) -> Callable[[LedgerRow | None], LedgerRow]:
    return lambda _: computed


def test_a_review_between_the_reconcilers_read_and_write_is_not_lost(tables: dict[str, str]) -> None:
    """Version 1 says `none`; analytics now shows the wrap-up timeout, so the reconciler computes a new
    version from the failure item it read in its batch (no review). A reviewer settles the miss with a
    code before the reconciler's write: that write fails on the version, the reconciler reads the
    failure item again, and the review stays the effective code (no version drops it)."""
    from wrapguard.domain.compliance import CheckOutcome, ParticipantCheck
    from wrapguard.domain.failures import Failure, FailureReason, FailureSource, FailureStatus
    from wrapguard.domain.ledger import EffectiveSource, reviewed_row
    from wrapguard.store.failures import FailureStore
    from wrapguard.store.ledger import CheckLedger, recorded_of

    db = local_db()
    failures = FailureStore(db, tables["FailuresTable"])
    cid, pid = WHO_KEY
    missing = Failure(
        conversation_id=cid,
        participant_id=pid,
        reason=FailureReason.MISSING_WRAPUP,
        source=FailureSource.RECONCILE,
        message="m",
    )
    failures.record_if_absent(missing, deadline=Deadline.after(10))
    reviewer_book = LedgerBook(LedgerTable(db, tables["LedgerTable"]))
    assert reviewer_book.table.write(row(held=None), deadline=Deadline.after(10))  # version 1: none

    def review_now(deadline: Deadline) -> None:
        failures.set_status(
            cid, pid, FailureStatus.RESOLVED, note="n", reviewer="ana", code=CodeRef("x"), deadline=deadline
        )
        recorded = recorded_of(failures.get(cid, pid, deadline=deadline))
        assert recorded is not None and recorded.review is not None
        given = recorded.review
        assert reviewer_book.settle(
            WHO_KEY,
            lambda previous: reviewed_row(previous, given, recorded_at=datetime.now(UTC)) if previous else None,
            deadline=deadline,
        )

    class ReviewedFirst(LedgerTable):
        interleaved = False

        def write(self, written: LedgerRow, *, deadline: Deadline) -> bool:
            if not self.interleaved:
                self.interleaved = True
                review_now(deadline)
            return super().write(written, deadline=deadline)

    reconciler = CheckLedger(db, LedgerBook(ReviewedFirst(db, tables["LedgerTable"])), tables["FailuresTable"])
    check = ParticipantCheck(
        cid, pid, None, None, None, None, WHO.conversation_end, CheckOutcome.PLACEHOLDER, "ININ-WRAP-UP-TIMEOUT"
    )
    assert reconciler.record_checks([check], deadline=Deadline.after(20)) == 0
    latest = reviewer_book.table.latest(WHO_KEY, deadline=Deadline.after(10))
    assert latest is not None and latest.version == 2
    assert (latest.effective_source, latest.effective_code_id, latest.review_status) == (
        EffectiveSource.REVIEW,
        "x",
        ReviewStatus.RESOLVED_UNVERIFIED,
    )
