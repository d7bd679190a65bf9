"""The token pool and its pacing (genesys/token_pool.py), on an injected clock: the per-token bound
in every window, least-used order, pool growth only under load, the wait bound, expiry and 401s."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genesys_simulator import ManualClock
from wrapguard.genesys.token_pool import GenesysPacingError, TokenBucket, TokenPool

WINDOW = 60.0


def _max_in_any_window(times: list[float], window: float = WINDOW) -> int:
    """The most sends within any half-open span of `window` seconds (the simulator's sliding window)."""
    best, start = 0, 0
    for end, moment in enumerate(times):
        while times[start] <= moment - window:
            start += 1
        best = max(best, end - start + 1)
    return best


class _Fetcher:
    def __init__(self, lifetime: float = 3600.0) -> None:
        self.lifetime = lifetime
        self.count = itertools.count(1)
        self.fetched: list[str] = []

    def __call__(self) -> tuple[str, float]:
        token = f"tok-{next(self.count)}"
        self.fetched.append(token)
        return token, self.lifetime


def _pool(clock: ManualClock, size: int, limit: int | None, slept: list[float] | None = None) -> TokenPool:
    def sleep(seconds: float) -> None:
        if slept is not None:
            slept.append(seconds)
        clock.advance(seconds)

    return TokenPool(size=size, requests_per_minute=limit, clock=clock, sleep=sleep)


@pytest.mark.parametrize("limit", [2, 5, 60, 300, 1000])
def test_a_greedy_sender_never_exceeds_the_limit_in_any_window_and_keeps_its_rate(limit: int) -> None:
    clock = ManualClock(start=0.0)
    bucket = TokenBucket(limit, clock)
    sent: list[float] = []
    while clock() < 10 * WINDOW:
        clock.advance(bucket.wait())
        bucket.take()
        sent.append(clock())

    assert _max_in_any_window(sent) <= bucket.budget <= limit
    assert bucket.budget >= int(limit * 0.95) - 1
    # Sustained: the budget every window (within one request per window of rounding).
    assert len(sent) >= 10 * (bucket.budget - bucket.burst) + bucket.burst - 10


@settings(max_examples=60, deadline=None)
@given(
    limit=st.integers(min_value=2, max_value=400),
    gaps=st.lists(st.floats(min_value=0.0, max_value=5.0, allow_nan=False), min_size=1, max_size=600),
)
def test_any_arrival_pattern_stays_within_the_limit(limit: int, gaps: list[float]) -> None:
    clock = ManualClock(start=0.0)
    bucket = TokenBucket(limit, clock)
    sent: list[float] = []
    for gap in gaps:
        clock.advance(gap)
        clock.advance(bucket.wait())  # the request waits its turn
        bucket.take()
        sent.append(clock())
    assert _max_in_any_window(sent) <= limit


def test_the_pool_grows_only_when_its_tokens_would_make_a_request_wait() -> None:
    clock = ManualClock(start=0.0)
    fetch = _Fetcher()
    slept: list[float] = []
    pool = _pool(clock, size=3, limit=300, slept=slept)
    used: Counter[str] = Counter()
    sent: dict[str, list[float]] = {}
    for _ in range(3000):  # as fast as the pool allows
        token = pool.acquire(fetch, max_wait=lambda: 20.0)
        used[token] += 1
        sent.setdefault(token, []).append(clock())

    assert fetch.fetched == ["tok-1", "tok-2", "tok-3"]
    assert pool.tokens_held == 3
    for times in sent.values():
        assert _max_in_any_window(times) <= 300
    # Least used first: the load is spread evenly over the three tokens.
    assert max(used.values()) - min(used.values()) <= 2
    assert slept and max(slept) < 1.0  # short waits, never a minute-long stall


def test_a_quiet_container_keeps_one_token() -> None:
    clock = ManualClock(start=0.0)
    fetch = _Fetcher()
    pool = _pool(clock, size=3, limit=300)
    for _ in range(600):  # one request a second: well under the paced rate
        pool.acquire(fetch, max_wait=lambda: 20.0)
        clock.advance(1.0)
    assert fetch.fetched == ["tok-1"]


def test_waiting_longer_than_the_caller_allows_raises_a_transient_429_without_sleeping() -> None:
    clock = ManualClock(start=0.0)
    slept: list[float] = []
    pool = _pool(clock, size=1, limit=300, slept=slept)
    fetch = _Fetcher()
    for _ in range(pool_burst(300)):
        pool.acquire(fetch, max_wait=lambda: 0.0)
    with pytest.raises(GenesysPacingError) as raised:
        pool.acquire(fetch, max_wait=lambda: 0.1)
    assert raised.value.status == 429
    assert raised.value.transient
    assert "tok-" not in str(raised.value)
    assert slept == []
    # With enough time it waits one refill interval instead.
    pool.acquire(fetch, max_wait=lambda: 5.0)
    assert slept == [pytest.approx(60.0 / (285 - 28))]


@pytest.mark.parametrize("limit", [None, 300])
def test_a_request_that_need_not_wait_is_never_refused_even_with_no_time_left(limit: int | None) -> None:
    clock = ManualClock(start=0.0)
    pool = _pool(clock, size=1, limit=limit)
    fetch = _Fetcher()
    assert pool.acquire(fetch, max_wait=lambda: -3.0) == "tok-1"  # the deadline checks belong to the client


def pool_burst(limit: int) -> int:
    return TokenBucket(limit, ManualClock()).burst


def test_expired_tokens_are_dropped_and_a_new_one_fetched() -> None:
    clock = ManualClock(start=0.0)
    fetch = _Fetcher(lifetime=100.0)
    pool = _pool(clock, size=2, limit=None)
    assert pool.acquire(fetch, max_wait=lambda: 1.0) == "tok-1"
    clock.advance(100.0)
    assert pool.acquire(fetch, max_wait=lambda: 1.0) == "tok-2"
    assert pool.tokens_held == 1


def test_clear_forgets_every_token() -> None:
    clock = ManualClock(start=0.0)
    fetch = _Fetcher()
    pool = _pool(clock, size=3, limit=300)
    for _ in range(100):
        pool.acquire(fetch, max_wait=lambda: 20.0)
    pool.clear()
    assert pool.tokens_held == 0
    assert pool.acquire(fetch, max_wait=lambda: 20.0) not in fetch.fetched[:-1]


def test_without_pacing_one_token_carries_everything_and_nothing_waits() -> None:
    clock = ManualClock(start=0.0)
    slept: list[float] = []
    fetch = _Fetcher()
    pool = _pool(clock, size=3, limit=None, slept=slept)
    assert {pool.acquire(fetch, max_wait=lambda: 0.0) for _ in range(1000)} == {"tok-1"}
    assert slept == []


@pytest.mark.parametrize(
    ("kwargs", "field"), [({"size": 0}, "size"), ({"requests_per_minute": 1}, "requests_per_minute")]
)
def test_bad_pool_parameters_name_the_field(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        TokenPool(**kwargs)  # type: ignore[arg-type]
