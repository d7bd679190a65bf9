"""Observe mode's record rules (domain/observations.py, domain/failure_rules.py), table by table."""

from __future__ import annotations

import pytest

from wrapguard.domain.failure_rules import Merge, RecordState, merge, replaces_if_absent, settled_by_code
from wrapguard.domain.failures import FailureReason as R
from wrapguard.domain.failures import FailureStatus as S
from wrapguard.domain.observations import status_after_observation


@pytest.mark.parametrize(
    ("existing", "after"),
    [(None, S.OBSERVED), (S.OBSERVED, S.OBSERVED), (S.OPEN, S.OPEN), (S.RESOLVED, S.RESOLVED), (S.IGNORED, S.IGNORED)],
)
def test_an_observation_creates_an_observed_item_and_never_changes_a_status(existing: S | None, after: S) -> None:
    assert status_after_observation(existing) is after


@pytest.mark.parametrize("reason", list(R))
def test_any_failure_on_an_observation_only_item_opens_it_with_its_details(reason: R) -> None:
    observed = RecordState(S.OBSERVED)
    assert merge(observed, reason) == Merge(S.OPEN, take_details=True)
    assert replaces_if_absent(observed, reason)  # the reconciler's and late events' create-if-absent


def test_a_code_does_not_settle_an_observation() -> None:
    assert not settled_by_code(RecordState(S.OBSERVED), "any-code")
