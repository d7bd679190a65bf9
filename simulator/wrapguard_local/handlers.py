"""Run the real function handlers locally: import app.py fresh (as a new container would) and give it a context."""

from __future__ import annotations

import importlib.util
import itertools
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
_counter = itertools.count()


def load_handler(function_dir: str) -> ModuleType:
    name = f"wrapguard_fn_{function_dir}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, FUNCTIONS / function_dir / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class FakeLambdaContext:
    function_name: str = "wrapguard-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:wrapguard-test"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout_seconds: float = 25.0
    started: float = field(default_factory=lambda: time.monotonic())  # noqa: PLW0108 - late-bound: compressed_time.py patches it

    def get_remaining_time_in_millis(self) -> int:
        return int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000)
