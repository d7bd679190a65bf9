"""DynamoDB calls are bounded in time (issue 10, item 4): unreachable, silent and throttling servers,
with and without an invocation's time budget; the failure write keeps its reserved time."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from tests.support.world import World
from wrapguard.budget import RESERVED_SECONDS
from wrapguard.domain.failures import Failure, FailureReason, FailureSource
from wrapguard.store import dynamo
from wrapguard.store.dynamo import DynamoDBTimeBudgetError, DynamoTimeouts
from wrapguard.store.failures import FailureStore
from wrapguard_local.dynamodb import free_port
from wrapguard_local.handlers import FakeLambdaContext, load_handler

pytestmark = pytest.mark.integration

FAST = DynamoTimeouts(connect=0.2, read=0.3, max_attempts=3)  # an attempt: at most 0.5 s
# botocore standard mode sleeps < 1 s, then < 2 s, between the 3 attempts.
UNBOUND_WORST = 3 * FAST.attempt + 1 + 2


@pytest.fixture
def fast_timeouts() -> Iterator[None]:
    dynamo.configure(FAST)
    yield
    dynamo.configure(DynamoTimeouts())


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    def use(url: str) -> None:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        dynamo._resource.cache_clear()

    yield use
    dynamo._resource.cache_clear()


class SilentServer:
    """Accepts connections and never answers (a DynamoDB that hangs)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.accepted.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


class ThrottlingHandler(BaseHTTPRequestHandler):
    requests = 0

    def do_POST(self) -> None:
        type(self).requests += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps(
            {
                "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "message": "The level of configured provisioned throughput for the table was exceeded.",
            }
        ).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def throttling() -> Iterator[tuple[str, type[ThrottlingHandler]]]:
    handler = type("Counting", (ThrottlingHandler,), {"requests": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def budget(seconds: float) -> Callable[[], float]:
    """An invocation that has `seconds` left from now."""
    start = time.monotonic()
    return lambda: seconds - (time.monotonic() - start)


def failure() -> Failure:
    return Failure(
        conversation_id=str(uuid.uuid4()),
        participant_id=str(uuid.uuid4()),
        reason=FailureReason.TIMEOUT,
        source=FailureSource.DATA_ACTION,
        message="m",
    )


def timed(call: Callable[[], object], error: type[BaseException]) -> float:
    start = time.monotonic()
    with pytest.raises(error):
        call()
    return time.monotonic() - start


def get(name: str) -> Callable[[], object]:
    """A DynamoDB call that is not a failure write (it may not use the reserved time). The boto3
    objects are built here, so that timing the call times the call only."""
    table = dynamo.table(name)
    return lambda: table.get_item(Key={"conversationId": "c", "participantId": "p"})


def store() -> FailureStore:
    failures = FailureStore("t")
    assert failures.table is not None  # built before timing
    return failures


# --- unbound (no invocation: the CLI) ----------------------------------------------------------------


@pytest.mark.usefixtures("fast_timeouts")
def test_unreachable_dynamodb_raises_after_bounded_attempts(endpoint: Callable[[str], None]) -> None:
    endpoint(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    failures = store()
    elapsed = timed(lambda: failures.record(failure()), EndpointConnectionError)
    assert elapsed < UNBOUND_WORST


@pytest.mark.usefixtures("fast_timeouts")
def test_silent_dynamodb_times_out_after_bounded_attempts(
    endpoint: Callable[[str], None], silent: SilentServer
) -> None:
    endpoint(silent.url)
    elapsed = timed(get("t"), ReadTimeoutError)
    assert len(silent.accepted) == FAST.max_attempts
    assert FAST.max_attempts * FAST.read <= elapsed < UNBOUND_WORST


@pytest.mark.usefixtures("fast_timeouts")
def test_throttling_is_retried_a_bounded_number_of_times(
    endpoint: Callable[[str], None], throttling: tuple[str, type[ThrottlingHandler]]
) -> None:
    url, handler = throttling
    endpoint(url)
    failures = store()
    start = time.monotonic()
    with pytest.raises(ClientError) as raised:
        failures.record(failure())
    assert raised.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert handler.requests == FAST.max_attempts
    assert time.monotonic() - start < UNBOUND_WORST


# --- bound to an invocation's remaining time -----------------------------------------------------------


@pytest.mark.usefixtures("fast_timeouts")
def test_no_attempt_starts_that_could_run_into_the_reserved_time(
    endpoint: Callable[[str], None], silent: SilentServer
) -> None:
    endpoint(silent.url)
    dynamo.set_time_budget(budget(RESERVED_SECONDS + FAST.attempt / 2))
    elapsed = timed(get("t"), DynamoDBTimeBudgetError)
    assert elapsed < 0.5 and silent.accepted == []


@pytest.mark.usefixtures("fast_timeouts")
def test_no_retry_when_backoff_and_attempt_do_not_fit(endpoint: Callable[[str], None], silent: SilentServer) -> None:
    endpoint(silent.url)
    left = FAST.attempt + 0.4  # one attempt fits; a retry (backoff < 1 s + an attempt) does not
    dynamo.set_time_budget(budget(RESERVED_SECONDS + left))
    elapsed = timed(get("t"), ReadTimeoutError)
    assert len(silent.accepted) == 1
    assert elapsed < left  # ended before the reserved time


@pytest.mark.usefixtures("fast_timeouts")
def test_throttled_call_stops_retrying_when_time_is_short(
    endpoint: Callable[[str], None], throttling: tuple[str, type[ThrottlingHandler]]
) -> None:
    url, handler = throttling
    endpoint(url)
    left = 1.2
    dynamo.set_time_budget(budget(RESERVED_SECONDS + left))
    elapsed = timed(get("t"), ClientError)
    assert handler.requests == 1 and elapsed < left


@pytest.mark.usefixtures("fast_timeouts")
def test_failure_write_keeps_the_reserved_time(endpoint: Callable[[str], None], silent: SilentServer) -> None:
    endpoint(silent.url)
    remaining = budget(RESERVED_SECONDS)
    dynamo.set_time_budget(remaining)
    # Everything else is out of time already...
    assert timed(get("t"), DynamoDBTimeBudgetError) < 0.5 and silent.accepted == []
    # ...the failure write still gets attempts, and gives up before the invocation ends.
    failures = store()
    timed(lambda: failures.record(failure()), ReadTimeoutError)
    assert silent.accepted and remaining() > 0


def test_data_action_with_dynamodb_hanging_ends_within_its_time(
    function_env: dict[str, Any], world: World, monkeypatch: pytest.MonkeyPatch, silent: SilentServer
) -> None:
    """The real handler, default timeouts: Genesys answers, every DynamoDB call (lease, failure write)
    hangs; the invocation raises (Lambda error: the flow's Failure path) before the function's timeout."""
    handler = load_handler("apply_wrapup")
    cid, pid = world.call_in_acw()
    world.sim.complete_acw(cid, pid)  # window closed: a failure to record
    monkeypatch.setenv("AWS_ENDPOINT_URL", silent.url)
    dynamo._resource.cache_clear()
    context = FakeLambdaContext(timeout_seconds=RESERVED_SECONDS + 3.5)
    start = time.monotonic()
    with pytest.raises((ReadTimeoutError, DynamoDBTimeBudgetError)):
        handler.lambda_handler({"conversationId": cid, "participantId": pid, "wrapupCodeId": world.resolved}, context)
    elapsed = time.monotonic() - start
    assert elapsed < context.timeout_seconds
    assert silent.accepted  # it did try
    dynamo._resource.cache_clear()
