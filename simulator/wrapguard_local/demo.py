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
from .demo_ledger import show_ledger
from .dynamodb import local_dynamodb_server, use_local_aws
from .handlers import FakeLambdaContext, load_handler
from .local_setup import CREDENTIALS_SECRET_NAME, ROLE_ARN, STACK
from .local_setup import LocalStack as DeployedStack
from .policy_store import create_policy_store, policy_environment
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
            # Sections 1-5 show what wrapguard writes: this stack was deployed with DefaultMode=enforce
            # (a new stack observes by default); section 6 shows the modes per queue.
            "WRAPGUARD_DEFAULT_MODE": "enforce",
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
        "LedgerTable": "LEDGER_TABLE_NAME",
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


def policy_cli(note: str, *argv: str, outputs: str, keep: int = 9) -> None:
    """`wrapguard-setup --outputs ... policy ARGV` in-process, its output abridged to the changed lines."""
    from wrapguard.cli.setup import main as setup

    print(f"\n   $ wrapguard-setup policy {' '.join(argv)}{'   # ' + note if note else ''}")
    out = io.StringIO()
    code = setup(["--outputs", outputs, "policy", *argv], out=out)
    lines = [line for line in out.getvalue().splitlines() if not line.startswith((" ", "@@")) and line.strip()]
    shown = lines if len(lines) <= keep else [*lines[: keep - 2], f"... ({len(lines) - keep + 1} more)", lines[-1]]
    for line in shown:  # the last line says which version was deployed
        print(f"   {line}")
    print(f"   (exit {code})")
    if code != 0:
        raise RuntimeError(f"wrapguard-setup policy {argv[0]} exited {code}")


def use_policy_store(stack: LocalStack) -> str:
    """The stack's runtime policy store (template.yaml's Policy* resources) in the local AWS server, the
    functions pointed at it, and the stack outputs file `wrapguard-setup` reads; returns that file."""
    ids = create_policy_store(boto3.client("appconfig"), STACK)  # deploys "{}", the WrapupPolicy default
    # POLICY_REFRESH_SECONDS=0 is for the demo only: every invocation asks AppConfig (deployed: 30 s).
    os.environ.update({**policy_environment(ids), "POLICY_REFRESH_SECONDS": "0"})
    outputs = {
        "GenesysDataActionRoleArn": ROLE_ARN,
        "ApplyWrapupFunctionAliasArn": DeployedStack(tables=stack.tables, org_id=stack.sim.org_id).alias_arn,
        "GenesysOrgId": stack.sim.org_id,
        "GenesysCredentialsSecretName": CREDENTIALS_SECRET_NAME,
        "FailuresTableName": stack.tables["FailuresTable"],
        "StagedCodesTableName": stack.tables["StagedCodesTable"],
        **ids,
    }
    path = REPO_ROOT / "build" / "demo-stack-outputs.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(outputs, indent=2))
    return str(path)


def run_rollout(stack: LocalStack) -> None:
    """Issue 17: Support observed and Sales enforced in the same run, then Support switched to enforce at
    run time through AppConfig. The same warm functions answer; only the policy they read changed."""
    sim = stack.sim
    resolved, escalated = list(data.CODES)[:2]
    outputs = use_policy_store(stack)
    print(
        "   local stack: AppConfig application/environment/profile/strategy created from template.yaml;"
        "\n   functions given POLICY_APPCONFIG_* and POLICY_REFRESH_SECONDS=0 (local only: read every invocation)"
    )
    modes = {data.SUPPORT_QUEUE: "observe", data.SALES_QUEUE: "enforce"}
    document = {"queues": {queue: {"mode": mode, "defaultCodeId": resolved} for queue, mode in modes.items()}}
    rollout = REPO_ROOT / "build" / "demo-policy.json"
    rollout.write_text(json.dumps(document, indent=2))
    policy_cli("", "set", str(rollout.relative_to(REPO_ROOT)), outputs=outputs)
    apply_fn, events_fn = load_handler("apply_wrapup"), load_handler("wrapup_events")
    start = datetime.now(UTC) - timedelta(minutes=12)  # ended before the reconciler's settle time
    rows: list[list[str]] = []
    observed: list[tuple[str, str]] = []

    def call(step: str, queue: str, path: str, minute: int) -> None:
        agent = data.AGENT_USER if queue == data.SUPPORT_QUEUE else data.SECOND_AGENT
        cid, pid = sim.new_call(queue, agent, start=start + timedelta(minutes=minute))
        (user_end,) = sim.agent_disconnect(cid, pid, at=start + timedelta(minutes=minute + 1))
        with redirect_stdout(io.StringIO()):  # EMF metric lines
            if path == "data action":
                request = {"conversationId": cid, "participantId": pid, "wrapupCodeId": escalated}
                answer = str(apply_fn.lambda_handler(request, FakeLambdaContext())["outcome"])
            else:
                answer = str(events_fn.lambda_handler(user_end, FakeLambdaContext())["action"])
        code = data.CODES.get(sim.applied_code(cid, pid) or "", "-")
        rows.append(
            [step, data.NAMES[queue], modes[queue], path, answer, f"{code} (PATCH x{sim.apply_count(cid, pid)})"]
        )
        if code == "-":  # the agent leaves it uncoded: the reconciler will find it missing
            observed.append((cid, pid))
            sim.skip_acw(cid, pid, at=start + timedelta(minutes=minute + 2))
        else:
            sim.complete_acw(cid, pid, at=start + timedelta(minutes=minute + 2))

    patches = sim.counters["patch_participant"]
    for minute, (queue, path) in enumerate(
        [(q, p) for q in (data.SUPPORT_QUEUE, data.SALES_QUEUE) for p in ("data action", "user.end (policy code)")]
    ):
        call("before", queue, path, minute)
    before = sim.counters["patch_participant"] - patches
    print(render(rows, ["when", "queue", "mode", "path", "answer", "code at Genesys"]))
    print(f"   PATCH calls: {before} (Sales only); Support's would-be codes are kept as observations")
    use_admin_client(sim)  # the queue name is resolved through Genesys (the simulator)
    policy_cli("name resolved through Genesys", "mode", "enforce", "--queue", "Support", outputs=outputs)
    modes[data.SUPPORT_QUEUE] = "enforce"
    print("   (the same warm functions read it from AppConfig on their next invocation; nothing redeployed)")
    rows.clear()
    call("after", data.SUPPORT_QUEUE, "data action", 4)
    call("after", data.SUPPORT_QUEUE, "user.end (policy code)", 5)
    print(render(rows, ["when", "queue", "mode", "path", "answer", "code at Genesys"]))
    show_observations(observed[0])


def show_observations(observed: tuple[str, str]) -> None:
    """What observe mode kept, and the reconciler's view of the participant Support left uncoded."""
    print("\n   $ wrapguard-review list --status observed   # what observe mode kept (not shown as open failures)")
    review(["list", "--status", "observed", "--limit", "5"])
    with redirect_stdout(io.StringIO()):
        report = load_handler("reconcile").lambda_handler({}, FakeLambdaContext())
    print(
        f"\n   reconcile pass: {report['missing']} participant(s) found without a code, of which "
        f"{report['would_fix']} observe mode had a code for (wouldFix); see stats below"
    )
    from wrapguard.store.failures import FailureStore

    store = FailureStore(local_db(), os.environ["FAILURES_TABLE_NAME"])
    item = store.get(*observed, deadline=Deadline.unbounded()) or {}
    print(
        f"   {short(observed[0])}: now status {item.get('status')} ({item.get('reason')}), the observation kept: "
        f"observedCodeId {data.CODES.get(str(item.get('observedCodeId')), '-')} from {item.get('observedSource')}"
    )


ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET = "wrapguard-demo-admin", "demo-admin-secret-not-shown"


def use_admin_client(sim: SimulatorState) -> None:
    """The Genesys admin OAuth client `wrapguard-setup` uses (never printed)."""
    sim.add_client(ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET)
    os.environ.update({"GENESYS_ADMIN_CLIENT_ID": ADMIN_CLIENT_ID, "GENESYS_ADMIN_CLIENT_SECRET": ADMIN_CLIENT_SECRET})


def run_setup(stack: LocalStack) -> None:
    """What an admin runs after `sam deploy`: wrapguard-setup against the simulator and the local AWS server."""
    from wrapguard.cli.setup import main as setup

    use_admin_client(stack.sim)
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
        print("\n6. Rolling out: Support observed, Sales enforced; then Support switched to enforce at run time")
        run_rollout(stack)
        print("\n7. Deploy, the Genesys side: wrapguard-setup (simulator + local AWS server; secrets never shown)")
        run_setup(stack)
        report_compliance()
        show_ledger()
    return 0


def report_compliance() -> None:
    """The manager's view: compliance (reconciler) and failures (every source) by queue and agent."""
    print(
        "\n8. `wrapguard-review stats --by queue` (names from Genesys; compliance = coded / checked; wouldApply ="
        " codes observe mode did not write; wouldFix = missing ones it had a code for)"
    )
    review(["stats", "--since", "1d", "--by", "queue"])
    target = REPO_ROOT / "build" / "wrapguard-report.html"
    target.parent.mkdir(exist_ok=True)
    with redirect_stderr(io.StringIO()):
        review(["report", "--html", str(target), "--since", "1d"])
    print(f"\n9. `wrapguard-review report --html`: {target.relative_to(REPO_ROOT)} (open it in a browser)")


if __name__ == "__main__":
    raise SystemExit(main())
