"""Known answers of the ledger's rules (issue 18): the effective code and source per participant, and
when a new version is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from wrapguard.domain.failures import FailureStatus
from wrapguard.domain.ledger import (
    MISSING_IN_GENESYS,
    CodeRef,
    EffectiveSource,
    HeldCode,
    Interaction,
    LedgerRow,
    Review,
    ReviewStatus,
    effective_code,
    ledger_row,
    next_version,
)
from wrapguard.ledger_schema import COLUMN_NAMES

CONVERSATION = "3c1c8b8e-5d6f-4b5e-9a59-1d1f0c0a0001"
PARTICIPANT = "9d2e4a10-0b7c-4a43-8f0e-2b6b7c6d0002"
END = datetime(2026, 12, 3, 23, 59, 30, 250000, tzinfo=UTC)
RESOLVED = CodeRef("0b6f3b8c-9a39-4c6f-8d53-5e0f0c0c0c01", "Resolved")
SALE = CodeRef("0b6f3b8c-9a39-4c6f-8d53-5e0f0c0c0c02", "Sale")
TIMEOUT = CodeRef("ININ-WRAP-UP-TIMEOUT")
REVIEWER = "reviewer@example.com"


@dataclass(frozen=True)
class Case:
    name: str
    held: HeldCode | None
    intended: CodeRef | None
    review: Review | None
    code: CodeRef | None
    source: EffectiveSource


CASES = [
    Case("agent-coded", HeldCode(SALE), None, None, SALE, EffectiveSource.AGENT),
    Case("wrapguard-applied", HeldCode(RESOLVED, applied_by_wrapguard=True), None, None, RESOLVED,
         EffectiveSource.WRAPGUARD),
    # The agent's own code beats what a flow wanted but did not overwrite (policy keeps the agent's code).
    Case("agent beats intended", HeldCode(SALE), RESOLVED, None, SALE, EffectiveSource.AGENT),
    Case("window closed, intended", None, RESOLVED, None, RESOLVED, EffectiveSource.INTENDED),
    Case("window closed, placeholder held, intended", HeldCode(TIMEOUT, placeholder=True), RESOLVED, None,
         RESOLVED, EffectiveSource.INTENDED),
    Case("reviewed with a code", None, None, Review(ReviewStatus.RESOLVED, REVIEWER, SALE), SALE,
         EffectiveSource.REVIEW),
    Case("review beats intended", None, RESOLVED, Review(ReviewStatus.RESOLVED, REVIEWER, SALE), SALE,
         EffectiveSource.REVIEW),
    Case("review beats placeholder", HeldCode(TIMEOUT, placeholder=True), None,
         Review(ReviewStatus.RESOLVED_UNVERIFIED, REVIEWER, CodeRef("custom-id")), CodeRef("custom-id"),
         EffectiveSource.REVIEW),
    Case("agent code beats review", HeldCode(SALE), None, Review(ReviewStatus.RESOLVED, REVIEWER, RESOLVED), SALE,
         EffectiveSource.AGENT),
    Case("reviewed with a note only", None, None, Review(ReviewStatus.RESOLVED, REVIEWER), None, EffectiveSource.NONE),
    Case("placeholder only", HeldCode(TIMEOUT, placeholder=True), None, None, TIMEOUT, EffectiveSource.PLACEHOLDER),
    # A placeholder wrapguard itself applied (a misconfigured policy) is still a placeholder.
    Case("placeholder applied by wrapguard", HeldCode(TIMEOUT, placeholder=True, applied_by_wrapguard=True), None,
         None, TIMEOUT, EffectiveSource.PLACEHOLDER),
    Case("missing", None, None, None, None, EffectiveSource.NONE),
    Case("missing, review open", None, None, Review(ReviewStatus.OPEN), None, EffectiveSource.NONE),
]  # fmt: skip


def interaction(participant: str = PARTICIPANT) -> Interaction:
    return Interaction(
        conversation_id=CONVERSATION,
        participant_id=participant,
        conversation_end=END,
        user_id="u-1",
        queue_id="q-1",
        media_type="voice",
        direction="inbound",
    )


def row(
    *,
    held: HeldCode | None = None,
    intended: CodeRef | None = None,
    review: Review | None = None,
    at: datetime = END + timedelta(minutes=20),
) -> LedgerRow:
    return ledger_row(interaction(), held=held, intended=intended, review=review, recorded_at=at)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_effective_code_and_source(case: Case) -> None:
    effective = effective_code(case.held, case.intended, case.review)
    assert (effective.code, effective.source) == (case.code, case.source)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_row_columns_follow_the_inputs(case: Case) -> None:
    record = row(held=case.held, intended=case.intended, review=case.review).record()
    assert record["effectiveSource"] == case.source.value
    assert record["effectiveCodeId"] == (case.code.id if case.code else None)
    assert record["effectiveCodeName"] == (case.code.name if case.code else None)
    assert record["genesysCodeId"] == (case.held.code.id if case.held else None)  # placeholders included
    assert record["intendedCodeId"] == (case.intended.id if case.intended else None)
    assert record["reviewStatus"] == (case.review.status.value if case.review else None)
    assert record["reviewedBy"] == (case.review.reviewed_by if case.review else None)


def test_record_has_exactly_the_documented_columns_in_utc_text() -> None:
    record = row(held=HeldCode(SALE)).record()
    assert tuple(record) == COLUMN_NAMES
    assert record["conversationEnd"] == "2026-12-03T23:59:30.250Z"
    assert record["day"] == "2026-12-03"
    assert record["recordedAt"] == "2026-12-04T00:19:30.250Z"
    assert record["version"] == 1
    assert LedgerRow.model_validate(record) == row(held=HeldCode(SALE))  # the CLI reads its own output back


def test_day_is_the_utc_date_of_a_conversation_that_ended_elsewhere() -> None:
    # 00:30 in UTC+02:00 is 22:30 UTC the day before.
    ended = datetime(2026, 12, 4, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    made = ledger_row(
        Interaction(CONVERSATION, PARTICIPANT, ended), held=None, intended=None, review=None, recorded_at=ended
    )
    assert made.day == "2026-12-03"
    assert made.record()["conversationEnd"] == "2026-12-03T22:30:00.000Z"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"day": "2026-12-04"}, "day"),
        ({"conversationEnd": "2026-12-03T23:59:30"}, "conversationEnd"),  # no zone: which day would it be?
        ({"effectiveSource": "guess"}, "effectiveSource"),
        ({"effectiveSource": "none"}, "effectiveCodeId"),  # a code with source none
        ({"effectiveCodeId": None}, "effectiveCodeId"),  # source agent without a code
        ({"version": 0}, "version"),
        ({"conversationId": "not-a-uuid"}, "conversationId"),
        ({"reviewStatus": "done"}, "reviewStatus"),
        ({"extra": "x"}, "extra"),
    ],
)
def test_bad_rows_are_refused_naming_the_field(change: dict[str, object], field: str) -> None:
    record = {**row(held=HeldCode(SALE)).record(), **change}
    with pytest.raises(ValidationError) as raised:
        LedgerRow.model_validate(record)
    assert field in str(raised.value)


def test_review_status_covers_the_failure_table_statuses() -> None:
    assert {s.value for s in FailureStatus} <= {s.value for s in ReviewStatus}


def test_unverified_review_needs_its_code() -> None:
    with pytest.raises(ValueError, match="resolved_unverified"):
        Review(ReviewStatus.RESOLVED_UNVERIFIED, REVIEWER)


def test_sources_missing_in_genesys() -> None:
    assert {s for s in EffectiveSource if s not in MISSING_IN_GENESYS} == {
        EffectiveSource.AGENT,
        EffectiveSource.WRAPGUARD,
    }


# --- versioning -------------------------------------------------------------------------------


def test_first_row_is_version_1_and_a_recheck_writes_nothing() -> None:
    first = next_version(None, row(intended=RESOLVED))
    assert first is not None and first.version == 1
    # The next pass computes the same thing later: same effective code, source, review - no new version.
    assert next_version(first, row(intended=RESOLVED, at=END + timedelta(hours=1))) is None


def test_genesys_or_intended_changes_alone_are_not_a_version() -> None:
    reviewed = Review(ReviewStatus.RESOLVED, REVIEWER, SALE)
    first = next_version(None, row(review=reviewed))
    assert first is not None and first.effective_source is EffectiveSource.REVIEW
    # The wrap-up timeout shows up in analytics later: the review still decides what reporting uses.
    assert next_version(first, row(held=HeldCode(TIMEOUT, placeholder=True), review=reviewed)) is None


def test_a_miss_settled_by_review_then_a_late_code_from_analytics() -> None:
    """The issue's sequence: window closed with an intended code, a reviewer settles it, then the agent's
    real code arrives late in analytics. Each step is one version; the late code wins over the review
    and the row keeps who reviewed it."""
    steps = [
        (row(intended=RESOLVED), EffectiveSource.INTENDED, RESOLVED),
        (
            row(intended=RESOLVED, review=Review(ReviewStatus.RESOLVED, REVIEWER, SALE)),
            EffectiveSource.REVIEW,
            SALE,
        ),
        (
            row(held=HeldCode(RESOLVED), intended=RESOLVED, review=Review(ReviewStatus.RESOLVED, REVIEWER, SALE)),
            EffectiveSource.AGENT,
            RESOLVED,
        ),
    ]
    written: LedgerRow | None = None
    for number, (computed, source, code) in enumerate(steps, start=1):
        written = next_version(written, computed)
        assert written is not None
        assert (written.version, written.effective_source, written.effective_code_id) == (number, source, code.id)
    assert written is not None and (written.review_status, written.reviewed_by) == (ReviewStatus.RESOLVED, REVIEWER)


def test_a_retry_that_applies_the_intended_code_is_a_new_version() -> None:
    intended = next_version(None, row(intended=RESOLVED))
    applied = next_version(intended, row(held=HeldCode(RESOLVED, applied_by_wrapguard=True)))
    assert applied is not None and applied.version == 2
    assert (applied.effective_source, applied.intended_code_id) == (EffectiveSource.WRAPGUARD, None)


@pytest.mark.parametrize(
    "change",
    [
        {"effective_code_name": "Resolved (renamed)"},
        {"review_status": ReviewStatus.IGNORED},
        {"reviewed_by": "someone-else"},
    ],
)
def test_each_versioned_field_alone_makes_a_version(change: dict[str, object]) -> None:
    first = next_version(None, row(held=HeldCode(RESOLVED), review=Review(ReviewStatus.RESOLVED, REVIEWER)))
    assert first is not None
    changed = LedgerRow.model_validate({**first.model_dump(), **change})
    second = next_version(first, changed)
    assert second is not None and second.version == 2


def test_versions_are_per_participant() -> None:
    other = "9d2e4a10-0b7c-4a43-8f0e-2b6b7c6d0003"
    mine = next_version(None, row())
    assert mine is not None
    theirs = ledger_row(interaction(other), held=None, intended=SALE, review=None, recorded_at=END)
    with pytest.raises(ValueError, match="participantId"):
        next_version(mine, theirs)
