"""Asking a deployed function to act: one synchronous Lambda Invoke (RequestResponse), answer or error.

The CLIs never write wrap-ups or idempotency records themselves: `retry` invokes the data action's
`live` alias and `redrive` the events function, each of which runs with its own deadline, lease clock
and Genesys secret. A function that raised answers with FunctionError set; that is a `FunctionFailed`
(exit code REFUSED), its message the function's errorType and errorMessage (never a stack trace).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeAlias

from .exit_codes import RefusedError, one_line

# Longer than any function's timeout (data action 20 s, events 25 s in template.yaml), so the answer of a
# slow invocation is read rather than abandoned while the function still runs.
INVOKE_READ_TIMEOUT_SECONDS = 70.0

# function name or ARN, qualifier (alias) or None, JSON payload -> the function's JSON answer
Invoker: TypeAlias = Callable[[str, str | None, dict[str, Any]], Any]


class FunctionFailed(RefusedError):
    """The function ran and raised (FunctionError), or its answer was not JSON."""

    def __init__(self, function: str, error_type: str, message: str) -> None:
        self.function = function
        self.error_type = error_type
        super().__init__(f"{function}: {error_type}: {one_line(message, 240)}")


def read_answer(function: str, answer: dict[str, Any]) -> Any:
    """The JSON payload of an Invoke answer; FunctionFailed when the function raised or answered garbage."""
    raw = answer["Payload"].read()
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        raise FunctionFailed(function, "BadAnswer", "the function's answer is not JSON") from None
    if answer.get("FunctionError"):
        error = payload if isinstance(payload, dict) else {}
        raise FunctionFailed(
            function, str(error.get("errorType") or answer["FunctionError"]), str(error.get("errorMessage") or "")
        )
    return payload


def lambda_invoker(session: Any) -> Invoker:
    """Invoke over the workstation's boto3 session (lambda:InvokeFunction on the function is all it needs)."""
    from botocore.config import Config

    return invoker_for(
        session.client("lambda", config=Config(read_timeout=INVOKE_READ_TIMEOUT_SECONDS, retries={"mode": "standard"}))
    )


def invoker_for(client: Any) -> Invoker:
    def invoke(function: str, qualifier: str | None, payload: dict[str, Any]) -> Any:
        extra = {"Qualifier": qualifier} if qualifier else {}
        answer = client.invoke(
            FunctionName=function,
            InvocationType="RequestResponse",
            Payload=json.dumps(payload).encode(),
            **extra,
        )
        return read_answer(function, answer)

    return invoke
