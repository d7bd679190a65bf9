"""The simulator's rate limits, driven through `SimulatorState.handle` on a hand-moved clock:
requests per token per minute, token creations per client per minute, Retry-After, the counters."""

from __future__ import annotations

import base64
import json
import threading
from typing import Any

import pytest

from genesys_simulator import PLATFORM_DEFAULTS, ManualClock, RateLimits, ScaledClock, SimulatorState
from genesys_simulator.http import Response

CLIENT = "bench-client"
SECRET = "s3cr3t-rate-limit-9c1e"
OTHER_CLIENT = "other-client"


def _sim(limits: RateLimits) -> tuple[SimulatorState, ManualClock]:
    sim = SimulatorState()
    clock = ManualClock()
    sim.clock = clock
    sim.rate_limits = limits
    sim.add_client(CLIENT, SECRET)
    sim.add_client(OTHER_CLIENT, SECRET)
    return sim, clock


def _token_response(sim: SimulatorState, client: str = CLIENT) -> Response:
    basic = base64.b64encode(f"{client}:{SECRET}".encode()).decode()
    return sim.handle("POST", "/oauth/token", "", {"authorization": f"Basic {basic}"}, b"grant_type=client_credentials")


def _token(sim: SimulatorState, client: str = CLIENT) -> str:
    response = _token_response(sim, client)
    assert response.status == 200
    token: str = response.body["access_token"]
    return token


def _get(sim: SimulatorState, token: str) -> Response:
    return sim.handle("GET", "/api/v2/routing/wrapupcodes", "", {"authorization": f"Bearer {token}"}, b"")


def _spend(sim: SimulatorState, token: str, n: int) -> list[int]:
    return [_get(sim, token).status for _ in range(n)]


def _error_body(response: Response) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(response.content())
    return body


def test_request_over_the_limit_gets_429_with_retry_after_in_whole_seconds() -> None:
    sim, clock = _sim(RateLimits(requests_per_token=300))
    token = _token(sim)
    first_at = clock()
    assert _spend(sim, token, 1) == [200]
    clock.advance(10.5)
    assert set(_spend(sim, token, 299)) == {200}

    refused = _get(sim, token)

    assert refused.status == 429
    # The first request leaves the window 60 s after it was admitted: 49.5 s from now, rounded up.
    assert refused.headers["Retry-After"] == "50"
    assert clock() + 50 >= first_at + 60
    body = _error_body(refused)
    assert body["status"] == 429
    assert body["code"] == "too.many.requests.retry.after"
    assert set(body) >= {"message", "code", "status", "contextId", "details", "errors"}
    assert token not in refused.content().decode()


def test_sliding_window_admits_one_more_as_each_old_request_leaves() -> None:
    sim, clock = _sim(RateLimits(requests_per_token=3))
    token = _token(sim)
    for _ in range(3):
        assert _spend(sim, token, 1) == [200]
        clock.advance(20)
    # t=60: the first (t=0) has just left the window, the other two (t=20, t=40) are still in it.
    assert _spend(sim, token, 2) == [200, 429]
    assert _get(sim, token).headers["Retry-After"] == "20"
    clock.advance(19.5)
    assert _get(sim, token).status == 429  # not a fixed minute: the t=20 request is still inside
    clock.advance(0.5)
    assert _spend(sim, token, 2) == [200, 429]


def test_retry_after_is_at_least_one_second_and_honouring_it_succeeds() -> None:
    sim, clock = _sim(RateLimits(requests_per_token=2))
    token = _token(sim)
    _spend(sim, token, 1)
    clock.advance(59.9)
    _spend(sim, token, 1)
    refused = _get(sim, token)
    assert refused.headers["Retry-After"] == "1"
    clock.advance(int(refused.headers["Retry-After"]))
    assert _get(sim, token).status == 200


def test_refused_requests_do_not_use_budget() -> None:
    sim, clock = _sim(RateLimits(requests_per_token=5))
    token = _token(sim)
    assert _spend(sim, token, 50).count(200) == 5
    clock.advance(60)
    assert _spend(sim, token, 6) == [200] * 5 + [429]


def test_each_token_has_its_own_budget() -> None:
    sim, _ = _sim(RateLimits(requests_per_token=300))
    first, second = _token(sim), _token(sim)
    assert set(_spend(sim, first, 300)) == {200}
    assert _get(sim, first).status == 429
    assert set(_spend(sim, second, 300)) == {200}
    assert _get(sim, second).status == 429


def test_after_the_window_passes_requests_succeed() -> None:
    sim, clock = _sim(RateLimits(requests_per_token=300))
    token = _token(sim)
    _spend(sim, token, 300)
    retry_after = int(_get(sim, token).headers["Retry-After"])
    assert retry_after == 60
    clock.advance(retry_after)
    assert set(_spend(sim, token, 300)) == {200}
    assert _get(sim, token).status == 429


def test_unlimited_by_default_and_with_zero() -> None:
    for limits in (RateLimits(), RateLimits(requests_per_token=0, tokens_per_client=0)):
        sim, _ = _sim(limits)
        tokens = [_token(sim) for _ in range(400)]
        assert set(_spend(sim, tokens[0], 1000)) == {200}
    assert SimulatorState().rate_limits == RateLimits()


def test_token_creation_limit_is_per_client_with_retry_after() -> None:
    sim, clock = _sim(RateLimits(tokens_per_client=3))
    for _ in range(3):
        _token(sim)
        clock.advance(1)

    refused = _token_response(sim)

    assert refused.status == 429
    assert refused.headers["Retry-After"] == "57"
    assert _error_body(refused)["code"] == "too.many.requests.retry.after"
    assert "access_token" not in _error_body(refused)
    assert _token_response(sim, OTHER_CLIENT).status == 200
    clock.advance(57)
    assert _token_response(sim).status == 200


def test_token_creation_limit_counts_only_authenticated_clients() -> None:
    sim, _ = _sim(RateLimits(tokens_per_client=1))
    wrong = base64.b64encode(f"{CLIENT}:wrong".encode()).decode()
    for _ in range(3):
        response = sim.handle(
            "POST", "/oauth/token", "", {"authorization": f"Basic {wrong}"}, b"grant_type=client_credentials"
        )
        assert response.status == 401
    assert _token_response(sim).status == 200


def test_an_expired_token_is_refused_by_the_simulators_clock() -> None:
    sim, clock = _sim(RateLimits())
    token = _token(sim)
    clock.advance(sim.token_ttl)
    assert _get(sim, token).status == 401


def test_counters_per_token_per_client_and_totals() -> None:
    sim, clock = _sim(RateLimits(requests_per_token=4, tokens_per_client=2))
    first, second = _token(sim), _token(sim)
    _token_response(sim)  # refused: third token in the minute
    other = _token(sim, OTHER_CLIENT)
    _spend(sim, first, 6)
    _spend(sim, second, 3)

    stats = sim.rate_limit_stats()

    usage = {t.label: (t.client_id, t.requests, t.throttled) for t in stats.tokens}
    assert usage == {"token-1": (CLIENT, 6, 2), "token-2": (CLIENT, 3, 0), "token-3": (OTHER_CLIENT, 0, 0)}
    clients = {c.client_id: (c.tokens_issued, c.token_requests_throttled) for c in stats.clients}
    assert clients == {CLIENT: (2, 1), OTHER_CLIENT: (1, 0)}
    assert (stats.requests, stats.throttled, stats.tokens_issued, stats.token_requests_throttled) == (9, 2, 3, 1)
    assert stats.tokens_used == 2
    assert not any(token in repr(stats) for token in (first, second, other))

    sim.reset_counters()
    clock.advance(1)
    assert _get(sim, first).status == 429  # the window keeps running across a reset of the counts
    after = sim.rate_limit_stats()
    assert (after.requests, after.throttled, after.tokens_issued) == (1, 1, 0)
    assert sim.counters["org_wrapupcodes"] == 1


def test_threads_hammering_one_token_never_get_more_than_the_limit_through() -> None:
    sim, _ = _sim(RateLimits(requests_per_token=300))
    token = _token(sim)
    statuses: list[int] = []
    start = threading.Barrier(8)

    def hammer() -> None:
        start.wait()
        mine = _spend(sim, token, 100)
        statuses.extend(mine)  # list.extend is atomic under the GIL

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(statuses) == 800
    assert statuses.count(200) == 300
    assert statuses.count(429) == 500
    stats = sim.rate_limit_stats()
    assert (stats.requests, stats.throttled) == (800, 500)


def test_platform_defaults_are_300_per_minute() -> None:
    assert RateLimits(requests_per_token=300, tokens_per_client=300, window_seconds=60.0) == PLATFORM_DEFAULTS


@pytest.mark.parametrize(
    ("field", "value"),
    [("requests_per_token", -1), ("tokens_per_client", 2.5), ("requests_per_token", True), ("window_seconds", 0)],
)
def test_bad_limits_name_the_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        RateLimits(**{field: value})  # type: ignore[arg-type]


def test_scaled_clock_runs_factor_times_faster() -> None:
    source = ManualClock(start=0.0)
    clock = ScaledClock(30.0, source=source)
    began = clock()
    source.advance(2.0)
    assert clock() - began == pytest.approx(60.0)
    with pytest.raises(ValueError, match="factor"):
        ScaledClock(0)


def test_manual_clock_does_not_go_back() -> None:
    with pytest.raises(ValueError, match="seconds"):
        ManualClock().advance(-1)
