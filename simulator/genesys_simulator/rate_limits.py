"""Rate limits as the platform applies them (docs/genesys-api-notes.md s6): requests per OAuth token per
minute and token creations per OAuth client per minute, answered with 429 and `Retry-After`.

The numbers are settings (`RateLimits`); `PLATFORM_DEFAULTS` holds the community-reported 300/300.
The platform's algorithm is unpublished. The simulator uses a sliding one-minute window over admitted
requests: at most `limit` admitted in any `window_seconds` span. That is the strictest reading (a fixed
window lets 2 x limit through across a boundary), so a caller that stays inside it stays inside either.
Refused requests are not admitted and do not use budget. Retry-After is the whole seconds, rounded
up, until the oldest admitted request leaves the window, i.e. until one more request is admitted.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from dataclasses import dataclass

from .http import Response, _error
from .world import World

TOO_MANY_REQUESTS_CODE = "too.many.requests.retry.after"  # UNCONFIRMED code (docs s6)


@dataclass(frozen=True)
class RateLimits:
    """Per-minute limits; None or 0 means unlimited (the default, so tests and the demo are unthrottled)."""

    requests_per_token: int | None = None
    tokens_per_client: int | None = None
    window_seconds: float = 60.0

    def __post_init__(self) -> None:
        for name in ("requests_per_token", "tokens_per_client"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise ValueError(f"{name}: a whole number >= 0 or None ({value!r})")
        if not self.window_seconds > 0:
            raise ValueError(f"window_seconds: must be > 0 ({self.window_seconds!r})")


UNLIMITED = RateLimits()
PLATFORM_DEFAULTS = RateLimits(requests_per_token=300, tokens_per_client=300)


class SlidingWindow:
    """The times of admitted requests per key, kept for one window. Not thread-safe: the caller locks."""

    def __init__(self) -> None:
        self._admitted: defaultdict[str, deque[float]] = defaultdict(deque)

    def admit(self, key: str, limit: int | None, window: float, now: float) -> int | None:
        """Admit one request at `now` and return None, or return the Retry-After seconds (>= 1)."""
        if not limit:
            return None
        admitted = self._admitted[key]
        while admitted and admitted[0] <= now - window:
            admitted.popleft()
        if len(admitted) < limit:
            admitted.append(now)
            return None
        return max(1, math.ceil(admitted[0] + window - now))


def too_many_requests(retry_after: int, what: str) -> Response:
    return _error(
        429,
        f"{what}: rate limit exceeded; retry in {retry_after} seconds",
        TOO_MANY_REQUESTS_CODE,
        {"Retry-After": str(retry_after)},
    )


@dataclass(frozen=True)
class TokenUsage:
    """One token's requests (admitted and refused) and 429s. `label` stands for the token, never shown."""

    label: str
    client_id: str
    requests: int
    throttled: int


@dataclass(frozen=True)
class ClientUsage:
    client_id: str
    tokens_issued: int
    token_requests_throttled: int


@dataclass(frozen=True)
class RateLimitStats:
    """What the benchmark reads: per token and per client, and the totals."""

    tokens: tuple[TokenUsage, ...]
    clients: tuple[ClientUsage, ...]

    @property
    def requests(self) -> int:
        return sum(t.requests for t in self.tokens)

    @property
    def throttled(self) -> int:
        return sum(t.throttled for t in self.tokens)

    @property
    def tokens_issued(self) -> int:
        return sum(c.tokens_issued for c in self.clients)

    @property
    def token_requests_throttled(self) -> int:
        return sum(c.token_requests_throttled for c in self.clients)

    @property
    def tokens_used(self) -> int:
        """Tokens that made at least one request."""
        return sum(1 for t in self.tokens if t.requests)


@dataclass
class _TokenCount:
    label: str
    client_id: str
    requests: int = 0
    throttled: int = 0


@dataclass
class _ClientCount:
    tokens_issued: int = 0
    token_requests_throttled: int = 0


class RateLimiting(World):
    """Applies `rate_limits` (settable at any time) on `clock` and counts what the benchmark reads.
    Every method runs under `lock` (the request path holds it), so concurrent requests on one token
    are admitted one at a time and never exceed the limit."""

    def __init__(self, seed: int = 7) -> None:
        super().__init__(seed)
        self.rate_limits: RateLimits = UNLIMITED
        self._request_window = SlidingWindow()
        self._creation_window = SlidingWindow()
        self._token_counts: dict[str, _TokenCount] = {}
        self._client_counts: defaultdict[str, _ClientCount] = defaultdict(_ClientCount)

    def _throttle_token_creation(self, client_id: str) -> Response | None:
        limits = self.rate_limits
        retry_after = self._creation_window.admit(
            client_id, limits.tokens_per_client, limits.window_seconds, self.clock()
        )
        if retry_after is None:
            return None
        self._client_counts[client_id].token_requests_throttled += 1
        return too_many_requests(retry_after, "token creation")

    def _token_issued(self, token: str, client_id: str) -> None:
        self._token_counts[token] = _TokenCount(f"token-{len(self._token_counts) + 1}", client_id)
        self._client_counts[client_id].tokens_issued += 1

    def _throttle_request(self, token: str) -> Response | None:
        limits = self.rate_limits
        retry_after = self._request_window.admit(token, limits.requests_per_token, limits.window_seconds, self.clock())
        count = self._token_counts.get(token)
        if count is not None:  # a token made by hand in a test has no client: limited, not counted
            count.requests += 1
            count.throttled += retry_after is not None
        return None if retry_after is None else too_many_requests(retry_after, "requests per token")

    def rate_limit_stats(self) -> RateLimitStats:
        with self.lock:
            return RateLimitStats(
                tokens=tuple(
                    TokenUsage(c.label, c.client_id, c.requests, c.throttled) for c in self._token_counts.values()
                ),
                clients=tuple(
                    ClientUsage(client_id, c.tokens_issued, c.token_requests_throttled)
                    for client_id, c in self._client_counts.items()
                ),
            )

    def reset_counters(self) -> None:
        """Zero the counts (per endpoint and rate-limit usage); the windows keep running."""
        with self.lock:
            super().reset_counters()
            for token_count in self._token_counts.values():
                token_count.requests = token_count.throttled = 0
            for client_count in self._client_counts.values():
                client_count.tokens_issued = client_count.token_requests_throttled = 0
