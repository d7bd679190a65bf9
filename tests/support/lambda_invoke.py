"""Lambda Invoke, in-process: the real handlers behind the CLIs' invoker, as the Lambda service runs them.

The local Lambda cannot run our code without Docker, so the CLI tests give the CLI this invoker: the
payload goes through JSON both ways, the handler gets a fresh context (its own deadline), and a handler
that raises becomes an answer with FunctionError set, read by the CLI's own `read_answer`.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from wrapguard.cli.invoke import read_answer
from wrapguard_local.handlers import FakeLambdaContext


@dataclass
class InProcessLambda:
    """function ARN (qualified with its alias when the CLI passes one) -> the handler module answering it."""

    functions: dict[str, ModuleType]
    calls: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)

    def __call__(self, function: str, qualifier: str | None, payload: dict[str, Any]) -> Any:
        self.calls.append((function, qualifier, payload))
        handler = self.functions[f"{function}:{qualifier}" if qualifier else function]
        event = json.loads(json.dumps(payload))
        answer: dict[str, Any] = {"StatusCode": 200}
        try:
            with redirect_stdout(io.StringIO()):  # EMF metric lines: not for the reader
                result = handler.lambda_handler(event, FakeLambdaContext())
            body = json.dumps(result)
        except Exception as exc:  # what the Lambda service answers for an unhandled error
            answer["FunctionError"] = "Unhandled"
            body = json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc), "stackTrace": ["..."]})
        answer["Payload"] = io.BytesIO(body.encode())
        return read_answer(function, answer)
