"""A container's OAuth tokens: up to `size` client-credentials tokens of the same OAuth client, each
paced below the platform's per-token limit, so a busy container waits briefly instead of collecting 429s.

Genesys Cloud limits requests per token per minute (about 300; configurable by support case,
docs/genesys-api-notes.md s6), not per OAuth client; Genesys' own data action integration spreads
its calls over several tokens for this reason. One Lambda container holds one client, so a few warm
containers can carry a whole contact centre's peak on a few tokens.

- Pacing: one token bucket per token. With the limit L (requests per `window` seconds) and the budget
  B = 95 % of L (slack for requests that arrive closer together than they were sent), the bucket
  holds at most `burst` = max(1, B // 10) and refills at (B - burst) / window. In any span of
  `window` seconds it lets through at most burst + (B - burst) = B <= L requests, whatever the
  pattern: the bound the unit tests check.
- Least used first: each request goes to the token that can send soonest (ties: the one with the
  most credit left); a new token is fetched only when every held token would make it wait, and the
  pool holds at most `size`, so a quiet container keeps one token. A grant refused with a 429 (the
  client's token-creation limit) leaves the held token's wait instead, and growth pauses for a minute.
- When every token would make the request wait longer than the caller's time allows, it raises
  `GenesysPacingError` (a 429 raised here, transient: the event is retried by Lambda later) rather
  than sending a request the platform would refuse.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .errors import GenesysApiError

PACED_SHARE = 0.95


class GenesysPacingError(GenesysApiError):
    """Every token of the pool is at its pacing limit for longer than the caller can wait."""


@dataclass
class TokenBucket:
    """At most `limit`'s paced budget in any `window` seconds (module doc), on `clock`."""

    limit: int
    clock: Callable[[], float]
    window: float = 60.0

    def __post_init__(self) -> None:
        if self.limit < 2:
            raise ValueError(f"limit: at least 2 requests per window to pace ({self.limit})")
        budget = max(2, math.floor(self.limit * PACED_SHARE))
        self.burst = max(1, budget // 10)
        self.rate = (budget - self.burst) / self.window
        self._credit = float(self.burst)
        self._at = self.clock()

    @property
    def budget(self) -> int:
        return self.burst + round(self.rate * self.window)

    def _refill(self) -> None:
        now = self.clock()
        self._credit = min(float(self.burst), self._credit + (now - self._at) * self.rate)
        self._at = now

    def wait(self) -> float:
        """Seconds until one request may be sent (0 when it may be sent now)."""
        self._refill()
        return 0.0 if self._credit >= 1.0 else (1.0 - self._credit) / self.rate

    def credit(self) -> float:
        self._refill()
        return self._credit

    def take(self) -> None:
        self._refill()
        self._credit -= 1.0


@dataclass
class _Held:
    value: str
    expires_at: float
    bucket: TokenBucket | None

    def wait(self) -> float:
        """Seconds until this token may send (0 when unpaced)."""
        return 0.0 if self.bucket is None else self.bucket.wait()


class TokenPool:
    """Tokens fetched with `fetch` (returns the token and its lifetime in seconds, margin applied)."""

    def __init__(
        self,
        *,
        size: int = 1,
        requests_per_minute: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        window: float = 60.0,
    ) -> None:
        if size < 1:
            raise ValueError(f"size: at least one token ({size})")
        if requests_per_minute is not None and requests_per_minute < 2:
            raise ValueError(f"requests_per_minute: at least 2, or None for no pacing ({requests_per_minute})")
        self.size = size
        self.requests_per_minute = requests_per_minute
        self._clock = clock
        self._sleep = sleep
        self._window = window
        self._held: list[_Held] = []
        self._no_growth_until = -math.inf
        self._lock = threading.Lock()

    @property
    def tokens_held(self) -> int:
        return len(self._held)

    def clear(self) -> None:
        """Forget every token (a 401: revoked or expired early)."""
        with self._lock:
            self._held.clear()

    def acquire(self, fetch: Callable[[], tuple[str, float]], max_wait: Callable[[], float]) -> str:
        """A token to send one request with, its budget taken. Waits (with `sleep`) at most `max_wait()`
        seconds for a paced token; raises GenesysPacingError when the wait would be longer."""
        with self._lock:
            now = self._clock()
            self._held = [held for held in self._held if held.expires_at > now]
            best = min(self._held, key=self._order, default=None)
            wait = 0.0 if best is None else best.wait()
            if best is None:
                best = self._grow(fetch)
                wait = 0.0
            elif wait > 0 and len(self._held) < self.size and now >= self._no_growth_until:
                try:
                    best = self._grow(fetch)
                    wait = 0.0
                except GenesysApiError as refused:
                    if refused.status != 429:
                        raise
                    # Growing is optional: a grant refused (the client's token-creation limit, e.g. every
                    # new container at a shift end fetching at once) leaves the held token's short wait,
                    # and no other grant is tried for a minute.
                    self._no_growth_until = self._clock() + self._window
                    wait = best.wait()  # the refused grant took time
            if wait > 0 and wait > max_wait():  # a request that need not wait is never refused here
                raise GenesysPacingError(
                    f"every token of this container's pool ({len(self._held)} of {self.size}) is at its pacing"
                    f" limit ({self.requests_per_minute}/min) for {wait:.1f} s, longer than the time left",
                    status=429,
                    operation="token_pool",
                )
            if wait > 0:
                self._sleep(wait)
            if best.bucket is not None:
                best.bucket.take()
            return best.value

    def _grow(self, fetch: Callable[[], tuple[str, float]]) -> _Held:
        value, lifetime = fetch()
        held = _Held(value, self._clock() + lifetime, self._bucket())
        self._held.append(held)
        return held

    def _bucket(self) -> TokenBucket | None:
        if self.requests_per_minute is None:
            return None
        return TokenBucket(self.requests_per_minute, self._clock, self._window)

    @staticmethod
    def _order(held: _Held) -> tuple[float, float]:
        if held.bucket is None:
            return (0.0, 0.0)
        return (held.bucket.wait(), -held.bucket.credit())
