"""Emulate Lambda's asynchronous invocation (as EventBridge uses it): bounded retries, then the
on-failure destination record to an SQS queue, shaped as Lambda sends it.

Two drivers share the retry rule and the destination record:
- `invoke_async`: one event, its retries run at once, one after the other (the fault burst:
  correctness, no clock).
- `AsyncFunction`: Lambda's concurrency as well (the peak benchmark): invocations wait for their
  due time, each runs in a container (a thread with its own handler module, so its own clients and
  token), a busy function scales out with a new container (cold start included), an optional cap
  (reserved concurrency) throttles invocations back into the queue with Lambda's backoff
  (`THROTTLE_BACKOFF_SECONDS`), and a failed attempt is retried after `RETRY_DELAYS_SECONDS`, like
  Lambda, before its record goes to the destination.
"""

from __future__ import annotations

import heapq
import itertools
import json
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .handlers import FakeLambdaContext

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
# "Lambda waits one minute before the first retry and two minutes before the second" (async invocation).
RETRY_DELAYS_SECONDS = (60.0, 120.0)
MAX_RETRIES = 2
# A throttled asynchronous invocation goes back to Lambda's queue "with exponential backoff from 1 second
# to 5 minutes" (Lambda developer guide, asynchronous invocation); throttles do not use up the retries.
# The doubling is our assumption: Lambda documents only the two ends.
THROTTLE_BACKOFF_SECONDS = (1.0, 300.0)
EVENTS_FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:WrapupEventsFunction"


@dataclass
class AsyncResult:
    result: dict[str, Any] | None
    attempts: int
    dead_lettered: bool


def failure_record(event: dict[str, Any], error: BaseException, attempts: int, function_arn: str) -> dict[str, Any]:
    """The on-failure destination record, as Lambda sends it after the last retry."""
    return {
        "version": "1.0",
        "requestContext": {
            "requestId": "local",
            "functionArn": function_arn,
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": str(error), "errorType": type(error).__name__},
    }


def invoke_async(
    handler: Handler,
    event: dict[str, Any],
    *,
    max_retries: int = MAX_RETRIES,
    sqs: Any = None,
    queue_url: str | None = None,
    function_arn: str = EVENTS_FUNCTION_ARN,
) -> AsyncResult:
    error: Exception | None = None
    for attempt in range(1, max_retries + 2):
        try:
            return AsyncResult(handler(event, FakeLambdaContext()), attempt, dead_lettered=False)
        except Exception as exc:  # Lambda treats any raised error as a failed invocation
            error = exc
    if sqs is not None and queue_url is not None and error is not None:
        record = failure_record(event, error, max_retries + 1, function_arn)
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(record))
    return AsyncResult(None, max_retries + 1, dead_lettered=True)


# --- concurrency ------------------------------------------------------------------------------------


class Timebase:
    """The run's simulated seconds (`now`), and a real wait until a simulated moment. The harness
    gives its own (compressed) one; the default is the wall clock."""

    def now(self) -> float:
        return time.monotonic()

    def real_seconds(self, simulated: float) -> float:
        return simulated

    def elapsed(self) -> Callable[[], tuple[float, float]]:
        """A stopwatch: call it to get (real seconds, simulated seconds spent waiting) since it started."""
        started = time.perf_counter()
        return lambda: (time.perf_counter() - started, 0.0)


@dataclass(frozen=True)
class Invocation:
    """One attempt's measurements; `error` is the raised exception's type name, or None."""

    function: str
    attempt: int
    due: float  # simulated seconds: when Lambda would have started it
    started: float  # simulated seconds: when a container started it
    real_seconds: float  # wall time the attempt took here
    waited_seconds: float  # simulated seconds of that spent waiting (sleeps): not compressed away
    compute_seconds: float  # real seconds of it that were not waits
    cold: bool
    error: str | None
    result: dict[str, Any] | None

    @property
    def billed_seconds(self) -> float:
        """What Lambda would bill: our compute as measured here plus the waits in simulated seconds."""
        return self.compute_seconds + self.waited_seconds


@dataclass(order=True)
class _Pending:
    due: float
    seq: int
    event: dict[str, Any] = field(compare=False)
    attempt: int = field(compare=False, default=1)
    throttled: int = field(compare=False, default=0)  # times Lambda sent it back to the queue


class AsyncFunction:
    """One Lambda function invoked asynchronously (or, with `max_retries=0` and no destination, a
    synchronous caller that does not retry), with Lambda's concurrency emulated on `timebase`."""

    def __init__(
        self,
        name: str,
        new_container: Callable[[], Handler],
        timebase: Timebase,
        *,
        context: Callable[[], Any] = FakeLambdaContext,
        reserved_concurrency: int | None = None,
        max_retries: int = MAX_RETRIES,
        retry_delays: tuple[float, ...] = RETRY_DELAYS_SECONDS,
        on_failure: Callable[[dict[str, Any]], None] | None = None,
        function_arn: str = EVENTS_FUNCTION_ARN,
    ) -> None:
        if reserved_concurrency is not None and reserved_concurrency < 1:
            raise ValueError(f"reserved_concurrency: at least 1 ({reserved_concurrency})")
        self.name = name
        self._new_container = new_container
        self._timebase = timebase
        self._context = context
        self._cap = reserved_concurrency
        self._max_retries = max_retries
        self._retry_delays = retry_delays
        self._on_failure = on_failure
        self._function_arn = function_arn
        self._seq = itertools.count()
        self._lock = threading.Condition()
        self._waiting: list[_Pending] = []  # by due time: not yet due, or due with no container free
        # Idle containers, the most recently freed last. Lambda does not document how it picks among
        # warm environments; the warmest first concentrates the load on as few containers (and so
        # tokens) as the concurrency needs: the pessimistic case for a per-token limit.
        self._idle: list[queue.SimpleQueue[_Pending | None]] = []
        self._containers = 0
        self._busy = 0
        self._closed = False
        self.invocations: list[Invocation] = []
        self.dead_lettered = 0
        self.destination_failures = 0
        self.peak_concurrency = 0
        self.throttles = 0
        self._dispatcher = threading.Thread(target=self._dispatch, name=f"{name}-dispatch", daemon=True)
        self._dispatcher.start()

    # --- the caller's side ---------------------------------------------------------------------
    def invoke(self, event: dict[str, Any], at: float | None = None) -> None:
        """Queue `event` to start at simulated time `at` (now by default)."""
        self._enqueue(_Pending(self._timebase.now() if at is None else at, next(self._seq), event))

    @property
    def containers(self) -> int:
        return self._containers

    def drain(self) -> None:
        """Wait until nothing is queued, due later or running."""
        with self._lock:
            while self._waiting or self._busy:
                self._lock.wait(0.2)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for slot in self._idle:
                slot.put(None)
            self._lock.notify_all()

    # --- Lambda's side -------------------------------------------------------------------------
    def _enqueue(self, pending: _Pending) -> None:
        with self._lock:
            heapq.heappush(self._waiting, pending)
            self._lock.notify_all()

    def _dispatch(self) -> None:
        """Hand each due invocation to the warmest idle container, or to a new one while under the cap."""
        with self._lock:
            while not self._closed:
                if not self._waiting:
                    self._lock.wait(0.5)
                    continue
                wait = self._waiting[0].due - self._timebase.now()
                if wait > 0:
                    self._lock.wait(min(0.5, self._timebase.real_seconds(wait)))
                    continue
                if not self._idle and self._cap is not None and self._containers >= self._cap:
                    throttled = heapq.heappop(self._waiting)  # back to Lambda's queue, for later
                    first, longest = THROTTLE_BACKOFF_SECONDS
                    backoff = min(longest, first * 2**throttled.throttled)
                    throttled.due, throttled.throttled = self._timebase.now() + backoff, throttled.throttled + 1
                    heapq.heappush(self._waiting, throttled)
                    self.throttles += 1
                    continue
                pending = heapq.heappop(self._waiting)
                self._busy += 1
                self.peak_concurrency = max(self.peak_concurrency, self._busy)
                if self._idle:
                    self._idle.pop().put(pending)
                else:
                    self._containers += 1
                    slot: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
                    slot.put(pending)
                    name = f"{self.name}-{self._containers}"
                    threading.Thread(target=self._container, args=(slot,), name=name, daemon=True).start()

    def _container(self, slot: queue.SimpleQueue[_Pending | None]) -> None:
        handler: Handler | None = None
        while (pending := slot.get()) is not None:
            try:
                handler = self._run(pending, handler)
            finally:
                with self._lock:
                    self._busy -= 1
                    if not self._closed:
                        self._idle.append(slot)
                    self._lock.notify_all()

    def _run(self, pending: _Pending, handler: Handler | None) -> Handler:
        """One attempt in this container; returns the container's handler (loaded on its first use)."""
        started = self._timebase.now()
        stopwatch = self._timebase.elapsed()
        cold = handler is None
        if handler is None:
            handler = self._new_container()  # the cold start: import the handler module, as Lambda's init does
        error: BaseException | None = None
        result: dict[str, Any] | None = None
        try:
            result = handler(pending.event, self._context())
        except Exception as exc:  # Lambda treats any raised error as a failed invocation
            error = exc
        real, waited = stopwatch()
        compute = max(0.0, real - self._timebase.real_seconds(waited))
        invocation = Invocation(
            self.name,
            pending.attempt,
            pending.due,
            started,
            real,
            waited,
            compute,
            cold,
            None if error is None else type(error).__name__,
            result,
        )
        with self._lock:
            self.invocations.append(invocation)
        if error is None:
            return handler
        if pending.attempt <= self._max_retries:
            delay = self._retry_delays[min(pending.attempt - 1, len(self._retry_delays) - 1)]
            again = _Pending(self._timebase.now() + delay, next(self._seq), pending.event, pending.attempt + 1)
            self._enqueue(again)
        elif self._on_failure is not None:
            try:
                self._on_failure(failure_record(pending.event, error, pending.attempt, self._function_arn))
            except Exception:  # the destination itself failed: the event is lost, and the count says so
                with self._lock:
                    self.destination_failures += 1
            else:
                with self._lock:
                    self.dead_lettered += 1
        return handler
