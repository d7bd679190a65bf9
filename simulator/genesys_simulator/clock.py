"""The simulator's clock: seconds as a float, injectable so tests and benchmarks control time.

OAuth token expiry and the rate limits read `World.clock`; the default is the wall clock (`time.time`).
A test advances a `ManualClock` by hand; a benchmark that compresses time uses a `ScaledClock`, so one
real second counts as `factor` simulated seconds for every limit at once (the Retry-After the simulator
answers is then in simulated seconds: the caller divides by the same factor before sleeping).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"seconds: a clock does not go back ({seconds})")
        with self._lock:
            self._now += seconds


class ScaledClock:
    """Wall time since creation multiplied by `factor`, added to the wall clock at creation."""

    def __init__(self, factor: float, source: Clock = time.monotonic) -> None:
        if factor <= 0:
            raise ValueError(f"factor: must be > 0 ({factor})")
        self.factor = factor
        self._source = source
        self._origin = source()
        self._start = time.time()

    def __call__(self) -> float:
        return self._start + (self._source() - self._origin) * self.factor
