"""Run a process on compressed time: one real second counts as `factor` simulated seconds.

What is compressed (everything that *waits* or *reads elapsed time* through the `time` module):
`time.sleep` sleeps `seconds / factor` of real time (Retry-After, backoff, lease waits, botocore's
retry sleeps), and `time.monotonic` returns the simulated clock (invocation deadlines, token and
code-cache lifetimes). The simulator's rate-limit windows and token expiry read the same clock
(`sim.clock = compressed.clock`), so a Retry-After of 30 simulated seconds is 30 / factor real seconds,
and a token's 300 requests a minute are 300 per simulated minute.

What is not compressed: the work itself. Our code, the local servers and loopback run at real speed,
so in simulated seconds they look `factor` times slower than they are (pessimistic for latencies;
billed durations add the measured compute time, not the stretched one).

`install()` must run before the modules that bind `time.sleep`/`time.monotonic` as default
arguments are imported (the benchmark does it first thing); both wrappers are the identity until
`start(factor)`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from genesys_simulator.clock import ScaledClock

from .lambda_async import Timebase

_real_sleep = time.sleep
_real_monotonic = time.monotonic


class CompressedTime(Timebase):
    def __init__(self) -> None:
        self.factor = 1.0
        self.clock: Callable[[], float] = _real_monotonic
        self._waited = threading.local()

    def install(self) -> CompressedTime:
        time.sleep = self.sleep  # type: ignore[assignment]  # floats only: what every caller passes
        time.monotonic = self.now
        return self

    def start(self, factor: float) -> None:
        self.clock = ScaledClock(factor, source=_real_monotonic)
        self.factor = factor

    def uninstall(self) -> None:
        time.sleep = _real_sleep
        time.monotonic = _real_monotonic

    # --- the patched functions -------------------------------------------------------------------
    def now(self) -> float:
        return self.clock()

    def sleep(self, seconds: float) -> None:
        self._waited.total = self.waited() + max(0.0, seconds)
        _real_sleep(max(0.0, seconds) / self.factor)

    # --- Timebase --------------------------------------------------------------------------------
    def waited(self) -> float:
        """Simulated seconds this thread has slept so far."""
        total: float = getattr(self._waited, "total", 0.0)
        return total

    def real_seconds(self, simulated: float) -> float:
        return simulated / self.factor

    def real_sleep(self, simulated: float) -> None:
        """The harness's own wait until a simulated moment: not counted as a wait of a handler."""
        _real_sleep(max(0.0, simulated) / self.factor)

    def elapsed(self) -> Callable[[], tuple[float, float]]:
        started, waited = time.perf_counter(), self.waited()
        return lambda: (time.perf_counter() - started, self.waited() - waited)
