"""A burst of conversations through the real event handler with faults everywhere, and what became of each.

Every event is delivered twice (at-least-once), in a shuffled order across conversations and with
`acw` sometimes before `user.end`; Genesys answers 429, 5xx and late at random; DynamoDB throttles at
random (answered by botocore's retries, or raised for Lambda's). Lambda's async invocation is
emulated (two retries, then the on-failure SQS destination). Afterwards every conversation must be
applied, recorded as an open failure, or dead-lettered, and none applied twice.

`python -m wrapguard_local.fault_burst --conversations 1000` prints the counts (the benchmark);
tests run it smaller.
"""

from __future__ import annotations

import argparse
import json
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from genesys_simulator import Fault, SimulatorState
from wrapguard.aws.dynamodb import DynamoDB
from wrapguard.aws.wiring import local_db
from wrapguard.domain.deadline import Deadline

from .handlers import FakeLambdaContext, load_handler
from .lambda_async import invoke_async

THROTTLED = json.dumps(
    {
        "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        "message": "The level of configured provisioned throughput for the table was exceeded (injected)",
    }
).encode()


@dataclass
class BurstReport:
    conversations: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    dead_lettered_messages: int = 0
    applied_twice: int = 0
    lost: list[str] = field(default_factory=list)
    dynamodb_throttled: int = 0
    genesys_requests: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "conversations": self.conversations,
            "outcomes": dict(self.outcomes),
            "dead_lettered_messages": self.dead_lettered_messages,
            "applied_twice": self.applied_twice,
            "lost": len(self.lost),
            "dynamodb_throttled_calls": self.dynamodb_throttled,
            "genesys_requests": self.genesys_requests,
        }


class _Throttling(httpx.BaseTransport):
    """Answers a share of requests with DynamoDB's throttling error; the rest go to the real client."""

    def __init__(self, real: httpx.Client, probability: float, rng: random.Random, report: BurstReport) -> None:
        self._real, self._probability, self._rng, self._report = real, probability, rng, report

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._rng.random() >= self._probability:
            return self._real.send(request)
        self._report.dynamodb_throttled += 1
        headers = {"x-amzn-RequestId": uuid.uuid4().hex, "Content-Type": "application/x-amz-json-1.0"}
        return httpx.Response(400, headers=headers, content=THROTTLED)


@contextmanager
def dynamodb_throttling(db: DynamoDB, probability: float, rng: random.Random, report: BurstReport) -> Iterator[None]:
    """Answer a share of the function's DynamoDB calls with ProvisionedThroughputExceededException."""
    real = db.api.http
    db.api.http = httpx.Client(transport=_Throttling(real, probability, rng, report))
    try:
        yield
    finally:
        db.api.http = real


def inject_genesys_faults(sim: SimulatorState, conversations: list[tuple[str, str]]) -> None:
    sim.inject(Fault(endpoint="patch_participant", status=429, retry_after=0, times=-1, probability=0.15))
    sim.inject(Fault(endpoint="get_conversation", status=503, times=-1, probability=0.15))
    sim.inject(Fault(endpoint="patch_participant", status=502, times=-1, probability=0.1))
    sim.inject(Fault(endpoint="patch_participant", status=None, delay=0.4, times=-1, probability=0.03))
    sim.inject(Fault(endpoint="get_conversation", status=None, delay=0.4, times=-1, probability=0.03))
    sim.inject(Fault(endpoint=None, status=500, times=-1, probability=0.02))
    for cid, _ in conversations[::20]:  # one in twenty never gets an answer to its PATCH: retries run out
        sim.inject(Fault(endpoint="patch_participant", status=503, times=-1, path_contains=cid))


def run_burst(
    sim: SimulatorState,
    *,
    queue_id: str,
    code_id: str,
    code_name: str,
    sqs: Any,
    queue_url: str,
    conversations: int = 200,
    throttle_probability: float = 0.05,
    seed: int = 7,
) -> BurstReport:
    """Needs the function environment (tables, simulator URL) already set, as the tests and demo do."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible fault pattern, not cryptography
    report = BurstReport(conversations=conversations)
    apply_fn, events_fn = load_handler("apply_wrapup"), load_handler("wrapup_events")
    calls = []
    for _ in range(conversations):
        cid, pid = sim.new_call(queue_id)
        staged = apply_fn.lambda_handler({"conversationId": cid, "wrapupCodeName": code_name}, FakeLambdaContext())
        assert staged["outcome"] == "staged", staged
        calls.append((cid, pid))

    deliveries: list[dict[str, Any]] = []
    for cid, pid in calls:
        (user_end,) = sim.agent_disconnect(cid, pid)
        ordered = [user_end, user_end]
        if rng.random() < 0.1:  # after-call work ends before user.end is delivered
            ordered = [*sim.complete_acw(cid, pid), *ordered]
        deliveries.extend(ordered)
    rng.shuffle(deliveries)

    inject_genesys_faults(sim, calls)
    # The event function's own DynamoDB client (its handler module keeps one per process).
    with dynamodb_throttling(events_fn.dynamodb(), throttle_probability, rng, report):
        for event in deliveries:
            outcome = invoke_async(events_fn.lambda_handler, event, sqs=sqs, queue_url=queue_url)
            report.dead_lettered_messages += outcome.dead_lettered
        for cid, pid in calls:
            if not sim.conversations[cid].participant(pid).acw_end:  # type: ignore[union-attr]
                for acw in sim.complete_acw(cid, pid):
                    outcome = invoke_async(events_fn.lambda_handler, acw, sqs=sqs, queue_url=queue_url)
                    report.dead_lettered_messages += outcome.dead_lettered
    sim.clear_faults()
    report.genesys_requests = dict(sim.counters)
    classify(report, sim, calls, code_id=code_id, sqs=sqs, queue_url=queue_url)
    return report


def classify(
    report: BurstReport, sim: SimulatorState, calls: list[tuple[str, str]], *, code_id: str, sqs: Any, queue_url: str
) -> None:
    from wrapguard.store.failures import FailureStore

    dead = Counter[str]()
    seen: list[str] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60)
        if not batch.get("Messages"):
            break
        for message in batch["Messages"]:
            dead[json.loads(message["Body"])["requestPayload"]["detail"]["eventBody"]["conversationId"]] += 1
            seen.append(message["ReceiptHandle"])
    for handle in seen:  # counted, not consumed: the messages stay for a redrive
        sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
    failures = FailureStore(local_db(), _failures_table())
    for cid, pid in calls:
        applies = sim.apply_count(cid, pid)
        report.applied_twice += applies > 1
        if sim.applied_code(cid, pid) == code_id:
            report.outcomes["applied"] += 1
        elif any(item["status"] == "open" for item in failures.for_conversation(cid, deadline=Deadline.unbounded())):
            report.outcomes["open_failure"] += 1
        elif dead[cid]:
            report.outcomes["dead_lettered_only"] += 1
        else:
            report.lost.append(cid)


def _failures_table() -> str:
    import os

    return os.environ["FAILURES_TABLE_NAME"]


# Short Genesys timeouts and backoff so a burst runs in minutes; the fault mix stays the same.
FAST_CLIENT_ENV = {
    "GENESYS_HTTP_TIMEOUT_SECONDS": "0.3",
    "GENESYS_MAX_ATTEMPTS": "3",
    "GENESYS_RETRY_BASE_DELAY_SECONDS": "0.01",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import os

    # Before wrapguard's loggers exist: the counts are the output, not thousands of log lines.
    os.environ.update({"POWERTOOLS_LOG_LEVEL": "CRITICAL", "POWERTOOLS_METRICS_DISABLED": "true"})
    import boto3

    from . import demo_data
    from .demo import local_stack

    with local_stack() as stack:
        os.environ.update(FAST_CLIENT_ENV)
        sqs = boto3.client("sqs")
        queue_url = sqs.create_queue(QueueName="wrapguard-burst-dlq")["QueueUrl"]
        resolved = next(code for code, name in demo_data.CODES.items() if name == "Resolved")
        report = run_burst(
            stack.sim,
            queue_id=demo_data.SUPPORT_QUEUE,
            code_id=resolved,
            code_name="Resolved",
            sqs=sqs,
            queue_url=queue_url,
            conversations=args.conversations,
        )
    if args.json:
        print(json.dumps(report.as_dict()))
        return
    print(f"fault burst: {report.conversations} conversations through WrapupEventsFunction's handler")
    for name, count in sorted(report.outcomes.items()):
        print(f"  {name:<20} {count}")
    print(f"  dead-letter messages {report.dead_lettered_messages}")
    print(f"  applied twice        {report.applied_twice}")
    print(f"  lost                 {len(report.lost)}")
    print(f"  DynamoDB throttled   {report.dynamodb_throttled} calls (before botocore's own retries)")
    print(f"  Genesys requests     {sum(report.genesys_requests.values())} {report.genesys_requests}")


if __name__ == "__main__":
    main()
