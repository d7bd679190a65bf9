"""wrapguard-redrive: re-feed dead-lettered EventBridge events through the event handler logic.

The queue holds two kinds of messages: events the rule could not deliver (the message body is the
event) and invocations that failed after Lambda's retries (an on-failure destination record whose
`requestPayload` is the event). Both go through the same parse -> idempotency -> rules path as the
function, so a redriven event never applies a code twice. Messages that fail again stay in the queue.

Exit codes: 0 all redriven, 1 some failed again (left in the queue), 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord


@dataclass
class RedriveReport:
    received: int = 0
    redriven: int = 0
    failed: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "redriven": self.redriven,
            "failed": self.failed,
            "actions": dict(self.actions),
            "errors": self.errors[:20],
        }


def original_event(body: dict[str, Any]) -> dict[str, Any]:
    """The EventBridge event inside a DLQ message (rule DLQ) or on-failure destination record."""
    payload = body.get("requestPayload", body)
    if not isinstance(payload, dict):
        raise ValueError("message holds no EventBridge event")
    return payload


def _as_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3] if queue_arn.count(":") >= 3 else "",
    }


# Each redriven event's time limit: the event function's own timeout (template.yaml).
REDRIVE_DEADLINE_SECONDS = 25.0


def redrive(
    sqs: Any, queue_url: str, handle: Callable[[dict[str, Any]], dict[str, Any]], max_messages: int = 1000
) -> RedriveReport:
    report = RedriveReport()
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def record_handler(record: SQSRecord) -> dict[str, Any]:
        result = handle(original_event(json.loads(record.body)))
        report.actions[str(result.get("action", "done"))] += 1
        return result

    while report.received < max_messages:
        batch = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=min(10, max_messages - report.received),
            WaitTimeSeconds=0,
            VisibilityTimeout=120,
        ).get("Messages", [])
        if not batch:
            break
        report.received += len(batch)
        records = [_as_record(m, queue_arn) for m in batch]
        with processor(records=records, handler=record_handler):
            outcomes = processor.process()
        done = []
        for record, (status, detail, _) in zip(records, outcomes, strict=True):  # same order
            if status == "success":
                done.append({"Id": record["messageId"], "ReceiptHandle": record["receiptHandle"]})
            else:
                report.failed += 1
                report.errors.append(f"{record['messageId']}: {detail}")
        if done:
            sqs.delete_message_batch(QueueUrl=queue_url, Entries=done)
            report.redriven += len(done)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wrapguard-redrive", description=__doc__.split("\n\n")[0])
    parser.add_argument("--queue-url", required=True, help="EventsDeadLetterQueueUrl stack output")
    parser.add_argument("--max-messages", type=int, default=1000)
    parser.add_argument("--json", action="store_true", help="machine-readable report")
    args = parser.parse_args(argv)

    import boto3

    from ..runtime import build_event_processor, build_genesys
    from ..settings import EventSettings, SettingsError, load_settings

    try:
        settings = load_settings(EventSettings)
    except SettingsError as exc:
        print(f"wrapguard-redrive: {exc}", file=sys.stderr)
        return 2
    from ..aws.credentials import BotoSessionCredentials
    from ..domain.deadline import Deadline
    from .common import workstation_dynamodb

    session = BotoSessionCredentials()
    processor = build_event_processor(
        settings, build_genesys(settings, credentials=session, region=session.region), workstation_dynamodb()
    )

    def handle(event: dict[str, Any]) -> dict[str, Any]:
        # Each redriven event runs against its own deadline, as the event function would: the lease's
        # hold covers it and no Retry-After sleep outlives it (issue 15, D5).
        return processor.handle(event, deadline=Deadline.after(REDRIVE_DEADLINE_SECONDS)).to_response()

    report = redrive(boto3.client("sqs"), args.queue_url, handle, args.max_messages)
    if args.json:
        print(json.dumps(report.as_dict()))
    else:
        print(f"received {report.received}, redriven {report.redriven}, failed again {report.failed}")
        for action, count in sorted(report.actions.items()):
            print(f"  {action}: {count}")
        for error in report.errors[:20]:
            print(f"  error {error}", file=sys.stderr)
    return 1 if report.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
