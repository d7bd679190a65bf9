"""One writer per participant: a short lease around read -> decide -> PATCH -> verify.

Lambda runs many copies at once, so a data action and the `user.end` event (or two data actions,
or a reviewer's retry) can work on the same participant at the same moment. Each holds the lease
on (conversation, participant) while it decides and writes; the others wait a bounded time.

The lease item outlives each hold: it remembers the code wrapguard last applied to the participant
(so a later writer can tell wrapguard's code from the agent's own) and when the last hold ended (so
a writer whose read came before that knows to read again).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from aws_lambda_powertools import Logger

from .. import SERVICE
from .deadline import Deadline

logger = Logger(service=SERVICE, child=True)

# A hold lasts the holder's deadline plus this margin (a call the deadline allowed may still be
# answering), never longer than MAX_HOLD_SECONDS: a writer that dies is taken over after at most that.
# The data action's 28 s and the event function's 60 s fit; a longer CLI deadline is capped (its
# calls are then bounded by the CLI's own Deadline, which retry/redrive keep below the cap).
HOLD_MARGIN_SECONDS = 5.0
MAX_HOLD_SECONDS = 905.0  # the longest Lambda timeout (900 s) plus the margin
MIN_HOLD_SECONDS = 1.0
# Wall clocks of different Lambda copies disagree by milliseconds; a read this close to another
# writer's release is treated as stale.
CLOCK_SKEW_SECONDS = 1.0


class LeaseBusyError(Exception):
    """Another writer held the participant for longer than the bounded wait."""


@dataclass(frozen=True)
class LeaseState:
    """What the lease item said when this writer took it."""

    applied_code: str | None = None  # the code wrapguard last applied to this participant
    applied_by: str | None = None  # which path applied it (data_action, eventbridge, review)
    released_at: float | None = None  # epoch seconds when the previous hold ended
    # The previous holder never released (it died or overran): its PATCH may have landed after
    # our read, and its code was never remembered.
    taken_over: bool = False

    def wrapguard_code(self, code: str) -> bool:
        """Did wrapguard (probably) apply `code`? After a takeover any code present counts as ours."""
        return code == self.applied_code or self.taken_over


class LeaseStore(Protocol):
    def try_acquire(self, key: str, holder: str, hold_seconds: float, *, deadline: Deadline) -> LeaseState | None:
        """Take the lease if free, expired, or already ours (a retried acquire whose answer was lost),
        returning what it held; None while someone else holds it. Storage failures raise StorageUnavailable."""
        ...

    def release(
        self, key: str, holder: str, applied_code: str | None, applied_by: str | None, *, deadline: Deadline
    ) -> None:
        """End the hold (only if still ours), remembering the code applied under it, if any."""
        ...


@dataclass
class Hold:
    """A writer's hold on one participant; `applied()` tells the lease what this writer wrote."""

    key: str
    holder: str
    state: LeaseState
    waited: bool
    taken_at: float
    written_code: str | None = None

    def applied(self, code_id: str | None) -> None:
        if code_id:
            self.written_code = code_id

    def stale(self, read_at: float) -> bool:
        """Could a read made at `read_at` miss another writer's change?"""
        if self.waited or self.state.taken_over:
            return True
        released = self.state.released_at
        return released is not None and released >= read_at - CLOCK_SKEW_SECONDS


@dataclass
class ParticipantLeases:
    store: LeaseStore
    source: str
    wait_seconds: float = 8.0
    clock: Callable[[], float] = time.time  # when our read happened vs. another writer's release (stale())
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    @contextmanager
    def hold(self, conversation_id: str, participant_id: str, *, deadline: Deadline) -> Iterator[Hold]:
        """Hold the participant for the rest of `deadline` (+ margin, capped): no hold expires before
        the holder's last Genesys call, which `deadline` bounds too (issue 15, D5)."""
        key = f"{conversation_id}#{participant_id}"
        holder = uuid.uuid4().hex
        hold_for = hold_seconds(deadline)
        wait = Deadline.after(max(0.0, min(self.wait_seconds, deadline.remaining())), reserve=0.0, clock=deadline.clock)
        waited = False
        while (state := self.store.try_acquire(key, holder, hold_for, deadline=deadline)) is None:
            if wait.expired():
                raise LeaseBusyError(f"another writer held participant {participant_id} past the bounded wait")
            waited = True
            self.sleep(min(self.rng.uniform(0.05, 0.2), max(0.0, wait.remaining())))
        taken = Hold(key, holder, state, waited, self.clock())
        try:
            yield taken
        finally:
            try:
                # It remembers the code just applied, so it may use the time kept for failure writes.
                self.store.release(
                    key,
                    holder,
                    taken.written_code,
                    self.source if taken.written_code else None,
                    deadline=deadline.for_failure_write(),
                )
            except Exception:  # the hold expires on its own; the caller's outcome must not be replaced
                logger.exception("could not release the participant lease", extra={"lease": key})


def hold_seconds(deadline: Deadline) -> float:
    """The writer's whole deadline (reserve included) plus a margin, capped; at least MIN_HOLD_SECONDS."""
    return max(MIN_HOLD_SECONDS, min(deadline.until_end() + HOLD_MARGIN_SECONDS, MAX_HOLD_SECONDS))
