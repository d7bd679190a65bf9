"""A large centre's peak through the real handlers, on compressed time, against Genesys' rate limits.

N interactions end at a steady rate (Poisson arrivals, seeded). For each one, during the call, the
flow's data action stages `Resolved` (ApplyWrapupFunction, invoked synchronously: no retries); the
agent hangs up (`user.end`, delivered by EventBridge 0.2-1 s later, a second time for 10 % of them,
0-5 s after the first); after-call work lasts `acw_seconds` (uniform), then ends (`acw` delivered with `deliver_acw`).
WrapupEventsFunction is invoked asynchronously with Lambda's concurrency emulated (lambda_async.py:
a container per concurrent invocation, each importing the handler and so holding its own clients
and token; scale-out when every container is busy; an optional reserved-concurrency cap; two
retries 60 s and 120 s later, then the on-failure SQS queue). The simulator applies the platform's
limits (`PLATFORM_DEFAULTS`: 300 requests per minute per token) on the same compressed clock.

Outcomes are classified as the fault burst does (fault_burst.classify): applied, open failure
record, dead-lettered, lost; applied twice is counted from the simulator.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from genesys_simulator import PLATFORM_DEFAULTS, RateLimits

from .compressed_time import CompressedTime
from .fault_burst import BurstReport, classify
from .handlers import FakeLambdaContext, load_handler
from .lambda_async import AsyncFunction, Invocation

APPLY_FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:ApplyWrapupFunction"


@dataclass(frozen=True)
class PeakConfig:
    interactions: int = 5000
    per_minute: float = 500.0
    factor: float = 8.0  # simulated seconds per real second
    seed: int = 19
    stage_lead_seconds: float = 20.0  # the data action runs this long before the agent hangs up
    acw_seconds: tuple[float, float] = (60.0, 180.0)  # after-call work, uniform
    duplicate_share: float = 0.10
    # A shift change: from this minute on, for `shift_end_minutes`, interactions end `shift_end_factor`
    # times as fast (None: a steady rate throughout).
    shift_end_at_minute: float | None = None
    shift_end_minutes: float = 1.0
    shift_end_factor: float = 3.0
    # `acw` events (the verification path: no Genesys request when the event carries the code) cost
    # this harness a third of its CPU; off by default, priced from `acw_sample` instead (bench/cost.py).
    deliver_acw: bool = False
    rate_limits: RateLimits = PLATFORM_DEFAULTS
    # The function environment of the variant (e.g. the token pool and pacing settings).
    env: dict[str, str] = field(default_factory=dict)
    reserved_concurrency: int | None = None  # WrapupEventsFunction's cap; None = Lambda's account limit
    timeout_seconds: float = 25.0  # template.yaml Globals

    def rate_at(self, seconds: float) -> float:
        """Interactions ending per minute, `seconds` after the first one."""
        start = self.shift_end_at_minute
        if start is not None and start * 60 <= seconds < (start + self.shift_end_minutes) * 60:
            return self.per_minute * self.shift_end_factor
        return self.per_minute


@dataclass
class PeakReport:
    config: PeakConfig
    outcomes: BurstReport
    latencies: list[float]  # simulated seconds from user.end to the code held, per applied interaction
    genesys_requests: int
    genesys_by_endpoint: dict[str, int]
    throttled: int
    tokens_issued: int
    tokens_used: int
    token_creations_throttled: int
    invocations: list[Invocation]
    containers: dict[str, int]
    throttles: int  # events Lambda sent back to its queue at the reserved-concurrency cap
    dead_lettered_messages: int
    user_end_deliveries: int
    aws_requests: dict[str, int]
    harness_lag_p99: float  # simulated seconds the driver was late on its schedule
    real_seconds: float
    simulated_seconds: float

    def invocations_of(self, function: str) -> list[Invocation]:
        return [i for i in self.invocations if i.function == function]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


@dataclass(frozen=True)
class _Schedule:
    """When each interaction's steps happen, in simulated seconds from the start (seeded)."""

    plan: list[tuple[float, int, str, int]]  # (time, order, action, interaction), sorted
    deliveries: list[float]  # EventBridge's delivery delay of each user.end
    duplicates: list[float | None]  # the second delivery's extra delay, for 10 % of them

    @classmethod
    def of(cls, config: PeakConfig) -> _Schedule:
        rng = random.Random(config.seed)  # noqa: S311 - a reproducible schedule, not cryptography
        n = config.interactions
        ends, at = [], config.stage_lead_seconds  # staging begins `stage_lead_seconds` before the first end
        for _ in range(n):
            ends.append(at)
            at += rng.expovariate(config.rate_at(at - config.stage_lead_seconds) / 60.0)
        acw = [rng.uniform(*config.acw_seconds) for _ in range(n)]
        deliveries = [rng.uniform(0.2, 1.0) for _ in range(n)]
        duplicates = [rng.uniform(0.0, 5.0) if rng.random() < config.duplicate_share else None for _ in range(n)]
        plan = []
        for i, end in enumerate(ends):
            plan += [(end - config.stage_lead_seconds, 0, "stage", i), (end, 1, "hang_up", i)]
            plan.append((end + acw[i], 2, "acw_end", i))
        return cls(sorted(plan), deliveries, duplicates)


def run_peak(config: PeakConfig, compressed: CompressedTime, stack: Any, sqs: Any, queue_url: str) -> PeakReport:
    """`stack` is a fresh demo.local_stack(); its environment is already in os.environ."""
    from . import demo_data

    sim = stack.sim
    sim.clock = compressed.now  # reads the clock `start()` installs below, not the one in place now
    sim.rate_limits = config.rate_limits
    os.environ.update(config.env)
    code_id = next(code for code, name in demo_data.CODES.items() if name == "Resolved")

    def context() -> FakeLambdaContext:
        return FakeLambdaContext(timeout_seconds=config.timeout_seconds)

    def dead_letter(record: dict[str, Any]) -> None:
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(record))

    events_fn = AsyncFunction(
        "WrapupEventsFunction",
        lambda: load_handler("wrapup_events").lambda_handler,
        compressed,
        context=context,
        reserved_concurrency=config.reserved_concurrency,
        on_failure=dead_letter,
    )
    apply_fn = AsyncFunction(
        "ApplyWrapupFunction",
        lambda: load_handler("apply_wrapup").lambda_handler,
        compressed,
        context=context,
        max_retries=0,  # Architect calls it synchronously: the flow takes its Failure path, no Lambda retry
        function_arn=APPLY_FUNCTION_ARN,
    )
    _warm_up_imports()
    sim.reset_counters()
    aws_before = _aws_requests()
    calls = [sim.new_call(demo_data.SUPPORT_QUEUE) for _ in range(config.interactions)]
    schedule = _Schedule.of(config)
    ended_at: dict[int, float] = {}
    lags: list[float] = []
    real_started = time.perf_counter()
    compressed.start(config.factor)
    origin = compressed.now()
    for moment, _, action, i in schedule.plan:
        due = origin + moment
        compressed.real_sleep(due - compressed.now())
        lags.append(max(0.0, compressed.now() - due))
        cid, pid = calls[i]
        if action == "stage":
            apply_fn.invoke({"conversationId": cid, "wrapupCodeName": "Resolved"}, at=due)
        elif action == "hang_up":
            (user_end,) = sim.agent_disconnect(cid, pid)
            ended_at[i] = sim.clock()
            delivered = due + schedule.deliveries[i]
            events_fn.invoke(user_end, at=delivered)
            again = schedule.duplicates[i]
            if again is not None:  # at-least-once: the same change again, under a new event id
                events_fn.invoke({**user_end, "id": str(uuid.uuid4())}, at=delivered + again)
        else:
            for event in sim.complete_acw(cid, pid):
                if config.deliver_acw:
                    events_fn.invoke(event, at=due + schedule.deliveries[i])
    for function in (apply_fn, events_fn):
        function.drain()
    simulated, real = compressed.now() - origin, time.perf_counter() - real_started
    for function in (apply_fn, events_fn):
        function.close()

    outcomes = BurstReport(conversations=config.interactions)
    classify(outcomes, sim, calls, code_id=code_id, sqs=sqs, queue_url=queue_url)
    latencies = []
    for i, (cid, pid) in enumerate(calls):
        applied_at = sim.conversations[cid].participant(pid).applied_at
        if applied_at is not None and sim.applied_code(cid, pid) == code_id:
            latencies.append(applied_at - ended_at[i])
    stats = sim.rate_limit_stats()
    aws_after = _aws_requests()
    return PeakReport(
        config=config,
        outcomes=outcomes,
        latencies=latencies,
        genesys_requests=stats.requests + stats.tokens_issued + stats.token_requests_throttled,
        genesys_by_endpoint=dict(sim.counters),
        throttled=stats.throttled + stats.token_requests_throttled,
        tokens_issued=stats.tokens_issued,
        tokens_used=stats.tokens_used,
        token_creations_throttled=stats.token_requests_throttled,
        invocations=[*apply_fn.invocations, *events_fn.invocations],
        containers={apply_fn.name: apply_fn.containers, events_fn.name: events_fn.containers},
        throttles=events_fn.throttles,
        dead_lettered_messages=events_fn.dead_lettered,
        user_end_deliveries=config.interactions + sum(1 for d in schedule.duplicates if d is not None),
        aws_requests={k: v - aws_before.get(k, 0) for k, v in aws_after.items() if v > aws_before.get(k, 0)},
        harness_lag_p99=percentile(lags, 0.99),
        real_seconds=real,
        simulated_seconds=simulated,
    )


def _warm_up_imports() -> None:
    """Import what the handlers import, and build their clients once, before the clock starts.

    The containers here share one Python process: the first import of the package (about a second on
    this machine) would otherwise run inside the first invocations, stretched by the compression
    factor and holding the interpreter lock against every other container. In Lambda each container
    imports in parallel with the others; their init time is counted from the cold start figures
    (docs/benchmarks.md), not from this run."""
    events, data_action = load_handler("wrapup_events"), load_handler("apply_wrapup")
    events.processor()
    data_action.service()
    for module in (events, data_action):
        module.genesys().close()


def _aws_requests() -> dict[str, int]:
    from .aws_server import COUNTS_PATH

    answer = httpx.get(os.environ["AWS_ENDPOINT_URL"] + COUNTS_PATH, timeout=10.0)
    counts: dict[str, int] = answer.json()
    return counts
