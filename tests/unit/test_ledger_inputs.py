"""The ledger's inputs, pure: a reconciler check, the failure record and the applied code -> the row;
a review over the latest row; the settled-by-review moment (issue 18, item 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wrapguard.domain.compliance import CheckOutcome, ParticipantCheck
from wrapguard.domain.ledger import (
    CodeRef,
    EffectiveSource,
    Recorded,
    Review,
    ReviewStatus,
    checked_row,
    next_version,
    reviewed_row,
    settled_by_review,
)
from wrapguard.store.ledger import recorded_of

CID = "3c1c8b8e-5d6f-4b5e-9a59-1d1f0c0a0001"
PID = "9d2e4a10-0b7c-4a43-8f0e-2b6b7c6d0001"
SALE = CodeRef("0b6f3b8c-9a39-4c6f-8d53-5e0f0c0c0c02", "Sale")
TIMEOUT = "ININ-WRAP-UP-TIMEOUT"
ENDED = datetime(2026, 12, 3, 23, 59, 59, tzinfo=UTC)
LATER = ENDED + timedelta(minutes=10)


def check(outcome: CheckOutcome, code: str | None = None) -> ParticipantCheck:
    return ParticipantCheck(CID, PID, "u", "q", "voice", "inbound", ENDED, outcome, code)


@pytest.mark.parametrize(
    ("found", "recorded", "applied", "source", "effective", "intended"),
    [
        (check(CheckOutcome.CODED, SALE.id), None, None, EffectiveSource.AGENT, SALE.id, None),
        (check(CheckOutcome.CODED, SALE.id), None, SALE.id, EffectiveSource.WRAPGUARD, SALE.id, None),
        # the code the record wanted was applied after all: not "intended, not applied"
        (check(CheckOutcome.CODED, SALE.id), Recorded(SALE), SALE.id, EffectiveSource.WRAPGUARD, SALE.id, None),
        (check(CheckOutcome.MISSING), Recorded(SALE), None, EffectiveSource.INTENDED, SALE.id, SALE.id),
        (check(CheckOutcome.PLACEHOLDER, TIMEOUT), None, None, EffectiveSource.PLACEHOLDER, TIMEOUT, None),
        (
            check(CheckOutcome.PLACEHOLDER, TIMEOUT),
            Recorded(None, Review(ReviewStatus.RESOLVED, "ana", SALE)),
            None,
            EffectiveSource.REVIEW,
            SALE.id,
            None,
        ),
        (check(CheckOutcome.MISSING), None, None, EffectiveSource.NONE, None, None),
    ],
)
def test_checked_row(
    found: ParticipantCheck,
    recorded: Recorded | None,
    applied: str | None,
    source: EffectiveSource,
    effective: str | None,
    intended: str | None,
) -> None:
    row = checked_row(found, recorded, applied_code=applied, recorded_at=LATER)
    assert (row.effective_source, row.effective_code_id, row.intended_code_id) == (source, effective, intended)
    assert (row.day, row.genesys_code_id) == ("2026-12-03", found.code)


def test_a_review_keeps_what_genesys_holds_and_settles_the_miss_once() -> None:
    first = checked_row(check(CheckOutcome.PLACEHOLDER, TIMEOUT), None, applied_code=None, recorded_at=LATER)
    review = Review(ReviewStatus.RESOLVED_UNVERIFIED, "ana", CodeRef("custom"))
    computed = reviewed_row(first, review, recorded_at=LATER + timedelta(hours=1))
    second = next_version(first, computed)
    assert second is not None and second.version == 2
    assert (second.effective_source, second.effective_code_id, second.genesys_code_id) == (
        EffectiveSource.REVIEW,
        "custom",
        TIMEOUT,
    )
    assert settled_by_review(first, second) and not settled_by_review(second, second)
    # The same review again: nothing reporting reads changed, no version.
    assert next_version(second, reviewed_row(second, review, recorded_at=LATER + timedelta(hours=2))) is None
    # A review over an agent-coded row changes only the review columns: the real code still wins.
    coded = checked_row(check(CheckOutcome.CODED, SALE.id), None, applied_code=SALE.id, recorded_at=LATER)
    after = reviewed_row(coded, review, recorded_at=LATER)
    assert (after.effective_source, after.effective_code_id, after.review_status) == (
        EffectiveSource.WRAPGUARD,
        SALE.id,
        ReviewStatus.RESOLVED_UNVERIFIED,
    )


def test_the_failure_item_gives_the_intended_code_and_the_review() -> None:
    assert recorded_of(None) is None
    item = {"status": "open", "wrapupCodeId": SALE.id, "wrapupCodeName": "Sale"}
    assert recorded_of(item) == Recorded(SALE, None)  # nobody reviewed it
    reviewed = {**item, "status": "resolved", "reviewedBy": "ana", "reviewCodeId": "x", "reviewCodeVerified": False}
    assert recorded_of(reviewed) == Recorded(SALE, Review(ReviewStatus.RESOLVED_UNVERIFIED, "ana", CodeRef("x")))
    verified = {**reviewed, "reviewCodeVerified": True, "reviewCodeName": "X"}
    assert recorded_of(verified) == Recorded(SALE, Review(ReviewStatus.RESOLVED, "ana", CodeRef("x", "X")))
    ignored = {"status": "ignored", "reviewedBy": "bo"}
    assert recorded_of(ignored) == Recorded(None, Review(ReviewStatus.IGNORED, "bo"))
