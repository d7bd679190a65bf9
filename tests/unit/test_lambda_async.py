"""The Lambda emulation the peak benchmark runs on (wrapguard_local/lambda_async.py), on a compressed
clock (200 simulated seconds per real second): retries 60 s and 120 s apart then the on-failure
record, scale-out while busy, reuse of the warmest container, the reserved-concurrency cap."""

from __future__ import annotations

import threading
import time
from typing import Any

from wrapguard_local.compressed_time import CompressedTime
from wrapguard_local.lambda_async import AsyncFunction, Handler


def _timebase() -> CompressedTime:
    timebase = CompressedTime()  # not installed: only its clock is used here
    timebase.start(200.0)
    return timebase


def _function(handler: Handler, timebase: CompressedTime, **kwargs: Any) -> tuple[AsyncFunction, list[int]]:
    loaded: list[int] = []

    def new_container() -> Handler:
        loaded.append(1)
        return handler

    return AsyncFunction("fn", new_container, timebase, **kwargs), loaded


def test_a_failing_event_is_retried_60_then_120_seconds_later_then_dead_lettered() -> None:
    timebase = _timebase()
    records: list[dict[str, Any]] = []

    def failing(event: dict[str, Any], _: Any) -> dict[str, Any]:
        raise RuntimeError("genesys said no")

    function, _ = _function(failing, timebase, on_failure=records.append)
    function.invoke({"n": 1})
    function.drain()
    function.close()

    starts = [i.started for i in function.invocations]
    assert [i.attempt for i in function.invocations] == [1, 2, 3]
    assert starts[1] - starts[0] >= 60
    assert starts[2] - starts[1] >= 120
    assert all(i.error == "RuntimeError" for i in function.invocations)
    assert function.dead_lettered == 1
    (record,) = records
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"n": 1}


def test_busy_containers_scale_out_and_idle_ones_are_reused_warmest_first() -> None:
    timebase = _timebase()
    running = threading.Semaphore(0)
    release = threading.Event()

    def slow(event: dict[str, Any], _: Any) -> dict[str, Any]:
        running.release()
        release.wait(5)
        return {"n": event["n"]}

    function, loaded = _function(slow, timebase)
    for n in range(4):
        function.invoke({"n": n})
    for _ in range(4):
        assert running.acquire(timeout=5)
    assert function.containers == 4  # four at once: four containers
    release.set()
    function.drain()
    for n in range(6):  # one at a time: always the most recently freed container
        function.invoke({"n": n})
        function.drain()
    function.close()

    assert function.containers == 4
    assert len(loaded) == 4  # one cold start per container
    assert sum(1 for i in function.invocations if i.cold) == 4
    assert function.peak_concurrency == 4


def test_reserved_concurrency_caps_containers_and_every_event_still_runs() -> None:
    timebase = _timebase()

    def quick(event: dict[str, Any], _: Any) -> dict[str, Any]:
        time.sleep(0.01)
        return event

    function, _ = _function(quick, timebase, reserved_concurrency=2)
    for n in range(20):
        function.invoke({"n": n})
    function.drain()
    function.close()

    assert function.containers <= 2
    assert sorted(i.result["n"] for i in function.invocations if i.result) == list(range(20))


def test_a_throttled_invocation_waits_with_backoff_and_keeps_its_retries() -> None:
    """Over the cap Lambda sends the event back to its queue, 1 s then 2 s, 4 s... later (to 5 minutes),
    and a throttle is not one of the two retries."""
    timebase = _timebase()
    release = threading.Event()
    calls: list[int] = []

    def blocking(event: dict[str, Any], _: Any) -> dict[str, Any]:
        calls.append(event["n"])
        if event["n"] == 0:
            release.wait(5)  # holds the only container for a while (simulated: minutes)
        return event

    function, _ = _function(blocking, timebase, reserved_concurrency=1)
    function.invoke({"n": 0})
    function.invoke({"n": 1})
    time.sleep(0.3)  # 60 simulated seconds: n=1 throttled again and again, backing off
    release.set()
    function.drain()
    function.close()

    assert function.containers == 1
    assert calls == [0, 1]
    assert 5 <= function.throttles <= 8  # 1+2+4+8+16+32 s: six sendings-back fit in about a minute
    first, second = sorted(function.invocations, key=lambda i: i.started)
    assert second.attempt == 1  # throttles are not retries
    assert second.started - first.started >= 55  # it waited for the container, in backoff steps
