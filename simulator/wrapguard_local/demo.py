"""The local demo: simulator + local DynamoDB + the events/ samples through the real handlers.

Run with `make demo` (or `python -m wrapguard_local.demo`). Nothing here talks to AWS or Genesys.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from genesys_simulator import SimulatorState, running_simulator
from wrapguard.aws.wiring import local_db
from wrapguard.cli.review import main as review
from wrapguard.cli.tables import render
from wrapguard.domain.deadline import Deadline
from wrapguard.settings import WRAPUP_TIMEOUT_CODE

from . import demo_data as data
from .dynamodb import local_dynamodb_server, use_local_aws
from .handlers import FakeLambdaContext, load_handler
from .local_setup import LocalStack as DeployedStack
from .template import REPO_ROOT, create_tables

EVENTS = REPO_ROOT / "events"

DATA_ACTION_SAMPLES = [
    ("apply-wrapup-applied.json", "agent in after-call work, code by id"),
    ("apply-wrapup-already-applied.json", "same code again, by name, agent found by the function"),
    ("apply-wrapup-window-closed.json", "agent already left after-call work"),
    ("apply-wrapup-unknown-code.json", "code name that is not on the queue"),
    ("apply-wrapup-malformed.json", "malformed input (flow takes its Failure path)"),
    ("apply-wrapup-stage.json", "agent still talking: code staged for later"),
]


@dataclass
class LocalStack:
    sim: SimulatorState
    env: dict[str, str]
    tables: dict[str, str]


@contextmanager
def local_stack() -> Iterator[LocalStack]:
    """Simulator + DynamoDB server + tables from template.yaml, and the function environment."""
    state = SimulatorState()
    data.seed(state)
    with local_dynamodb_server() as ddb_url, running_simulator(state) as sim:
        use_local_aws(ddb_url)
        tables = create_tables(boto3.client("dynamodb"), prefix="demo-")
        env = {
            "GENESYS_API_URL": sim.url,
            "GENESYS_LOGIN_URL": sim.url,
            "GENESYS_CLIENT_ID": data.CLIENT_ID,
            "GENESYS_CLIENT_SECRET": data.CLIENT_SECRET,
            "POWERTOOLS_LOG_LEVEL": "ERROR",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
            **{_env_name(logical): name for logical, name in tables.items()},
        }
        os.environ.update(env)
        yield LocalStack(state, env, tables)


def _env_name(logical_id: str) -> str:
    return {
        "FailuresTable": "FAILURES_TABLE_NAME",
        "StagedCodesTable": "STAGED_CODES_TABLE_NAME",
        "IdempotencyTable": "IDEMPOTENCY_TABLE_NAME",
        "ReconcileCheckpointTable": "CHECKPOINT_TABLE_NAME",
        "LeaseTable": "LEASE_TABLE_NAME",
        "ComplianceTable": "COMPLIANCE_TABLE_NAME",
    }.get(logical_id, logical_id.upper())


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())  # type: ignore[no-any-return]


def short(value: Any) -> str:
    text = str(value)
    return "…" + text[-6:] if len(text) == 36 and text.count("-") == 4 else text


def run_data_action_samples() -> list[list[str]]:
    handler = load_handler("apply_wrapup")
    rows = []
    for name, what in DATA_ACTION_SAMPLES:
        try:
            with redirect_stdout(io.StringIO()):  # EMF metric lines: not for the demo reader
                result = handler.lambda_handler(load_event(name), FakeLambdaContext())
            detail = result.get("failureReason") or result.get("wrapupCodeName") or ""
            rows.append([name, what, result["outcome"], detail])
        except Exception as exc:  # the demo shows what Lambda would report
            rows.append([name, what, f"raised {type(exc).__name__}", str(exc)[:70]])
    return rows


def run_event_walkthrough(sim: SimulatorState) -> list[list[str]]:
    """Conversation 3 (code staged above) and conversation 5 (agent skips wrap-up), event by event."""
    handler = load_handler("wrapup_events")
    staged_cid, staged_pid = data.TALKING
    skipped_cid, skipped_pid = data.SKIPS_WRAPUP
    steps: list[tuple[str, Callable[[], object], str]] = [
        (
            "agent hangs up: after-call work starts",
            lambda: sim.agent_disconnect(staged_cid, staged_pid),
            "eventbridge-user-end.json",
        ),
        ("same event delivered again", lambda: None, "eventbridge-user-end.json"),
        (
            "agent completes after-call work",
            lambda: sim.complete_acw(staged_cid, staged_pid),
            "eventbridge-acw-complete.json",
        ),
        (
            "agent hangs up (nothing staged, no policy)",
            lambda: sim.agent_disconnect(skipped_cid, skipped_pid),
            "eventbridge-user-end-skips-wrapup.json",
        ),
        (
            "after-call work ends with no code",
            lambda: sim.skip_acw(skipped_cid, skipped_pid),
            "eventbridge-acw-missing-wrapup.json",
        ),
    ]
    rows = []
    for what, change, sample in steps:
        change()
        with redirect_stdout(io.StringIO()):
            result = handler.lambda_handler(load_event(sample), FakeLambdaContext())
        cid, pid = result["conversationId"], result["participantId"]
        code = sim.applied_code(cid, pid)
        rows.append(
            [
                short(cid),
                what,
                sample,
                str(result["action"]),
                f"{data.CODES.get(code or '', '-')} (PATCH x{sim.apply_count(cid, pid)})",
            ]
        )
    return rows


def run_reconcile_pass(sim: SimulatorState) -> dict[str, object]:
    """Traffic from 40 minutes ago on two queues: 12 calls, 4 left without a wrap-up code and 1 with only
    the platform's wrap-up timeout code (a placeholder: counts as missing)."""
    start = datetime.now(UTC) - timedelta(minutes=40)
    codes = list(data.CODES)
    for i in range(12):
        queue, agent = (data.SUPPORT_QUEUE, data.AGENT_USER) if i % 2 == 0 else (data.SALES_QUEUE, data.SECOND_AGENT)
        cid, pid = sim.new_call(queue, agent, start=start + timedelta(minutes=i))
        sim.agent_disconnect(cid, pid, at=start + timedelta(minutes=i, seconds=90))
        if i % 3 == 0:
            sim.skip_acw(cid, pid, at=start + timedelta(minutes=i + 2))
        else:
            code = WRAPUP_TIMEOUT_CODE if i == 5 else codes[i % len(codes)]
            sim.complete_acw(cid, pid, agent_code=code, at=start + timedelta(minutes=i + 2))
    handler = load_handler("reconcile")
    with redirect_stdout(io.StringIO()):
        return dict(handler.lambda_handler({}, FakeLambdaContext()))


def failure_rows() -> list[list[str]]:
    from wrapguard.store.failures import FailureStore

    store = FailureStore(local_db(), os.environ["FAILURES_TABLE_NAME"])
    items = sorted(store.scan(deadline=Deadline.unbounded()), key=lambda i: str(i["lastSeen"]))
    return [
        [
            short(i["conversationId"]),
            short(i["participantId"]),
            str(i["reason"]),
            str(i["status"]),
            str(i["source"]),
            str(i["attempts"]),
            str(i.get("httpStatus", "")),
            str(i.get("message", ""))[:60],
        ]
        for i in items
    ]


def run_setup(stack: LocalStack) -> None:
    """What an admin runs after `sam deploy`: wrapguard-setup against the simulator and the local AWS server."""
    from wrapguard.cli.setup import main as setup

    admin_id, admin_secret = "wrapguard-demo-admin", "demo-admin-secret-not-shown"
    stack.sim.add_client(admin_id, admin_secret)
    os.environ.update({"GENESYS_ADMIN_CLIENT_ID": admin_id, "GENESYS_ADMIN_CLIENT_SECRET": admin_secret})
    aws = DeployedStack(tables=stack.tables, org_id=stack.sim.org_id)
    aws.deploy()  # the first `sam deploy` (no GenesysEventSourceName yet)
    aws.connect(stack.sim)

    def step(note: str, *argv: str) -> str:
        print(f"\n   $ wrapguard-setup {' '.join(argv)}{'   # ' + note if note else ''}")
        out = io.StringIO()
        with redirect_stdout(io.StringIO()):  # the probe's EMF metric line
            code = setup(list(argv), out=out)
        for line in out.getvalue().splitlines()[1:]:  # the header repeats the org id
            print(f"   {line}")
        print(f"   (exit {code})")
        return out.getvalue()

    step("what would change on an empty org", "plan", "--events", "--create-client")
    applied = step("", "apply", "--events", "--create-client")
    step("again: idempotent by name", "apply", "--events", "--create-client")
    source = next(line.split("=", 1)[1] for line in applied.splitlines() if "GenesysEventSourceName=" in line)
    print("\n   $ sam deploy --parameter-overrides GenesysEventSourceName=...   # (local: bus, queue, alarms added)")
    aws.deploy(event_source=source)
    step("", "verify", "--events")


def main() -> int:
    with local_stack() as stack:
        print("wrapguard local demo: Genesys Cloud simulator + local DynamoDB server (tables from template.yaml)\n")
        print("1. Data action samples from events/ through ApplyWrapupFunction's handler")
        print(render(run_data_action_samples(), ["sample", "situation", "outcome", "detail"]))
        cid, pid = data.IN_ACW
        print(
            f"\n   simulator: code on {short(cid)} is {data.CODES.get(stack.sim.applied_code(cid, pid) or '', '-')}"
            f"; PATCH calls made: {stack.sim.counters['patch_participant']}"
        )
        print("\n2. EventBridge events from events/ through WrapupEventsFunction's handler")
        print(
            render(
                run_event_walkthrough(stack.sim),
                ["conversation", "what happened", "event", "action", "code at Genesys"],
            )
        )
        report = run_reconcile_pass(stack.sim)
        print(f"\n3. Reconcile pass over the analytics details ({report['interval']}):")
        counted = report["counted"]
        assert isinstance(counted, dict)
        print(
            f"   {report['conversations']} conversations in {report['pages']} page(s), {report['in_progress']} still "
            f"in progress, {report['missing']} agent participant(s) without a real wrap-up code "
            f"({report['placeholder']} with only a placeholder), {report['recorded']} recorded; "
            f"compliance counted for {counted['checked']} participant(s)"
        )
        print("\n4. `wrapguard-review list --source reconcile`")
        review(["list", "--source", "reconcile", "--limit", "5"])
        print("\n5. Failure table (all items)")
        print(
            render(
                failure_rows(),
                ["conversation", "participant", "reason", "status", "source", "attempts", "http", "message"],
            )
        )
        print("\n6. Deploy, the Genesys side: wrapguard-setup (simulator + local AWS server; secrets never shown)")
        run_setup(stack)
        report_compliance()
    return 0


def report_compliance() -> None:
    """The manager's view: compliance (reconciler) and failures (every source) by queue and agent."""
    print("\n7. `wrapguard-review stats --by queue,agent` (names from Genesys; compliance = coded / checked)")
    review(["stats", "--since", "1d", "--by", "queue,agent"])
    target = REPO_ROOT / "build" / "wrapguard-report.html"
    target.parent.mkdir(exist_ok=True)
    with redirect_stderr(io.StringIO()):
        review(["report", "--html", str(target), "--since", "1d"])
    print(f"\n8. `wrapguard-review report --html`: {target.relative_to(REPO_ROOT)} (open it in a browser)")


if __name__ == "__main__":
    raise SystemExit(main())
