"""Emulate Lambda's asynchronous invocation (as EventBridge uses it): bounded retries, then the
on-failure destination record to an SQS queue, shaped as Lambda sends it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .handlers import FakeLambdaContext


@dataclass
class AsyncResult:
    result: dict[str, Any] | None
    attempts: int
    dead_lettered: bool


def invoke_async(
    handler: Callable[[dict[str, Any], Any], dict[str, Any]],
    event: dict[str, Any],
    *,
    max_retries: int = 2,
    sqs: Any = None,
    queue_url: str | None = None,
    function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:WrapupEventsFunction",
) -> AsyncResult:
    error: Exception | None = None
    for attempt in range(1, max_retries + 2):
        try:
            return AsyncResult(handler(event, FakeLambdaContext()), attempt, dead_lettered=False)
        except Exception as exc:  # Lambda treats any raised error as a failed invocation
            error = exc
    if sqs is not None and queue_url is not None and error is not None:
        record = {
            "version": "1.0",
            "requestContext": {
                "requestId": "local",
                "functionArn": function_arn,
                "condition": "RetriesExhausted",
                "approximateInvokeCount": max_retries + 1,
            },
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": {"errorMessage": str(error), "errorType": type(error).__name__},
        }
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(record))
    return AsyncResult(None, max_retries + 1, dead_lettered=True)
