"""wrapguard-setup policy: read, check and change the runtime wrap-up policy the functions poll from AppConfig.

  wrapguard-setup policy show                                  the deployed policy (canonical JSON)
  wrapguard-setup policy validate FILE                         check a document against the policy model (offline)
  wrapguard-setup policy set FILE [--dry-run]                  validate, print the diff, deploy
  wrapguard-setup policy mode observe|enforce|off [--queue ID|NAME]... [--dry-run]

`mode` with no --queue sets the policy's top-level mode. `observe` and `off` without --queue are the kill
switch: they also clear every queue-level `enforce` (listed, with the command that restores them), so no
queue keeps writing; `enforce` leaves queue-level modes alone. Queue names are resolved through Genesys
(GET /api/v2/routing/queues?name=, docs/genesys-api-notes.md s14); ids need no Genesys client, so the kill
switch works with AWS credentials alone.

Writes are CreateHostedConfigurationVersion + StartDeployment with the stack's instant strategy (outputs
PolicyApplicationId, PolicyEnvironmentId, PolicyProfileId, PolicyDeploymentStrategyId); AppConfig runs the
stack's JSON Schema validator, the same model's schema, before it deploys. The functions pick a deployment
up within POLICY_EFFECT_SECONDS. FILE may be `-` for stdin. Exit codes: main.py's table.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from ...domain.deadline import Deadline
from ...domain.policy import Mode, QueuePolicy, WrapupPolicy
from ..exit_codes import CliError, ExitCode
from .errors import UsageError
from .stack import StackOutputs

# README "Operating wrapguard": POLICY_REFRESH_SECONDS (default 30) plus one AppConfig poll.
POLICY_EFFECT_SECONDS = 45
COMMAND_SECONDS = 120.0  # the whole command, deployment wait included
QUEUE_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Deployments that are (becoming) what the functions read; ROLLING_BACK, ROLLED_BACK and REVERTED are not.
LIVE_STATES = frozenset({"BAKING", "VALIDATING", "DEPLOYING", "COMPLETE"})
STOP_WRITING = frozenset({Mode.OBSERVE, Mode.OFF})


class PolicyConflict(CliError):
    """The deployed policy changed while this command ran, or the deployed one cannot be changed."""

    exit_code = ExitCode.NOT_DONE


# --- the document ---------------------------------------------------------------------------------------
def canonical(document: Any) -> str:
    """How policies are shown and diffed: sorted keys, 2-space indent."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def parse_policy(text: str, where: str) -> WrapupPolicy:
    """The document as the functions will read it, or UsageError naming each field (one line)."""
    try:
        return WrapupPolicy.model_validate_json(text)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            location = ".".join(str(part) for part in error["loc"]) or "(document)"
            problems.append(f"{location}: {error['msg']}")
        raise UsageError(f"{where}: not a valid policy: {'; '.join(problems)}") from None


def unified_diff(before: str, after: str, before_label: str, after_label: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), before_label, after_label
    )
    return "".join(lines)


@dataclass(frozen=True)
class ModeChange:
    """One queue-level mode the command changed (`queue` None: the top level; "default": unlisted queues)."""

    queue: str | None
    before: Mode | None
    after: Mode | None

    def as_json(self) -> dict[str, str | None]:
        return {
            "queue": self.queue,
            "before": self.before.value if self.before else None,
            "after": self.after.value if self.after else None,
        }


def switch_mode(policy: WrapupPolicy, mode: Mode, queue_ids: Sequence[str]) -> tuple[WrapupPolicy, list[ModeChange]]:
    """`policy` with `mode` set on `queue_ids`, or (none given) at the top level; `observe`/`off` at the top
    level also clear every queue-level `enforce` (the kill switch: after it, no queue writes)."""
    queues = dict(policy.queues)
    default = policy.default
    changes: list[ModeChange] = []
    top = policy.mode
    if queue_ids:
        for queue_id in queue_ids:
            rule = queues.get(queue_id, QueuePolicy())
            if rule.mode is not mode:
                changes.append(ModeChange(queue_id, rule.mode, mode))
            queues[queue_id] = rule.model_copy(update={"mode": mode})
    else:
        if top is not mode:
            changes.append(ModeChange(None, top, mode))
        top = mode
        if mode in STOP_WRITING:
            for queue_id, rule in sorted(queues.items()):
                if rule.mode is Mode.ENFORCE:
                    changes.append(ModeChange(queue_id, Mode.ENFORCE, None))
                    queues[queue_id] = rule.model_copy(update={"mode": None})
            if default is not None and default.mode is Mode.ENFORCE:
                changes.append(ModeChange("default", Mode.ENFORCE, None))
                default = default.model_copy(update={"mode": None})
    updated = policy.model_copy(update={"mode": top, "queues": queues, "default": default})
    # Round-trip through the model: what is deployed is exactly what the functions will parse.
    return WrapupPolicy.model_validate(updated.to_document()), changes


def restore_command(changes: Iterable[ModeChange]) -> str | None:
    """The command that gives back the queue-level `enforce` a kill switch cleared."""
    cleared = [c.queue for c in changes if c.before is Mode.ENFORCE and c.after is None and c.queue]
    queues = [q for q in cleared if q != "default"]
    if not queues:
        return None
    return "wrapguard-setup policy mode enforce " + " ".join(f"--queue {q}" for q in queues)


# --- AppConfig ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PolicyLocation:
    application: str
    environment: str
    profile: str
    strategy: str

    @classmethod
    def from_outputs(cls, outputs: StackOutputs) -> PolicyLocation:
        named = {
            "PolicyApplicationId": outputs.policy_application_id,
            "PolicyEnvironmentId": outputs.policy_environment_id,
            "PolicyProfileId": outputs.policy_profile_id,
            "PolicyDeploymentStrategyId": outputs.policy_strategy_id,
        }
        missing = [name for name, value in named.items() if not value]
        if missing:
            raise UsageError(
                f"the stack outputs have no {', '.join(missing)}: deploy the stack with this version (README, Deploy)"
            )
        return cls(
            str(outputs.policy_application_id),
            str(outputs.policy_environment_id),
            str(outputs.policy_profile_id),
            str(outputs.policy_strategy_id),
        )


@dataclass(frozen=True)
class Deployed:
    """What the functions read now: the latest live deployment of the profile (None: nothing deployed)."""

    deployment: int | None = None
    version: int | None = None
    text: str = "{}"
    policy: WrapupPolicy | None = field(default_factory=WrapupPolicy)
    problem: str | None = None  # why `text` is not a valid policy

    @property
    def label(self) -> str:
        return f"deployed (version {self.version})" if self.version is not None else "deployed (none)"

    @property
    def shown(self) -> str:
        """Canonical when it parses (valid or not), else the stored text."""
        if self.policy is not None:
            return canonical(self.policy.to_document())
        try:
            return canonical(json.loads(self.text))
        except ValueError:
            return self.text if self.text.endswith("\n") else self.text + "\n"

    def as_json(self) -> dict[str, Any]:
        return {"deployment": self.deployment, "version": self.version}


class PolicyStore:
    """The stack's AppConfig profile, through boto3 (a workstation CLI; the functions read it without boto3)."""

    def __init__(self, appconfig: Any, location: PolicyLocation, sleep: Callable[[float], None] = time.sleep) -> None:
        self.appconfig = appconfig
        self.location = location
        self.sleep = sleep

    def deployed(self) -> Deployed:
        where = self.location
        items = self.appconfig.list_deployments(
            ApplicationId=where.application, EnvironmentId=where.environment, MaxResults=50
        ).get("Items", [])
        # AppConfig lists newest first; the maximum does not depend on that order.
        live = [d for d in items if d.get("ConfigurationProfileId") == where.profile and d.get("State") in LIVE_STATES]
        if not live:
            return Deployed()
        latest = max(live, key=lambda d: int(d["DeploymentNumber"]))
        version = int(latest["ConfigurationVersion"])
        answer = self.appconfig.get_hosted_configuration_version(
            ApplicationId=where.application, ConfigurationProfileId=where.profile, VersionNumber=version
        )
        content = answer["Content"]
        raw = content.read() if hasattr(content, "read") else content
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
        number = int(latest["DeploymentNumber"])
        try:
            return Deployed(number, version, text, parse_policy(text, f"deployed version {version}"))
        except UsageError as problem:
            return Deployed(number, version, text, None, str(problem))

    def deploy(self, policy: WrapupPolicy, base: Deployed, description: str, deadline: Deadline) -> Deployed:
        """Deploy `policy` if the deployed one is still `base` (else PolicyConflict: nothing written)."""
        where = self.location
        if self.deployed().deployment != base.deployment:
            raise PolicyConflict("the deployed policy changed while this command ran: nothing written; run it again")
        text = canonical(policy.to_document())
        version = self.appconfig.create_hosted_configuration_version(
            ApplicationId=where.application,
            ConfigurationProfileId=where.profile,
            Content=text.encode(),
            ContentType="application/json",
            Description=description[:1024],
        )["VersionNumber"]
        started = self.appconfig.start_deployment(
            ApplicationId=where.application,
            EnvironmentId=where.environment,
            DeploymentStrategyId=where.strategy,
            ConfigurationProfileId=where.profile,
            ConfigurationVersion=str(version),
            Description=description[:1024],
        )
        number = int(started["DeploymentNumber"])
        self._wait(number, deadline)
        return Deployed(number, int(version), text, policy)

    def _wait(self, number: int, deadline: Deadline) -> None:
        """Until AppConfig says COMPLETE: the instant strategy takes seconds; a rollback is an error."""
        while True:
            state = self.appconfig.get_deployment(
                ApplicationId=self.location.application,
                EnvironmentId=self.location.environment,
                DeploymentNumber=number,
            ).get("State")
            if state == "COMPLETE":
                return
            if state not in LIVE_STATES:
                raise PolicyConflict(f"deployment {number} ended {state}: the previous policy stays deployed")
            if deadline.remaining() <= 1:
                raise PolicyConflict(f"deployment {number} still {state}: check it with `wrapguard-setup policy show`")
            self.sleep(1.0)


# --- queue names ----------------------------------------------------------------------------------------
class QueueNames:
    """--queue values to queue ids: an id as given (no Genesys call), a name through Genesys."""

    def __init__(self, api: Callable[[], Any]) -> None:
        self._api = api  # the set-up's SetupApi, built on first use (ids alone need no admin client)

    def resolve(self, values: Sequence[str]) -> dict[str, str]:
        """value -> queue id, in the order given."""
        resolved: dict[str, str] = {}
        for value in values:
            if QUEUE_ID.match(value):
                resolved[value] = value.lower()
                continue
            found = self._api().queues_named(value)
            if not found:
                raise UsageError(f"--queue {value}: no queue of that name in Genesys Cloud (pass its id)")
            if len(found) > 1:
                ids = ", ".join(sorted(q.id for q in found))
                raise UsageError(f"--queue {value}: {len(found)} queues have that name ({ids}): pass the id")
            resolved[value] = found[0].id
        return resolved


# --- the commands ---------------------------------------------------------------------------------------
def add_parser(commands: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """`policy` and its subcommands; `common` adds the options accepted before or after each subcommand."""
    text = "show, check and change the runtime policy (modes, per-queue codes) the functions read"
    parser = commands.add_parser("policy", help=text, description=text)
    common(parser)
    sub = parser.add_subparsers(dest="policy_command", required=True, metavar="{show,validate,set,mode}")
    show = sub.add_parser("show", help="print the deployed policy", description="print the deployed policy")
    common(show)
    validate = sub.add_parser("validate", help="check a policy file (offline)", description="check a policy file")
    validate.add_argument("file", metavar="FILE", help="policy JSON (- for stdin)")
    common(validate)
    set_ = sub.add_parser("set", help="validate, diff and deploy a policy file", description="deploy a policy file")
    set_.add_argument("file", metavar="FILE", help="policy JSON (- for stdin)")
    set_.add_argument("--dry-run", action="store_true", help="print the diff, deploy nothing")
    common(set_)
    mode = sub.add_parser(
        "mode",
        help="set a mode; observe/off with no --queue is the kill switch",
        description="set the top-level mode (observe/off also clear queue-level enforce: the kill switch) "
        "or the mode of the given queues",
    )
    mode.add_argument("mode", choices=[m.value for m in Mode])
    mode.add_argument("--queue", action="append", default=[], metavar="ID|NAME", help="a queue (repeat)")
    mode.add_argument("--dry-run", action="store_true", help="print the diff, deploy nothing")
    common(mode)


def read_file(path: str, stdin: TextIO) -> str:
    try:
        return stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc.__class__.__name__
        raise UsageError(f"{path}: cannot read ({reason})") from None


def cmd_validate(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    policy = parse_policy(read_file(args.file, stdin), args.file)
    document = policy.to_document()
    if args.json:
        print(json.dumps({"command": "policy validate", "valid": True, "policy": document}), file=out)
    else:
        print(f"{args.file}: valid policy ({len(policy.queues)} queue(s) listed)", file=out)
    return 0


def cmd_show(store: PolicyStore, args: argparse.Namespace, out: TextIO) -> int:
    deployed = store.deployed()
    if args.json:
        document: dict[str, Any] = {"command": "policy show", **deployed.as_json(), "valid": deployed.problem is None}
        document["policy"] = deployed.policy.to_document() if deployed.policy is not None else None
        if deployed.problem:
            document["problem"] = deployed.problem
        print(json.dumps(document), file=out)
    else:
        out.write(deployed.shown)
    if deployed.problem:
        raise PolicyConflict(f"{deployed.problem} (the functions keep their last valid policy; fix it with policy set)")
    return 0


def write(
    store: PolicyStore,
    base: Deployed,
    policy: WrapupPolicy,
    args: argparse.Namespace,
    out: TextIO,
    *,
    target: str,
    changes: Sequence[ModeChange] = (),
) -> int:
    """The shared end of `set` and `mode`: diff, deploy unless a dry run or no change, report."""
    after = canonical(policy.to_document())
    diff = unified_diff(base.shown, after, base.label, target)
    deployed: Deployed | None = None
    if diff and not args.dry_run:
        description = f"wrapguard-setup policy {args.policy_command}: {target}"
        deployed = store.deploy(policy, base, description, Deadline.after(COMMAND_SECONDS))
    restore = restore_command(changes)
    if args.json:
        result = {
            "command": f"policy {args.policy_command}",
            "changed": bool(diff),
            "dryRun": bool(args.dry_run),
            "from": base.as_json(),
            "deployed": deployed.as_json() if deployed else None,
            "diff": diff,
            "policy": policy.to_document(),
            "changes": [c.as_json() for c in changes],
            "restore": restore,
        }
        print(json.dumps(result), file=out)
        return 0
    out.write(diff)
    for change in changes:
        where = "top level" if change.queue is None else f"queue {change.queue}"
        before = change.before.value if change.before else "(inherited)"
        after_mode = change.after.value if change.after else "(inherited)"
        print(f"  {where}: {before} -> {after_mode}", file=out)
    if not diff:
        print(f"no change: the {base.label} policy already says so", file=out)
    elif deployed is None:
        print("dry run: nothing deployed", file=out)
    else:
        print(
            f"deployed version {deployed.version} (deployment {deployed.deployment}); "
            f"the functions use it within {POLICY_EFFECT_SECONDS} s",
            file=out,
        )
    if restore:
        print(f"cleared queue-level enforce; to restore it: {restore}", file=out)
    return 0


def cmd_set(store: PolicyStore, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    policy = parse_policy(read_file(args.file, stdin), args.file)  # before any AWS call: nothing written
    base = store.deployed()
    return write(store, base, policy, args, out, target=args.file)


def cmd_mode(store: PolicyStore, names: QueueNames, args: argparse.Namespace, out: TextIO) -> int:
    queue_ids = list(dict.fromkeys(names.resolve(args.queue).values()))
    base = store.deployed()
    if base.policy is None:
        raise PolicyConflict(f"{base.problem}: set a valid policy first (wrapguard-setup policy set FILE)")
    policy, changes = switch_mode(base.policy, Mode(args.mode), queue_ids)
    target = f"mode {args.mode}" + "".join(f" --queue {q}" for q in queue_ids)
    return write(store, base, policy, args, out, target=target, changes=changes)
