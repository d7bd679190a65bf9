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
        (RecordState(S.IGNORED, "superseded"), R.SUPERSEDED, Merge(S.OPEN, take_details=True)),
        # Older versions' unknown reasons count as infrastructure.
        (RecordState(S.OPEN, "something_old"), R.TIMEOUT, Merge(S.OPEN, take_details=True)),
    ],
)
def test_merge(existing: RecordState | None, reason: R, expected: Merge) -> None:
    assert merge(existing, reason) == expected


@pytest.mark.parametrize("status", list(S))
def test_a_lost_intent_is_never_hidden_under_a_closed_status(status: S) -> None:
    for old in [None, *R]:
        result = merge(RecordState(status, old.value if old else None), R.SUPERSEDED)
        assert result.status is S.OPEN and result.take_details


@pytest.mark.parametrize("reason", INFRASTRUCTURE)
def test_infrastructure_errors_never_reopen_or_replace_a_specific_reason(reason: R) -> None:
    for specific in SPECIFIC_REASONS:
        for status in S:
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
