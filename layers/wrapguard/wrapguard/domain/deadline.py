"""One invocation's time, as a value passed explicitly to everything that waits.

A handler makes one `Deadline` from the Lambda context (`Deadline.from_lambda_context`), a CLI from
its own limit (`Deadline.after(seconds)`); it is passed, never stored on a long-lived object, to the
Genesys client, every DynamoDB call, the participant lease and the failure write.

The last `reserve` seconds belong to the write that records a failure (the last thing an invocation
does): ordinary calls see `remaining()` (up to the reserve) and stop before it; the failure write
uses `for_failure_write()`, which may spend the reserve too.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

# One worst-case DynamoDB attempt (connect 1 s + read 1 s) and some slack: enough to record a
# failure after a Genesys call used all the time it was allowed.
DEFAULT_RESERVE_SECONDS = 2.5


class RemainingTime(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


@dataclass(frozen=True)
class Deadline:
    """An absolute end on a monotonic clock, and the part of it reserved for recording a failure."""

    ends_at: float  # monotonic seconds; math.inf when unbounded
    reserve: float = DEFAULT_RESERVE_SECONDS
    may_use_reserve: bool = False
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def after(
        cls, seconds: float, *, reserve: float = DEFAULT_RESERVE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> Deadline:
        return cls(ends_at=clock() + seconds, reserve=reserve, clock=clock)

    @classmethod
    def from_lambda_context(cls, context: RemainingTime, *, reserve: float = DEFAULT_RESERVE_SECONDS) -> Deadline:
        return cls.after(context.get_remaining_time_in_millis() / 1000.0, reserve=reserve)

    @classmethod
    def unbounded(cls) -> Deadline:
        """For tools with no time limit of their own (tests, a local script)."""
        return cls(ends_at=math.inf, reserve=0.0)

    def remaining(self) -> float:
        """Seconds an operation may still use: up to the reserve, or to the end for the failure write."""
        left = self.ends_at - self.clock()
        return left if self.may_use_reserve else left - self.reserve

    def until_end(self) -> float:
        """Seconds until the invocation's end, reserve included (how long a hold must last)."""
        return self.ends_at - self.clock()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def allows(self, seconds: float) -> bool:
        """Can something that may take `seconds` still start?"""
        return self.remaining() >= seconds

    def for_failure_write(self) -> Deadline:
        """The same end, with the reserve available: only for recording a failure (and the lease release)."""
        return replace(self, may_use_reserve=True)
