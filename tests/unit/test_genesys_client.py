from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

import httpx
import pytest
from pydantic import SecretStr

from genesys_simulator import Fault
from genesys_simulator.server import mock_transport
from genesys_simulator.state import ROUTES
from tests.support.world import CLIENT_ID, CLIENT_SECRET, World
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.failures import FailureReason
from wrapguard.genesys.analytics import AnalyticsApi
from wrapguard.genesys.client import GenesysClient, RetryPolicy
from wrapguard.genesys.credentials import ClientCredentials
from wrapguard.genesys.errors import (
    GenesysApiError,
    GenesysAuthError,
    GenesysBadResponseError,
    GenesysError,
    GenesysTimeoutError,
    GenesysUnauthorizedError,
    GenesysUncertainApplyError,
)
from wrapguard.genesys.gateway import upstream_failure
from wrapguard.genesys.models import ErrorBody, WrapupInput


def test_token_is_cached_across_calls(world: World) -> None:
    client = world.client()
    cid, _ = world.call_in_acw()
    for _ in range(3):
        client.get_conversation(cid, deadline=Deadline.unbounded())
    assert world.sim.counters["oauth_token"] == 1
    assert world.sim.counters["get_conversation"] == 3


def test_token_fetched_again_before_expiry() -> None:
    world = World()
    world.sim.token_ttl = 120  # expires_in 120 s -> renewed 60 s early
    now = [0.0]
    client = world.client()
    client._clock = lambda: now[0]
    cid, _ = world.call_in_acw()
    client.get_conversation(cid, deadline=Deadline.unbounded())
    now[0] = 59.0
    client.get_conversation(cid, deadline=Deadline.unbounded())
    assert world.sim.counters["oauth_token"] == 1
    now[0] = 61.0
    client.get_conversation(cid, deadline=Deadline.unbounded())
    assert world.sim.counters["oauth_token"] == 2


def test_revoked_token_is_replaced_once_on_401(world: World) -> None:
    client = world.client()
    cid, _ = world.call_in_acw()
    client.get_conversation(cid, deadline=Deadline.unbounded())
    world.sim.revoke_tokens()
    client.get_conversation(cid, deadline=Deadline.unbounded())
    assert world.sim.counters["oauth_token"] == 2
    assert world.sim.counters["get_conversation"] == 3


def test_wrong_secret_is_a_typed_auth_error_without_the_secret(world: World) -> None:
    client = world.client(secret="wrong-" + CLIENT_SECRET)
    cid, _ = world.call_in_acw()
    with pytest.raises(GenesysAuthError) as raised:
        client.get_conversation(cid, deadline=Deadline.unbounded())
    assert raised.value.status == 401
    assert CLIENT_SECRET not in str(raised.value)
    assert world.sim.counters["oauth_token"] == 1  # no retry loop on a refused grant


def test_429_honours_retry_after_then_succeeds(world: World) -> None:
    client = world.client()
    cid, _ = world.call_in_acw()
    world.sim.inject(Fault(endpoint="get_conversation", status=429, retry_after=2, times=2))
    assert client.get_conversation(cid, deadline=Deadline.unbounded()).id == cid
    assert world.sleeps == [2.0, 2.0]
    assert world.sim.counters["get_conversation"] == 3


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_with_bounded_backoff(world: World, status: int) -> None:
    client = world.client(max_attempts=3)
    cid, _ = world.call_in_acw()
    world.sim.inject(Fault(endpoint="get_conversation", status=status, times=-1))
    with pytest.raises(GenesysApiError) as raised:
        client.get_conversation(cid, deadline=Deadline.unbounded())
    assert raised.value.status == status
    assert raised.value.transient
    assert world.sim.counters["get_conversation"] == 3
    assert len(world.sleeps) == 2
    assert all(0 <= s <= 0.04 for s in world.sleeps)  # full jitter under base * 2^(n-1)


def test_retry_after_longer_than_remaining_time_gives_up_at_once(world: World) -> None:
    client = world.client()
    cid, _ = world.call_in_acw()
    world.sim.inject(Fault(endpoint="get_conversation", status=429, retry_after=30, times=-1))
    with pytest.raises(GenesysApiError) as raised:
        client.get_conversation(cid, deadline=Deadline.after(10.0))
    assert raised.value.status == 429
    assert world.sleeps == []
    assert world.sim.counters["get_conversation"] == 1


def test_client_errors_are_not_retried_and_carry_the_error_body(world: World) -> None:
    client = world.client()
    with pytest.raises(GenesysApiError) as raised:
        client.get_conversation("6f1f0c1e-8f4e-4a59-a7b5-0e1c6b3a2d10", deadline=Deadline.unbounded())
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
        client.get_conversation(cid, deadline=Deadline.unbounded())
    assert world.sim.counters["get_conversation"] == 2


def test_slow_answer_once_then_fine(world: World) -> None:
    client = world.client(timeout=0.5)
    cid, _ = world.call_in_acw()
    world.sim.inject(Fault(endpoint="get_conversation", status=None, delay=1.0, times=1))
    assert client.get_conversation(cid, deadline=Deadline.unbounded()).id == cid


def test_apply_sends_only_the_wrapup(world: World) -> None:
    client = world.client()
    cid, pid = world.call_in_acw()
    from wrapguard.genesys.models import WrapupInput

    client.apply_wrapup(cid, pid, WrapupInput(code=world.resolved, notes="n"), deadline=Deadline.unbounded())
    assert world.sim.applied_code(cid, pid) == world.resolved
    # still in the window: applying does not disconnect or terminate anything
    assert world.sim.conversations[cid].participant(pid).comm_state == "disconnected"  # type: ignore[union-attr]


def test_queue_codes_page_through(world: World) -> None:
    codes = [world.sim.add_code(f"Code {i:03d}") for i in range(230)]
    queue = world.sim.add_queue(codes)
    client = world.client()
    assert [c.id for c in client.queue_wrapup_codes(queue, deadline=Deadline.unbounded())] == codes
    assert world.sim.counters["queue_wrapupcodes"] == 3


def test_connection_reuse_one_http_client(world: World) -> None:
    client = world.client()
    assert isinstance(client, GenesysClient)
    first = client._http
    cid, _ = world.call_in_acw()
    client.get_conversation(cid, deadline=Deadline.unbounded())
    client.get_conversation(cid, deadline=Deadline.unbounded())
    assert client._http is first


# --- every answer classified (issue 10, items 2, 3, 5) ---------------------------------------------

LEAK = "tok-LEAK-9d1e"  # stands for a token or other secret a garbled body may carry
BAD_BODIES = {
    "html": ("text/html", f"<html><body>502 proxy page. Authorization: Bearer {LEAK}</body></html>"),
    "truncated": ("application/json", f'{{"access_token": "{LEAK}", "id": "{LEAK}", "entities": [{{"id": "'),
    # JSON, but every field the models read has the wrong type (a lenient model would see an empty page)
    "wrong_shape": (
        "application/json",
        f'{{"access_token": 7, "participants": "{LEAK}", "entities": "{LEAK}", "conversations": "{LEAK}"}}',
    ),
}


def garbling(world: World, endpoint: str, content_type: str, body: str, *, status: int = 200) -> httpx.MockTransport:
    """The simulator, except that `endpoint` answers `status` with `body` (the simulator still counts it)."""
    inner = mock_transport(world.sim)

    def handler(request: httpx.Request) -> httpx.Response:
        answer = inner.handle_request(request)
        name = next(n for verb, pattern, n in ROUTES if verb == request.method and pattern.match(request.url.path))
        if name != endpoint:
            return answer
        return httpx.Response(status, content=body.encode(), headers={"Content-Type": content_type})

    return httpx.MockTransport(handler)


def client_over(world: World, transport: httpx.BaseTransport, max_attempts: int = 4) -> GenesysClient:
    return GenesysClient(
        api_url="http://genesys.test",
        login_url="http://genesys.test",
        credentials=ClientCredentials(client_id=CLIENT_ID, client_secret=SecretStr(CLIENT_SECRET)),
        retry=RetryPolicy(max_attempts=max_attempts, base_delay=0.01, sleep=world.sleeps.append),
        http=httpx.Client(transport=transport),
    )


def assert_quotes_nothing(error: BaseException, caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    texts = [str(error), repr(error), "".join(traceback.format_exception(error)), caplog.text]
    if isinstance(error, GenesysError):
        texts.append(error.body.model_dump_json())
    for text in texts:
        for secret in (LEAK, CLIENT_SECRET, *secrets):
            assert secret not in text
        assert "<html" not in text and "proxy page" not in text


INTERVAL = "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z"
JOB = "6f1f0c1e-8f4e-4a59-a7b5-0e1c6b3a2d10"
READS: dict[str, Callable[[GenesysClient, World, str, str], object]] = {
    "get_conversation": lambda c, w, cid, pid: c.get_conversation(cid, deadline=Deadline.unbounded()),
    "participant_wrapupcodes": lambda c, w, cid, pid: c.participant_wrapup_codes(
        cid, pid, deadline=Deadline.unbounded()
    ),
    "queue_wrapupcodes": lambda c, w, cid, pid: c.queue_wrapup_codes(w.support_queue, deadline=Deadline.unbounded()),
    "org_wrapupcodes": lambda c, w, cid, pid: c.org_wrapup_codes("Resolved", deadline=Deadline.unbounded()),
    "oauth_token": lambda c, w, cid, pid: c.get_conversation(cid, deadline=Deadline.unbounded()),
    "analytics_query": lambda c, w, cid, pid: AnalyticsApi(c).query(
        "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z", 1, 10, deadline=Deadline.unbounded()
    ),
    "analytics_job_create": lambda c, w, cid, pid: AnalyticsApi(c).create_job(
        "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z", deadline=Deadline.unbounded()
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
@pytest.mark.parametrize("endpoint", sorted(READS))
def test_unparsable_2xx_is_a_transient_bad_response_quoting_nothing(
    world: World, caplog: pytest.LogCaptureFixture, endpoint: str, kind: str
) -> None:
    caplog.set_level(logging.DEBUG)
    content_type, body = BAD_BODIES[kind]
    client = client_over(world, garbling(world, endpoint, content_type, body))
    cid, pid = world.call_in_acw()
    with pytest.raises(GenesysBadResponseError) as raised:
        READS[endpoint](client, world, cid, pid)
    error = raised.value
    assert error.status == 200 and error.transient and error.operation
    assert error.__cause__ is None and error.__suppress_context__ is False and error.__context__ is None
    assert "not valid JSON" in str(error) if kind != "wrong_shape" else "unexpected shape" in str(error)
    assert upstream_failure(error).reason is FailureReason.UPSTREAM_ERROR
    assert world.sim.counters[endpoint] == 1  # a garbled 2xx is not retried by the client
    assert_quotes_nothing(error, caplog)


def test_token_answer_without_a_token_is_a_bad_response(world: World, caplog: pytest.LogCaptureFixture) -> None:
    client = client_over(world, garbling(world, "oauth_token", "application/json", '{"access_token": ""}'))
    cid, _ = world.call_in_acw()
    with pytest.raises(GenesysBadResponseError) as raised:
        client.get_conversation(cid, deadline=Deadline.unbounded())
    assert raised.value.operation == "oauth_token"
    assert world.sim.counters["get_conversation"] == 0


@pytest.mark.parametrize("status", [400, 401, 403, 500, 503])
def test_token_endpoint_errors_echo_nothing(world: World, caplog: pytest.LogCaptureFixture, status: int) -> None:
    body = f'{{"message": "client {CLIENT_ID} secret {LEAK}", "code": "{LEAK}", "error_description": "{LEAK}"}}'
    client = client_over(world, garbling(world, "oauth_token", "application/json", body, status=status), 2)
    cid, _ = world.call_in_acw()
    with pytest.raises(GenesysApiError) as raised:
        client.get_conversation(cid, deadline=Deadline.unbounded())
    error = raised.value
    assert error.status == status and error.body == ErrorBody()
    assert isinstance(error, GenesysAuthError) == (status < 500)
    assert error.transient == (status >= 500)
    assert_quotes_nothing(error, caplog, CLIENT_ID)


def test_non_2xx_body_that_is_not_an_error_body_is_described_not_quoted(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    html = BAD_BODIES["html"][1]
    client = client_over(world, garbling(world, "get_conversation", "text/html", html, status=403))
    cid, _ = world.call_in_acw()
    with pytest.raises(GenesysApiError) as raised:
        client.get_conversation(cid, deadline=Deadline.unbounded())
    assert raised.value.status == 403 and raised.value.body == ErrorBody()
    assert f"text/html, {len(html)} bytes" in str(raised.value)
    assert_quotes_nothing(raised.value, caplog)


# --- the apply is sent at most once where it may have taken effect ----------------------------------


def test_apply_timeout_after_genesys_applied_is_uncertain_after_one_patch(world: World) -> None:
    client = world.client(timeout=0.5)
    cid, pid = world.call_in_acw()
    # status=None + delay: the simulator applies the code, then answers too late.
    world.sim.inject(Fault(endpoint="patch_participant", status=None, delay=1.0, times=-1))
    with pytest.raises(GenesysUncertainApplyError) as raised:
        client.apply_wrapup(cid, pid, WrapupInput(code=world.resolved), deadline=Deadline.unbounded())
    assert raised.value.timed_out and raised.value.status is None and raised.value.transient
    assert world.sim.counters["patch_participant"] == 1
    assert world.sim.applied_code(cid, pid) == world.resolved  # why it must not be resent blindly
    assert world.sleeps == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_apply_5xx_is_uncertain_after_one_patch(world: World, status: int) -> None:
    cid, pid = world.call_in_acw()
    client = client_over(world, applying_then(world, status))
    with pytest.raises(GenesysUncertainApplyError) as raised:
        client.apply_wrapup(cid, pid, WrapupInput(code=world.resolved), deadline=Deadline.unbounded())
    assert raised.value.status == status and not raised.value.timed_out and raised.value.transient
    assert "may have taken effect" in str(raised.value)
    assert world.sim.counters["patch_participant"] == 1
    assert world.sim.applied_code(cid, pid) == world.resolved


def applying_then(world: World, status: int) -> httpx.MockTransport:
    """Genesys applies the PATCH, then the gateway answers `status` (the reply is lost)."""
    inner = mock_transport(world.sim)

    def handler(request: httpx.Request) -> httpx.Response:
        answer = inner.handle_request(request)
        if request.method == "PATCH":
            return httpx.Response(status, json={"message": "gateway", "code": "bad.gateway", "status": status})
        return answer

    return httpx.MockTransport(handler)


def test_apply_429_is_a_refusal_and_is_resent(world: World) -> None:
    client = world.client()
    cid, pid = world.call_in_acw()
    world.sim.inject(Fault(endpoint="patch_participant", status=429, retry_after=1, times=1))
    client.apply_wrapup(cid, pid, WrapupInput(code=world.resolved), deadline=Deadline.unbounded())
    assert world.sim.counters["patch_participant"] == 2
    assert world.sleeps == [1.0]
    assert world.sim.applied_code(cid, pid) == world.resolved


def test_apply_401_refreshes_the_token_and_resends_once(world: World) -> None:
    client = world.client()
    cid, pid = world.call_in_acw()
    client.get_conversation(cid, deadline=Deadline.unbounded())
    world.sim.revoke_tokens()
    client.apply_wrapup(cid, pid, WrapupInput(code=world.resolved), deadline=Deadline.unbounded())
    assert world.sim.counters["patch_participant"] == 2
    assert world.sim.counters["oauth_token"] == 2
    assert world.sim.applied_code(cid, pid) == world.resolved


def test_apply_connection_never_made_is_retried(world: World) -> None:
    cid, pid = world.call_in_acw()
    inner = mock_transport(world.sim)
    refused = [1]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH" and refused[0]:
            refused[0] -= 1
            raise httpx.ConnectError("connection refused", request=request)
        return inner.handle_request(request)

    client_over(world, httpx.MockTransport(handler)).apply_wrapup(
        cid, pid, WrapupInput(code=world.resolved), deadline=Deadline.unbounded()
    )
    assert world.sim.counters["patch_participant"] == 1  # the refused connection never reached it
    assert world.sim.applied_code(cid, pid) == world.resolved


def test_reads_are_still_retried_after_a_timeout(world: World) -> None:
    client = world.client(timeout=0.5)
    cid, _ = world.call_in_acw()
    world.sim.inject(Fault(endpoint="get_conversation", status=None, delay=1.0, times=1))
    assert client.get_conversation(cid, deadline=Deadline.unbounded()).id == cid
    assert world.sim.counters["get_conversation"] == 2


# --- transient vs permanent -----------------------------------------------------------------------


def test_401_with_a_fresh_token_is_a_transient_unauthorized_error(world: World) -> None:
    client = world.client()
    cid, _ = world.call_in_acw()
    world.sim.inject(Fault(endpoint="get_conversation", status=401, times=2))
    with pytest.raises(GenesysUnauthorizedError) as raised:
        client.get_conversation(cid, deadline=Deadline.unbounded())
    error = raised.value
    assert error.status == 401 and error.transient and not isinstance(error, GenesysAuthError)
    assert world.sim.counters["oauth_token"] == 2 and world.sim.counters["get_conversation"] == 2


def test_refused_grant_is_permanent(world: World) -> None:
    client = world.client(secret="wrong")
    cid, _ = world.call_in_acw()
    with pytest.raises(GenesysAuthError) as raised:
        client.get_conversation(cid, deadline=Deadline.unbounded())
    assert not raised.value.transient and not isinstance(raised.value, GenesysUnauthorizedError)


@pytest.mark.parametrize(
    ("status", "transient"),
    [(400, False), (403, False), (404, False), (409, False), (422, False), (429, True), (500, True), (503, True)],
)
def test_transient_by_status(world: World, status: int, transient: bool) -> None:
    client = world.client(max_attempts=1)
    cid, _ = world.call_in_acw()
    world.sim.inject(Fault(endpoint="get_conversation", status=status, times=1))
    with pytest.raises(GenesysApiError) as raised:
        client.get_conversation(cid, deadline=Deadline.unbounded())
    assert raised.value.status == status and raised.value.transient is transient


def test_timeout_is_transient(world: World) -> None:
    client = world.client(timeout=0.5, max_attempts=1)
    cid, _ = world.call_in_acw()
    world.sim.inject(Fault(endpoint="get_conversation", status=None, delay=1.0, times=1))
    with pytest.raises(GenesysTimeoutError) as raised:
        client.get_conversation(cid, deadline=Deadline.unbounded())
    assert raised.value.transient
