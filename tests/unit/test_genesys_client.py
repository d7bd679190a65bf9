from __future__ import annotations

import pytest

from genesys_simulator import Fault
from tests.support.world import CLIENT_SECRET, World
from wrapguard.genesys.client import GenesysClient
from wrapguard.genesys.errors import GenesysApiError, GenesysAuthError, GenesysTimeoutError


def test_token_is_cached_across_calls(world: World) -> None:
    client = world.client()
    cid, _ = world.call_in_acw()
    for _ in range(3):
        client.get_conversation(cid)
    assert world.sim.counters["oauth_token"] == 1
    assert world.sim.counters["get_conversation"] == 3


def test_token_fetched_again_before_expiry() -> None:
    world = World()
    world.sim.token_ttl = 120  # expires_in 120 s -> renewed 60 s early
    now = [0.0]
    client = world.client()
    client._clock = lambda: now[0]
    cid, _ = world.call_in_acw()
    client.get_conversation(cid)
    now[0] = 59.0
    client.get_conversation(cid)
    assert world.sim.counters["oauth_token"] == 1
    now[0] = 61.0
    client.get_conversation(cid)
    assert world.sim.counters["oauth_token"] == 2


def test_revoked_token_is_replaced_once_on_401(world: World) -> None:
    client = world.client()
    cid, _ = world.call_in_acw()
    client.get_conversation(cid)
    world.sim.revoke_tokens()
    client.get_conversation(cid)
    assert world.sim.counters["oauth_token"] == 2
    assert world.sim.counters["get_conversation"] == 3


def test_wrong_secret_is_a_typed_auth_error_without_the_secret(world: World) -> None:
    client = world.client(secret="wrong-" + CLIENT_SECRET)
    cid, _ = world.call_in_acw()
    with pytest.raises(GenesysAuthError) as raised:
        client.get_conversation(cid)
    assert raised.value.status == 401
    assert CLIENT_SECRET not in str(raised.value)
    assert world.sim.counters["oauth_token"] == 1  # no retry loop on a refused grant


def test_429_honours_retry_after_then_succeeds(world: World) -> None:
    client = world.client()
    cid, _ = world.call_in_acw()
    world.sim.inject(Fault(endpoint="get_conversation", status=429, retry_after=2, times=2))
    assert client.get_conversation(cid).id == cid
    assert world.sleeps == [2.0, 2.0]
    assert world.sim.counters["get_conversation"] == 3


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_with_bounded_backoff(world: World, status: int) -> None:
    client = world.client(max_attempts=3)
    cid, _ = world.call_in_acw()
    world.sim.inject(Fault(endpoint="get_conversation", status=status, times=-1))
    with pytest.raises(GenesysApiError) as raised:
        client.get_conversation(cid)
    assert raised.value.status == status
    assert raised.value.transient
    assert world.sim.counters["get_conversation"] == 3
    assert len(world.sleeps) == 2
    assert all(0 <= s <= 0.04 for s in world.sleeps)  # full jitter under base * 2^(n-1)


def test_retry_after_longer_than_remaining_time_gives_up_at_once(world: World) -> None:
    client = world.client()
    client.set_time_budget(lambda: 10.0)
    cid, _ = world.call_in_acw()
    world.sim.inject(Fault(endpoint="get_conversation", status=429, retry_after=30, times=-1))
    with pytest.raises(GenesysApiError) as raised:
        client.get_conversation(cid)
    assert raised.value.status == 429
    assert world.sleeps == []
    assert world.sim.counters["get_conversation"] == 1


def test_client_errors_are_not_retried_and_carry_the_error_body(world: World) -> None:
    client = world.client()
    with pytest.raises(GenesysApiError) as raised:
        client.get_conversation("6f1f0c1e-8f4e-4a59-a7b5-0e1c6b3a2d10")
    error = raised.value
    assert error.status == 404
    assert error.body.code == "not.found"
    assert error.body.context_id
    assert error.correlation_id == error.body.context_id
    assert world.sim.counters["get_conversation"] == 1


def test_slow_answers_become_timeouts_after_retries(world: World) -> None:
    client = world.client(timeout=0.5, max_attempts=2)
    cid, _ = world.call_in_acw()
    world.sim.inject(Fault(endpoint="get_conversation", status=None, delay=1.0, times=-1))
    with pytest.raises(GenesysTimeoutError):
        client.get_conversation(cid)
    assert world.sim.counters["get_conversation"] == 2


def test_slow_answer_once_then_fine(world: World) -> None:
    client = world.client(timeout=0.5)
    cid, _ = world.call_in_acw()
    world.sim.inject(Fault(endpoint="get_conversation", status=None, delay=1.0, times=1))
    assert client.get_conversation(cid).id == cid


def test_apply_sends_only_the_wrapup(world: World) -> None:
    client = world.client()
    cid, pid = world.call_in_acw()
    from wrapguard.genesys.models import WrapupInput

    client.apply_wrapup(cid, pid, WrapupInput(code=world.resolved, notes="n"))
    assert world.sim.applied_code(cid, pid) == world.resolved
    # still in the window: applying does not disconnect or terminate anything
    assert world.sim.conversations[cid].participant(pid).comm_state == "disconnected"  # type: ignore[union-attr]


def test_queue_codes_page_through(world: World) -> None:
    codes = [world.sim.add_code(f"Code {i:03d}") for i in range(230)]
    queue = world.sim.add_queue(codes)
    client = world.client()
    assert [c.id for c in client.queue_wrapup_codes(queue)] == codes
    assert world.sim.counters["queue_wrapupcodes"] == 3


def test_connection_reuse_one_http_client(world: World) -> None:
    client = world.client()
    assert isinstance(client, GenesysClient)
    first = client._http
    cid, _ = world.call_in_acw()
    client.get_conversation(cid)
    client.get_conversation(cid)
    assert client._http is first
