"""Observe mode's record: what wrapguard would have written, kept on the participant's failure item
and counted once per participant as `wouldApply` in the compliance table.

The record's rules (pure):
- an observation never changes an item's status, except that it creates a missing item with status
  `observed` (so `list` shows it only with `--status observed`): `status_after_observation`;
- a later failure on that participant (e.g. the reconciler's missing_wrapup) moves an `observed`
  item to `open`, keeping the observation attributes (domain/failure_rules.py `merge`, `replaces_if_absent`).
"""

from __future__ import annotations

from typing import Protocol

from aws_lambda_powertools import Logger

from .. import SERVICE
from .deadline import Deadline
from .failures import FailureRecorder, FailureStatus, Observation

logger = Logger(service=SERVICE, child=True)


class WouldApplyCounter(Protocol):
    """The compliance table's `wouldApply` counter (per queue, media type and day)."""

    def count_would_apply(self, observation: Observation, *, deadline: Deadline) -> bool:
        """+1 for the participant's queue/media/day unless it was counted before; True if counted now."""
        ...


def status_after_observation(existing: FailureStatus | None) -> FailureStatus:
    """The item's status once an observation is kept on it (None: no item yet)."""
    return FailureStatus.OBSERVED if existing in (None, FailureStatus.OBSERVED) else existing


def record_observation(
    failures: FailureRecorder, counter: WouldApplyCounter | None, observation: Observation, *, deadline: Deadline
) -> None:
    """Keep and count what observe mode would have written: the one record path of every source.

    Like a failure record, it may use the deadline's reserve, and a write that fails propagates (the
    invocation fails and is retried) rather than losing the evidence.
    """
    deadline = deadline.for_failure_write()
    failures.record_observation(observation, deadline=deadline)
    counted = counter.count_would_apply(observation, deadline=deadline) if counter is not None else False
    logger.info(
        "wrap-up not written (observe mode)",
        extra={
            "source": observation.source.value,
            "participant_id": observation.subject.participant_id,
            "wrapup_code_id": observation.code_id,
            "would_apply_counted": counted,
        },
    )
