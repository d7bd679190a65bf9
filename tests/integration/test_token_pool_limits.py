"""wrapguard's GenesysClient with its token pool against the simulator's rate limits (PLATFORM_DEFAULTS),
over HTTP, on one hand-moved clock shared by the client's pacing and the simulator's windows:
a burst uses K tokens, never gets a 429, keeps every token within its limit, and the settings that
build the pool are validated."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from genesys_simulator import PLATFORM_DEFAULTS, ManualClock, running_simulator
from genesys_simulator.server import SimulatorServer
from tests.support.world import CLIENT_ID, CLIENT_SECRET, World
from wrapguard.domain.deadline import Deadline
from wrapguard.genesys.client import GenesysClient, RetryPolicy
from wrapguard.genesys.credentials import ClientCredentials
from wrapguard.genesys.token_pool import TokenPool
from wrapguard.settings import GenesysSettings, SettingsError, load_settings


@pytest.fixture
def clock(world: World) -> ManualClock:
    clock = ManualClock()
    world.sim.clock = clock
    world.sim.rate_limits = PLATFORM_DEFAULTS
    return clock


@pytest.fixture
def server(world: World, clock: ManualClock) -> Iterator[SimulatorServer]:
    with running_simulator(world.sim) as server:
        yield server


def _client(server: SimulatorServer, clock: ManualClock, pool: TokenPool) -> GenesysClient:
    return GenesysClient(
        api_url=server.url,
        login_url=server.url,
        credentials=ClientCredentials(client_id=CLIENT_ID, client_secret=SecretStr(CLIENT_SECRET)),
        retry=RetryPolicy(max_attempts=4, sleep=clock.advance),
        clock=clock,
        tokens=pool,
    )


def test_a_burst_spreads_over_k_tokens_and_never_meets_the_limit(
    world: World, server: SimulatorServer, clock: ManualClock
) -> None:
    pool = TokenPool(size=3, requests_per_minute=300, clock=clock, sleep=clock.advance)
    client = _client(server, clock, pool)
    cid, _ = world.call_in_acw()
    started = clock()

    for _ in range(1800):  # two minutes' worth for three tokens, sent as fast as the pool allows
        client.get_conversation(cid, deadline=Deadline.unbounded())

    stats = world.sim.rate_limit_stats()
    assert stats.throttled == 0
    assert stats.tokens_issued == 3
    assert stats.tokens_used == 3
    assert [t.requests for t in stats.tokens] == [600, 600, 600]
    # Paced at 95 % of the limit: 1,800 requests on three tokens need a little over two minutes.
    assert 115 <= clock() - started <= 140


def test_without_pacing_one_token_collects_429s(world: World, server: SimulatorServer, clock: ManualClock) -> None:
    pool = TokenPool(size=3, requests_per_minute=None, clock=clock, sleep=clock.advance)
    client = _client(server, clock, pool)
    cid, _ = world.call_in_acw()

    for _ in range(400):
        client.get_conversation(cid, deadline=Deadline.unbounded())

    stats = world.sim.rate_limit_stats()
    assert stats.tokens_used == 1
    assert stats.throttled >= 1  # the 301st request in the minute was refused and waited out


def test_pool_settings_are_validated_and_name_the_variable() -> None:
    base = {"GENESYS_CLIENT_ID": "c", "GENESYS_CLIENT_SECRET": "s"}
    settings = load_settings(GenesysSettings, base)
    assert (settings.genesys_tokens_per_container, settings.genesys_requests_per_token_per_minute) == (1, 0)
    for name, value in (
        ("GENESYS_TOKENS_PER_CONTAINER", "0"),
        ("GENESYS_TOKENS_PER_CONTAINER", "11"),
        ("GENESYS_REQUESTS_PER_TOKEN_PER_MINUTE", "1"),
        ("GENESYS_REQUESTS_PER_TOKEN_PER_MINUTE", "-5"),
    ):
        with pytest.raises(SettingsError, match=name):
            load_settings(GenesysSettings, {**base, name: value})
