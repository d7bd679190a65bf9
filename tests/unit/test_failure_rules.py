"""The failure-record merge rules, table by table (domain/failure_rules.py)."""

from __future__ import annotations

import pytest

from wrapguard.domain.failure_rules import (
    SPECIFIC_REASONS,
    Merge,
    RecordState,
    merge,
    replaces_if_absent,
    settled_by_code,
)
from wrapguard.domain.failures import FailureReason as R
from wrapguard.domain.failures import FailureStatus as S

INFRASTRUCTURE = [r for r in R if r not in SPECIFIC_REASONS]


@pytest.mark.parametrize(
    ("existing", "reason", "expected"),
    [
        # No record: a new open one with the failure's details.
        (None, R.TIMEOUT, Merge(S.OPEN, take_details=True)),
        (None, R.SUPERSEDED, Merge(S.OPEN, take_details=True)),
        # Infrastructure over infrastructure: the latest details.
        (RecordState(S.OPEN, "timeout"), R.UPSTREAM_ERROR, Merge(S.OPEN, take_details=True)),
        # Specific over infrastructure, and the latest of two specific reasons.
        (RecordState(S.OPEN, "timeout"), R.WINDOW_CLOSED, Merge(S.OPEN, take_details=True)),
        (RecordState(S.OPEN, "invalid_code"), R.WINDOW_CLOSED, Merge(S.OPEN, take_details=True)),
        # Infrastructure never replaces a specific reason: counted only.
        (RecordState(S.OPEN, "window_closed"), R.TIMEOUT, Merge(S.OPEN, take_details=False)),
        (RecordState(S.OPEN, "superseded"), R.RATE_LIMITED, Merge(S.OPEN, take_details=False)),
        # Forward only: a closed record stays closed ...
        (RecordState(S.RESOLVED, "timeout"), R.TIMEOUT, Merge(S.RESOLVED, take_details=True)),
        (RecordState(S.IGNORED, "window_closed"), R.UPSTREAM_ERROR, Merge(S.IGNORED, take_details=False)),
        (RecordState(S.RESOLVED, "timeout"), R.WINDOW_CLOSED, Merge(S.RESOLVED, take_details=True)),
        # ... except a lost intent, which reopens it with its own details (D4).
        (RecordState(S.RESOLVED, "timeout"), R.SUPERSEDED, Merge(S.OPEN, take_details=True)),
        (RecordState(S.RESOLVED, "window_closed"), R.SUPERSEDED, Merge(S.OPEN, take_details=True)),
        (RecordState(S.IGNORED, "superseded", "c2"), R.SUPERSEDED, Merge(S.OPEN, take_details=True)),
        # Older versions' unknown reasons count as infrastructure.
        (RecordState(S.OPEN, "something_old"), R.TIMEOUT, Merge(S.OPEN, take_details=True)),
    ],
)
def test_merge(existing: RecordState | None, reason: R, expected: Merge) -> None:
    assert merge(existing, reason, "c1") == expected


# Review P1-C and P2: (existing record, later failure, its intended code) -> the write.
@pytest.mark.parametrize(
    ("existing", "reason", "code", "expected"),
    [
        # An open lost intent for c1 keeps its reason and code: any later failure only counts.
        (RecordState(S.OPEN, "superseded", "c1"), R.WINDOW_CLOSED, "c2", Merge(S.OPEN, take_details=False)),
        (RecordState(S.OPEN, "superseded", "c1"), R.INVALID_CODE, "c2", Merge(S.OPEN, take_details=False)),
        (RecordState(S.OPEN, "superseded", "c1"), R.SUPERSEDED, "c2", Merge(S.OPEN, take_details=False)),
        (RecordState(S.OPEN, "superseded", "c1"), R.TIMEOUT, None, Merge(S.OPEN, take_details=False)),
        # The same lost intent again: counted.
        (RecordState(S.OPEN, "superseded", "c1"), R.SUPERSEDED, "c1", Merge(S.OPEN, take_details=False)),
        # A closed item holding the same lost intent stays closed (the reviewer decided it) ...
        (RecordState(S.IGNORED, "superseded", "c1"), R.SUPERSEDED, "c1", Merge(S.IGNORED, take_details=False)),
        (RecordState(S.RESOLVED, "superseded", "c1"), R.SUPERSEDED, "c1", Merge(S.RESOLVED, take_details=False)),
        # ... a different lost intent (other code, or other reason) reopens it.
        (RecordState(S.IGNORED, "superseded", "c1"), R.SUPERSEDED, "c2", Merge(S.OPEN, take_details=True)),
        (RecordState(S.RESOLVED, "window_closed", "c1"), R.SUPERSEDED, "c1", Merge(S.OPEN, take_details=True)),
        (RecordState(S.RESOLVED, "timeout", None), R.SUPERSEDED, "c1", Merge(S.OPEN, take_details=True)),
    ],
)
def test_merge_keeps_lost_intents(existing: RecordState, reason: R, code: str | None, expected: Merge) -> None:
    assert merge(existing, reason, code) == expected


@pytest.mark.parametrize("status", list(S))
def test_a_new_lost_intent_is_never_hidden_under_a_closed_status(status: S) -> None:
    for old in [None, *R]:
        result = merge(RecordState(status, old.value if old else None, "c1"), R.SUPERSEDED, "c2")
        expected_open = status is not S.OPEN or old is not R.SUPERSEDED  # an open lost intent is only counted
        assert result.status is S.OPEN and result.take_details is expected_open


@pytest.mark.parametrize("reason", INFRASTRUCTURE)
def test_infrastructure_errors_never_reopen_or_replace_a_specific_reason(reason: R) -> None:
    for specific in SPECIFIC_REASONS:
        for status in (s for s in S if s is not S.OBSERVED):  # an observation-only item holds no reason
            result = merge(RecordState(status, specific.value), reason)
            assert result == Merge(status, take_details=False)


@pytest.mark.parametrize(
    ("existing", "reason", "goes_ahead"),
    [
        (None, R.TIMEOUT, True),
        (None, R.WINDOW_CLOSED, True),
        (RecordState(S.OPEN, "timeout"), R.WINDOW_CLOSED, True),  # the decision replaces a delivery's timeout
        (RecordState(S.OPEN, "timeout"), R.TIMEOUT, False),
        (RecordState(S.OPEN, "invalid_code"), R.WINDOW_CLOSED, False),
        (RecordState(S.RESOLVED, "timeout"), R.WINDOW_CLOSED, False),
        (RecordState(S.IGNORED, None), R.MISSING_WRAPUP, False),
    ],
)
def test_replaces_if_absent(existing: RecordState | None, reason: R, goes_ahead: bool) -> None:
    assert replaces_if_absent(existing, reason) is goes_ahead


@pytest.mark.parametrize(
    ("existing", "code", "settled"),
    [
        (None, "c1", False),
        (RecordState(S.OPEN, "timeout", None), "c1", True),
        (RecordState(S.OPEN, "timeout", "c1"), "c1", True),
        (RecordState(S.OPEN, "timeout", "c2"), "c1", False),  # another intent is still not applied
        (RecordState(S.OPEN, "superseded", "c1"), "c1", False),  # a lost race: a reviewer decides
        (RecordState(S.OPEN, "placeholder_code", None), "c1", False),
        (RecordState(S.RESOLVED, "timeout", "c1"), "c1", False),
    ],
)
def test_settled_by_code(existing: RecordState | None, code: str, settled: bool) -> None:
    assert settled_by_code(existing, code) is settled
