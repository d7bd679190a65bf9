"""The data action loads no boto3 (nor any botocore module) for ANY outcome: it talks to AWS only through aws/ (httpx).

Each outcome runs through the real handler in a fresh interpreter (a cold container) against the
simulator and the local AWS server; the child reports what was imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.support.world import World

pytestmark = pytest.mark.integration

CHILD = """
import json, sys
from wrapguard_local.handlers import FakeLambdaContext, load_handler
handler = load_handler("apply_wrapup")
outcomes = [handler.lambda_handler(event, FakeLambdaContext())["outcome"] for event in json.loads(sys.argv[1])]
heavy = sorted(m for m in sys.modules if m == "boto3" or m.startswith(("boto3.", "botocore.", "s3transfer")))
print(json.dumps({"outcomes": outcomes, "heavy": heavy}))
"""


def test_no_boto3_for_applied_staged_superseded_or_failure_recorded(function_env: dict[str, Any], world: World) -> None:
    applied = world.call_in_acw()
    superseded = world.call_in_acw()
    closed = world.call_in_acw()
    world.sim.complete_acw(*closed)
    talking = world.sim.new_call(world.support_queue)  # still talking: the code is staged

    def event(call: tuple[str, str], code: str) -> dict[str, str]:
        return {"conversationId": call[0], "participantId": call[1], "wrapupCodeId": code}

    events = [
        event(applied, world.resolved),
        event(talking, world.resolved),
        event(superseded, world.resolved),
        event(superseded, world.escalated),  # loses to wrapguard's own code: superseded, intent recorded
        event(closed, world.resolved),  # window closed: failed, recorded
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(events)], capture_output=True, text=True, env=env, timeout=120
    )
    assert child.returncode == 0, child.stderr[-2000:]
    report = json.loads(child.stdout.strip().splitlines()[-1])
    assert report["outcomes"] == ["applied", "staged", "applied", "superseded", "failed"]
    # The bare `botocore` package (its __init__, ~1 ms) is imported by Powertools itself
    # (aws_lambda_powertools/shared/user_agent.py); no botocore module, no boto3.
    assert report["heavy"] == []
