"""How a failure record changes when a failure is recorded again: pure rules, no I/O.

The store reads the record, asks these rules what the write is, and writes it conditioned on what it
read (store/failures.py); so the rules below hold however many writers record at once.

- Records only move forward: a repeat never reopens an item a reviewer (or wrapguard) closed ...
- ... except a lost intent (`superseded`): a request whose code was never applied is new work for a
  reviewer, so it reopens a closed item rather than hide as `status=resolved reason=superseded` (issue 15, D4).
- A specific reason (why a code is missing: window_closed, invalid_code, ...) is never replaced by an
  infrastructure one (timeout, upstream_error, ...): the repeat is only counted.
- What a repeat does not know is kept: the intended code, the agent and queue, and the reporting context.
- A code on the participant settles an open item, unless it recorded another intended code, a lost race,
  or a placeholder (a reviewer decides those).
"""

from __future__ import annotations

from dataclasses import dataclass

from .failures import FailureReason, FailureStatus

# Reasons that say precisely why a code is missing; a repeat that only knows an infrastructure error
# (timeout, rate_limited, upstream_error, unauthorized, forbidden) does not replace them.
SPECIFIC_REASONS = frozenset(
    {
        FailureReason.WINDOW_CLOSED,
        FailureReason.INVALID_CODE,
        FailureReason.NOT_FOUND,
        FailureReason.MISSING_WRAPUP,
        FailureReason.PLACEHOLDER_CODE,
        FailureReason.SUPERSEDED,
    }
)
_SPECIFIC_VALUES = frozenset(reason.value for reason in SPECIFIC_REASONS)
# Reasons a later code on the participant does not settle (a reviewer decides).
NOT_SETTLED_BY_A_CODE = frozenset({FailureReason.SUPERSEDED.value, FailureReason.PLACEHOLDER_CODE.value})
# Failure fields whose earlier value a repeat that does not know them keeps (who and what was intended,
# and what reporting groups by).
KEPT_WHEN_UNKNOWN = frozenset(
    {"wrapup_code_id", "wrapup_code_name", "user_id", "queue_id", "media_type", "direction", "conversation_end"}
)


@dataclass(frozen=True)
class RecordState:
    """What the rules need of a stored record. `reason` is text: records may hold reasons of older versions."""

    status: FailureStatus
    reason: str | None = None
    wrapup_code_id: str | None = None


@dataclass(frozen=True)
class Merge:
    """The write a recorded failure makes: every write counts the attempt and moves lastSeen."""

    status: FailureStatus  # the record's status after the write
    take_details: bool  # replace reason, message, ... with the failure's (KEPT_WHEN_UNKNOWN aside)

    @property
    def counts_only(self) -> bool:
        return not self.take_details


def merge(existing: RecordState | None, reason: FailureReason) -> Merge:
    """What recording a failure with `reason` does to `existing` (None: no record yet)."""
    if existing is None:
        return Merge(FailureStatus.OPEN, take_details=True)
    if reason is FailureReason.SUPERSEDED and existing.status is not FailureStatus.OPEN:
        return Merge(FailureStatus.OPEN, take_details=True)  # a lost intent is never hidden (D4)
    keeps_specific = existing.reason in _SPECIFIC_VALUES and reason not in SPECIFIC_REASONS
    return Merge(existing.status, take_details=not keeps_specific)


def replaces_if_absent(existing: RecordState | None, reason: FailureReason) -> bool:
    """Does a create-if-absent write (a decision: the event path, the reconciler) go ahead?

    Yes when there is no record; and, for a specific reason, over an open record that only holds an
    infrastructure error (an earlier delivery's timeout must not hide a retried event's window_closed).
    """
    if existing is None:
        return True
    return (
        reason in SPECIFIC_REASONS and existing.status is FailureStatus.OPEN and existing.reason not in _SPECIFIC_VALUES
    )


def settled_by_code(existing: RecordState | None, code_present: str) -> bool:
    """Does `code_present` on the participant settle (resolve) this record?"""
    if existing is None or existing.status is not FailureStatus.OPEN:
        return False
    if existing.reason in NOT_SETTLED_BY_A_CODE:
        return False
    return existing.wrapup_code_id in (None, code_present)
