"""Review of issue 19 (rate limits, token pool, cap, cost): findings as tests that fail before the fix
(xfail strict where the fix is not small)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from bench.cost import deployed_alarms
from genesys_simulator import ManualClock
from wrapguard.genesys.errors import GenesysApiError
from wrapguard.genesys.token_pool import TokenBucket, TokenPool

ROOT = Path(__file__).resolve().parents[2]


class _CreationThrottled:
    """The token endpoint: the first grant succeeds, every later one is refused with a 429 (the OAuth
    client's token-creation limit, e.g. a shift end's scale-out fetching tokens in every new container)."""

    def __init__(self) -> None:
        self.calls = itertools.count(1)

    def __call__(self) -> tuple[str, float]:
        n = next(self.calls)
        if n > 1:
            raise GenesysApiError("token: 429 (token creations per client)", status=429, operation="token")
        return "tok-1", 3600.0


def test_a_refused_extra_token_falls_back_to_the_held_tokens_short_wait() -> None:
    clock = ManualClock(start=0.0)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)

    pool = TokenPool(size=3, requests_per_minute=300, clock=clock, sleep=sleep)
    fetch = _CreationThrottled()
    burst = TokenBucket(300, ManualClock()).burst
    for _ in range(burst):  # the held token's burst, no wait
        assert pool.acquire(fetch, max_wait=lambda: 20.0) == "tok-1"
    # The next request would wait 0.23 s on tok-1; the pool tries to grow instead, and the grant is refused.
    assert pool.acquire(fetch, max_wait=lambda: 20.0) == "tok-1"
    assert slept and max(slept) < 1.0
    # No other grant for a minute: the next requests pace on the held token without asking again.
    for _ in range(20):
        assert pool.acquire(fetch, max_wait=lambda: 20.0) == "tok-1"
    assert next(fetch.calls) == 3  # the first grant and the one refused


def test_the_documented_monthly_alarm_count_is_the_templates() -> None:
    """docs/benchmarks.md (and the README) price the alarms the template deploys; PolicyReadFailedAlarm
    (merged from the review branch) made it 13, the generated section said 12."""
    document = (ROOT / "docs" / "benchmarks.md").read_text()
    row = re.search(r"\| CloudWatch alarms \(template\.yaml, event path on\) \| (\d+) \| \$([\d.]+) \|", document)
    assert row is not None
    assert int(row.group(1)) == deployed_alarms()
    assert float(row.group(2)) == pytest.approx(deployed_alarms() * 0.10)
    readme = (ROOT / "README.md").read_text()
    assert f"{deployed_alarms()} alarms; the dashboard" in readme
