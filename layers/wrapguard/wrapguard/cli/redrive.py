"""wrapguard-redrive: hand dead-lettered EventBridge events back to the deployed events function.

  wrapguard-redrive [--stack-name S] [--region R] [--profile P] [--queue-url URL] [--max-messages N] [--json]

The queue holds two kinds of messages: events the rule could not deliver (the message body is the
event) and invocations that failed after Lambda's retries (an on-failure destination record whose
`requestPayload` is the event). For each, the CLI invokes the events function (RequestResponse) with
the original event, so the function's own path - idempotency, participant lease, deadline, Genesys
secret - handles it exactly as a delivery from the rule would; the message is deleted only when the
function answered without error. The CLI holds no idempotency record, lease or secret: an interrupted
redrive leaves each message in the queue (visible again after REDRIVE_VISIBILITY_SECONDS) and each
event's idempotency record as the function left it (completed or failed there), so nothing blocks it.

Queue and function come from the stack (EventsDeadLetterQueueUrl, WrapupEventsFunctionArn outputs);
--queue-url, WRAPGUARD_DEAD_LETTER_QUEUE_URL and WRAPGUARD_EVENTS_FUNCTION override them.
Exit codes: the shared table (exit_codes.py); 3 when some messages failed again (left in the queue).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from pydantic import BaseModel, ConfigDict, Field

from ..settings import ReviewSettings, load_settings
from .common import Parser
from .exit_codes import EXIT_CODES_HELP, CliError, ExitCode, run_guarded
from .invoke import FunctionFailed, Invoker, lambda_invoker
from .stack_config import Configuration, add_stack_options, locate

PROG = "wrapguard-redrive"

# How long a received message stays invisible to other readers: longer than one invocation of the
# events function (25 s timeout) plus the Invoke's own overhead, short enough that an interrupted
# redrive's message is back in the queue within a minute.
REDRIVE_VISIBILITY_SECONDS = 60


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

    def summary(self) -> str:
        return f"received {self.received}, redriven {self.redriven}, failed again {self.failed}"


class EventAnswer(BaseModel):
    """What the events function answers (EventResult.to_response): only the action is read here."""

    model_config = ConfigDict(extra="ignore")

    action: str = Field(default="done", max_length=100)


class Interrupted(CliError):
    exit_code = ExitCode.INTERRUPTED


def original_event(body: str) -> dict[str, Any]:
    """The EventBridge event inside a DLQ message (rule DLQ) or on-failure destination record."""
    try:
        message = json.loads(body)
    except ValueError:
        raise ValueError("message body is not JSON") from None
    payload = message.get("requestPayload", message) if isinstance(message, dict) else None
    if not isinstance(payload, dict) or "detail" not in payload:
        raise ValueError("message holds no EventBridge event")
    return payload


def redrive(sqs: Any, queue_url: str, function: str, invoke: Invoker, max_messages: int = 1000) -> RedriveReport:
    """One message at a time: at most one event is in flight, so an interruption strands nothing else."""
    report = RedriveReport()
    seen: set[str] = set()
    try:
        while report.received < max_messages:
            messages = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=1,
                # A long poll asks every SQS server: a short poll (0) samples some and can answer empty
                # while messages remain, which would end the redrive early and report it done.
                WaitTimeSeconds=1,
                VisibilityTimeout=REDRIVE_VISIBILITY_SECONDS,
            ).get("Messages", [])
            if not messages or messages[0]["MessageId"] in seen:  # empty, or back round to one that failed
                break
            message = messages[0]
            seen.add(message["MessageId"])
            report.received += 1
            try:
                answer = EventAnswer.model_validate(invoke(function, None, original_event(message["Body"])) or {})
            except (ValueError, FunctionFailed) as exc:  # left in the queue for a later run or a person
                report.failed += 1
                report.errors.append(f"{message['MessageId']}: {exc}")
                continue
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            report.redriven += 1
            report.actions[answer.action] += 1
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted: {report.summary()}; the rest stay in the queue") from None
    return report


def build_parser() -> Parser:
    parser = Parser(
        prog=PROG,
        description=(__doc__ or "").split("\n\n")[0],
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_stack_options(parser, PROG, nested=False)
    parser.add_argument("--queue-url", help="dead-letter queue (default: the stack's EventsDeadLetterQueueUrl)")
    parser.add_argument("--max-messages", type=int, default=1000)
    parser.add_argument("--json", action="store_true", help="machine-readable report")
    return parser


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    *,
    err: TextIO | None = None,
    invoker: Invoker | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr

    def body() -> int:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:  # --help, --version
            return int(exc.code or 0)
        env = load_settings(ReviewSettings)
        config = Configuration(locate(args))
        queue_url = config.value(
            "EventsDeadLetterQueueUrl",
            ("--queue-url", args.queue_url),
            ("env WRAPGUARD_DEAD_LETTER_QUEUE_URL", env.wrapguard_dead_letter_queue_url),
        )
        function = config.value(
            "WrapupEventsFunctionArn", ("env WRAPGUARD_EVENTS_FUNCTION", env.wrapguard_events_function)
        )
        sqs = config.session.client("sqs")
        report = redrive(sqs, queue_url, function, invoker or lambda_invoker(config.session), args.max_messages)
        if args.json:
            print(json.dumps(report.as_dict()), file=out)
        else:
            print(report.summary(), file=out)
            for action, count in sorted(report.actions.items()):
                print(f"  {action}: {count}", file=out)
            for error in report.errors[:20]:
                print(f"{PROG}: {error}", file=err)
        return ExitCode.NOT_DONE if report.failed else ExitCode.OK

    return run_guarded(PROG, body, err)


if __name__ == "__main__":
    raise SystemExit(main())
