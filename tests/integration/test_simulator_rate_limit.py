"""The simulator's rate limits over real HTTP (httpx against the running simulator), on a hand-moved
clock: the 301st request in a minute is refused with Retry-After, tokens have their own budgets,
token creation is limited per client, threads cannot get more than the limit through, the counters
match, and wrapguard's GenesysClient waits the Retry-After it is given within its time budget."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from genesys_simulator import ManualClock, RateLimits, running_simulator
from genesys_simulator.server import SimulatorServer
from tests.support.world import CLIENT_ID, CLIENT_SECRET, World
from wrapguard.domain.deadline import Deadline
from wrapguard.genesys.client import GenesysClient, RetryPolicy
from wrapguard.genesys.credentials import ClientCredentials
from wrapguard.genesys.errors import GenesysApiError

CODES = "/api/v2/routing/wrapupcodes"


@pytest.fixture
def clock(world: World) -> ManualClock:
    clock = ManualClock()
    world.sim.clock = clock
    world.sim.rate_limits = RateLimits(requests_per_token=300, tokens_per_client=5)
    return clock


@pytest.fixture
def server(world: World, clock: ManualClock) -> Iterator[SimulatorServer]:
    with running_simulator(world.sim) as server:
        yield server


@pytest.fixture
def http(server: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def _token_answer(http: httpx.Client) -> httpx.Response:
    return http.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET))


def _token(http: httpx.Client) -> dict[str, str]:
    answer = _token_answer(http)
    assert answer.status_code == 200
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _statuses(http: httpx.Client, auth: dict[str, str], n: int) -> list[int]:
    return [http.get(CODES, headers=auth).status_code for _ in range(n)]


def test_the_301st_request_in_a_minute_is_refused_until_the_window_passes(
    http: httpx.Client, clock: ManualClock
) -> None:
    auth = _token(http)
    assert set(_statuses(http, auth, 150)) == {200}
    clock.advance(30)
    assert set(_statuses(http, auth, 150)) == {200}

    refused = http.get(CODES, headers=auth)

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "30"
    assert refused.json()["code"] == "too.many.requests.retry.after"
    assert refused.json()["status"] == 429
    assert refused.headers["ININ-Correlation-ID"] == refused.json()["contextId"]
    clock.advance(29)
    assert http.get(CODES, headers=auth).status_code == 429
    clock.advance(1)  # the first 150 leave the window: 150 more get through, not 300
    assert set(_statuses(http, auth, 150)) == {200}
    assert http.get(CODES, headers=auth).status_code == 429


def test_a_second_token_has_its_own_budget(http: httpx.Client) -> None:
    first, second = _token(http), _token(http)
    assert set(_statuses(http, first, 300)) == {200}
    assert http.get(CODES, headers=first).status_code == 429
    assert set(_statuses(http, second, 300)) == {200}


def test_token_creation_is_limited_per_client(http: httpx.Client, clock: ManualClock) -> None:
    for _ in range(5):
        _token(http)
    refused = _token_answer(http)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert "access_token" not in refused.text
    clock.advance(60)
    assert _token_answer(http).status_code == 200


def test_threads_on_one_token_over_http_never_exceed_the_limit(world: World, server: SimulatorServer) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as setup:
        auth = _token(setup)
    statuses: list[int] = []
    start = threading.Barrier(6)

    def hammer() -> None:
        with httpx.Client(base_url=server.url, timeout=10) as mine:
            start.wait()
            statuses.extend(_statuses(mine, auth, 60))

    threads = [threading.Thread(target=hammer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert (statuses.count(200), statuses.count(429), len(statuses)) == (300, 60, 360)
    stats = world.sim.rate_limit_stats()
    assert (stats.requests, stats.throttled, stats.tokens_issued, stats.tokens_used) == (360, 60, 1, 1)


def test_genesys_client_waits_the_retry_after_it_is_given(world: World, server: SimulatorServer) -> None:
    """Read-only check of wrapguard's client against the limit: it sleeps exactly Retry-After (here
    the sleep moves the simulator's clock) and its next attempt gets through."""
    world.sim.rate_limits = RateLimits(requests_per_token=2)
    clock = world.sim.clock
    assert isinstance(clock, ManualClock)

    def sleep(seconds: float) -> None:
        world.sleeps.append(seconds)
        clock.advance(seconds)

    client = GenesysClient(
        api_url=server.url,
        login_url=server.url,
        credentials=ClientCredentials(client_id=CLIENT_ID, client_secret=SecretStr(CLIENT_SECRET)),
        retry=RetryPolicy(sleep=sleep),
    )
    client.queue_wrapup_codes(world.support_queue, deadline=Deadline.unbounded())
    clock.advance(15)
    client.queue_wrapup_codes(world.support_queue, deadline=Deadline.unbounded())

    # third in the minute: 429, waits 45 s, succeeds
    client.queue_wrapup_codes(world.support_queue, deadline=Deadline.unbounded())

    assert world.sleeps == [45.0]
    stats = world.sim.rate_limit_stats()
    assert (stats.requests, stats.throttled) == (4, 1)


def test_genesys_client_gives_up_when_retry_after_exceeds_its_time_budget(
    world: World, server: SimulatorServer
) -> None:
    world.sim.rate_limits = RateLimits(requests_per_token=1)
    client = world.client(base_url=server.url)
    deadline = Deadline.after(20.0, reserve=0.0)
    client.queue_wrapup_codes(world.support_queue, deadline=deadline)

    with pytest.raises(GenesysApiError) as refused:
        client.queue_wrapup_codes(world.support_queue, deadline=deadline)

    assert refused.value.status == 429
    assert world.sleeps == []  # Retry-After 60 s does not fit in 20 s: no sleep, the caller records it
