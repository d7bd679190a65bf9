"""wrapguard-setup: plan, apply, verify and destroy the Genesys Cloud side of a wrapguard stack.

  wrapguard-setup plan    [--events] [--create-client]   what apply would create / update / leave alone
  wrapguard-setup apply   [--events] [--create-client]   make it so (idempotent by name)
  wrapguard-setup verify  [--events]                     one line per check, ok or the fix to apply
  wrapguard-setup destroy [--yes]                        remove what apply created (not the stack)
  wrapguard-setup policy show | validate FILE | set FILE | mode observe|enforce|off [--queue ID|NAME]...
                                                         the runtime policy in AppConfig (policy.py)

Objects, named from --name (default wrapguard): the AWS Lambda data action integration `NAME-lambda`
with its amazonWebServicesARN credential `NAME-lambda-role <mark>` (the stack's GenesysDataActionRole),
the data action shipped in the package (wrapguard/cli/setup/data/apply-wrapup.json) bound to the function
alias, and optionally the Amazon EventBridge source integration `NAME-eventbridge` (--events) and the
functions' OAuth client and role `NAME-functions`, stored in the stack's credentials secret (--create-client).
Each carries this stack's mark `wrapguard-owner=STACK@ACCOUNT/REGION` (integration notes, role and client
description, credential name); objects of the same name without it are reported and never changed.

Stack outputs come from CloudFormation (--stack-name, default samconfig.toml's then wrapguard; --region,
--profile: cli/stack_config.py) or a JSON file (--outputs FILE, or - for stdin). The admin OAuth client
(client credentials) comes from GENESYS_ADMIN_CLIENT_ID / GENESYS_ADMIN_CLIENT_SECRET, a Secrets Manager
secret (--admin-secret NAME, JSON {"clientId", "clientSecret"}), or, at a terminal, a prompt (the
secret unechoed). Secrets are never printed.

Exit codes: the one table of every wrapguard CLI (cli/exit_codes.py): 0 done (plan: computed; verify:
every check ok); 1 unexpected error; 2 usage or configuration error (no stack, no admin client,
unreadable file, a policy file the model rejects, an unknown queue name); 3 verify found a problem, or
plan/apply/destroy left an object alone (another stack's or the org's, or one it cannot repair), or
policy: the deployed policy is invalid or changed while the command ran (nothing written); 6 Genesys
Cloud or AWS refused a call or gave an
unreadable answer (apply/destroy stopped; what was done is listed); 130 interrupted. verify's warnings
do not change the exit code.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from functools import cached_property
from typing import Any, TextIO

from pydantic import SecretStr, ValidationError

from ...genesys.client import GenesysClient
from ...genesys.credentials import ClientCredentials
from ...genesys.errors import GenesysApiError, GenesysAuthError, GenesysBadResponseError, GenesysError
from ...settings import REGION_DOMAINS, SetupSettings, load_settings
from ..common import Parser
from ..exit_codes import EXIT_CODES_HELP, ExitCode, classify, run_guarded
from ..stack_config import add_stack_options, aws_session, load_stack_config, locate
from . import policy, stack
from .api import SetupApi
from .desired import load_action
from .engine import Change, Options, SecretStore, Setup, Step
from .errors import EXIT_OK, EXIT_PROBLEMS, EXIT_REFUSED, UsageError, safe_text
from .ownership import Owner
from .verify import AwsClients, Check, Verifier

PROG = "wrapguard-setup"


def _common(parser: argparse.ArgumentParser, *, nested: bool) -> None:
    """Options accepted before or after the subcommand (nested copies default to 'not given')."""

    def add(*flags: str, **kwargs: Any) -> None:
        if nested:
            kwargs["default"] = argparse.SUPPRESS
        parser.add_argument(*flags, **kwargs)

    # --stack-name (the stack whose outputs are read and whose mark the Genesys objects carry), --region,
    # --profile, --config-file, --version: the same in every wrapguard CLI.
    add_stack_options(parser, PROG, nested=nested)
    add("--outputs", metavar="FILE", help="stack outputs as JSON instead of CloudFormation (- for stdin)")
    add("--name", default="wrapguard", help="prefix of the Genesys object names (default wrapguard)")
    add("--action-file", help="data action JSON (default: the one shipped in the package)")
    add("--events", action="store_true", default=False, help="also the Amazon EventBridge source integration")
    add("--event-source-suffix", default="wrapguard", help="partner event source suffix (default wrapguard)")
    add("--create-client", action="store_true", default=False, help="also the functions' OAuth client and role")
    add("--division", action="append", default=None, help="division for the functions' role (repeat; default home)")
    add("--admin-secret", help="Secrets Manager secret with the admin client (else GENESYS_ADMIN_CLIENT_ID/SECRET)")
    add("--genesys-region", help="Genesys Cloud domain, e.g. mypurecloud.ie (default: the stack's GenesysRegion)")
    add("--api-url", help=argparse.SUPPRESS)  # a Genesys-compatible server (the simulator); also GENESYS_API_URL
    add("--login-url", help=argparse.SUPPRESS)  # also GENESYS_LOGIN_URL
    add("--json", action="store_true", default=False, help="machine-readable output")
    add("--yes", action="store_true", default=False, help="destroy without asking")


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description="Set up the Genesys Cloud side of wrapguard: plan, apply, verify, destroy.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(parser, nested=False)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("plan", "what apply would create, update or leave alone"),
        ("apply", "create or update what is missing (idempotent by name)"),
        ("verify", "check the deployment end to end"),
        ("destroy", "delete what apply created"),
    ):
        _common(
            commands.add_parser(
                name,
                help=text,
                description=text,
                epilog=EXIT_CODES_HELP,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            ),
            nested=True,
        )
    policy.add_parser(commands, lambda nested: _common(nested, nested=True))
    return parser


class Session:
    """Everything a command needs, built from the options: stack outputs, the admin API, AWS clients."""

    def __init__(self, args: argparse.Namespace, stdin: TextIO) -> None:
        self.args = args
        self.stdin = stdin
        self.location = locate(args)
        self.boto = aws_session(self.location)
        if args.outputs:
            self.outputs = stack.from_file(args.outputs, stdin.read() if args.outputs == "-" else None)
        else:
            self.outputs = stack.from_stack(load_stack_config(self.boto, self.location))
        domain = args.genesys_region or self.outputs.genesys_region
        domain = REGION_DOMAINS.get(domain, domain)
        self.env = load_settings(SetupSettings)
        self.api_url = args.api_url or self.env.genesys_api_url or f"https://api.{domain}"
        self.login_url = args.login_url or self.env.genesys_login_url or f"https://login.{domain}"

    # Built on first use: `policy` commands with queue ids (the kill switch) need no admin client.
    @cached_property
    def admin(self) -> GenesysClient:
        return self._client(self._admin_credentials())

    @cached_property
    def api(self) -> SetupApi:
        return SetupApi(self.admin)

    @cached_property
    def secrets(self) -> SecretStore:
        return SecretStore(self.boto.client("secretsmanager"), self.outputs.secret_name)

    def policy_store(self) -> policy.PolicyStore:
        location = policy.PolicyLocation.from_outputs(self.outputs)
        return policy.PolicyStore(self.boto.client("appconfig", region_name=self.outputs.aws_region), location)

    def _admin_credentials(self) -> ClientCredentials:
        if self.args.admin_secret:
            raw = self.boto.client("secretsmanager").get_secret_value(SecretId=self.args.admin_secret)["SecretString"]
            try:
                return ClientCredentials.model_validate(json.loads(raw))
            except (ValueError, ValidationError):
                raise UsageError(
                    f"--admin-secret {self.args.admin_secret}: expected clientId/clientSecret JSON"
                ) from None
        client_id, secret = self.env.genesys_admin_client_id, self.env.genesys_admin_client_secret
        if (not client_id or not secret) and self.stdin.isatty():
            # Asked at the terminal (the secret unechoed): nothing to export, nothing in the shell's history.
            client_id = client_id or input("Genesys admin OAuth client id: ").strip()
            secret = secret or SecretStr(getpass.getpass("Genesys admin OAuth client secret: "))
        if not client_id or not secret or not secret.get_secret_value():
            raise UsageError(
                "no admin client: set GENESYS_ADMIN_CLIENT_ID and GENESYS_ADMIN_CLIENT_SECRET or --admin-secret"
            )
        return ClientCredentials(client_id=client_id, client_secret=secret)

    def _client(self, credentials: ClientCredentials) -> GenesysClient:
        return GenesysClient(
            api_url=self.api_url, login_url=self.login_url, credentials=credentials, timeout_seconds=30
        )

    def setup(self) -> Setup:
        org = self.api.organization()
        options = Options(
            prefix=self.args.name,
            owner=Owner(self.location.stack_name, self.outputs.account_id, self.outputs.aws_region),
            role_arn=self.outputs.role_arn,
            alias_arn=self.outputs.alias_arn,
            action=load_action(self.args.action_file, self.outputs.alias_arn),
            events=self.args.events,
            event_source_suffix=self.args.event_source_suffix,
            aws_account_id=self.outputs.account_id,
            aws_region=self.outputs.aws_region,
            create_client=self.args.create_client,
            divisions=self.args.division or [],
            secret_name=self.outputs.secret_name,
        )
        return Setup(self.api, options, self.secrets, org.id)

    def aws(self) -> AwsClients:
        region = self.outputs.aws_region
        return AwsClients(
            secrets=self.boto.client("secretsmanager"),
            dynamodb=self.boto.client("dynamodb", region_name=region),
            sqs=self.boto.client("sqs", region_name=region),
            events=self.boto.client("events", region_name=region),
            cloudwatch=self.boto.client("cloudwatch", region_name=region),
            sns=self.boto.client("sns", region_name=region),
        )


# --- output ---------------------------------------------------------------------------------------
VERB = {Change.CREATE: "created", Change.UPDATE: "updated", Change.DELETE: "deleted"}


def _step_line(step: Step, applying: bool) -> str:
    change = VERB.get(step.change, step.change.value) if applying and step.done else step.change.value
    return f"  {change:<10} {step.kind:<24} {step.name}{'  (' + step.detail + ')' if step.detail else ''}"


def _summary(steps: list[Step], applying: bool) -> str:
    changes = [s for s in steps if s.change in (Change.CREATE, Change.UPDATE, Change.DELETE)]
    problems = [s for s in steps if s.change is Change.PROBLEM]
    if not changes and not problems:
        return "nothing to do: the Genesys side matches" if not applying else "no changes: already up to date"
    counts = ", ".join(
        f"{n} to {c.value}" if not applying else f"{n} {VERB[c]}"
        for c in (Change.CREATE, Change.UPDATE, Change.DELETE)
        if (n := sum(1 for s in changes if s.change is c))
    )
    return counts + (f"; {len(problems)} problem(s)" if problems else "")


def cmd_steps(session: Session, args: argparse.Namespace, out: TextIO) -> int:
    setup = session.setup()
    applying = args.command in ("apply", "destroy")
    if args.command == "destroy" and not args.yes:
        if not sys.stdin.isatty():
            raise UsageError("destroy deletes the Genesys objects: pass --yes")
        if input(f"delete the {args.name}-* Genesys objects of org {setup.org_id}? [y/N] ").strip().lower() != "y":
            return EXIT_OK
    if not args.json:
        print(f"{PROG} {args.command}: org {setup.org_id}, AWS {session.outputs.aws_region}", file=out)
        setup.on_step = lambda step: print(_step_line(step, applying), file=out, flush=True)
    try:
        steps = setup.destroy(apply=True) if args.command == "destroy" else setup.run(apply=args.command == "apply")
    except (GenesysApiError, GenesysBadResponseError) as exc:
        _refused(setup.steps, exc, args, out)
        return EXIT_REFUSED
    source = setup.event_source if args.events and args.command != "destroy" else None
    if args.json:
        document: dict[str, Any] = {
            "command": args.command,
            "orgId": setup.org_id,
            "steps": [s.as_json() for s in steps],
            "changes": sum(1 for s in steps if s.change in (Change.CREATE, Change.UPDATE, Change.DELETE)),
        }
        if source:
            document["eventSourceName"] = source
        print(json.dumps(document), file=out)
    else:
        print(_summary(steps, applying), file=out)
        if source:
            print(f"partner event source: {source}", file=out)
            print(f"  deploy the stack with GenesysEventSourceName={source}", file=out)
    return EXIT_PROBLEMS if any(s.change is Change.PROBLEM for s in steps) else EXIT_OK


def _refused(steps: list[Step], exc: GenesysError, args: argparse.Namespace, out: TextIO) -> None:
    body = " ".join(p for p in (exc.body.code, exc.body.message) if p)
    done = [s for s in steps if s.done]
    if isinstance(exc, GenesysBadResponseError):
        # The call may have taken effect (e.g. a client created whose answer was garbled): the next
        # plan shows it; the message names operation and fields only, never the answer's text.
        what = str(exc)
    else:
        what = f"{exc.operation} refused (HTTP {exc.status}{': ' + body if body else ''})"
    if exc.body.context_id:
        what += f" contextId {exc.body.context_id}"
    print(f"{PROG}: {what}", file=sys.stderr)
    if args.json:
        print(json.dumps({"command": args.command, "error": what, "done": [s.as_json() for s in done]}), file=out)
        return
    print("done before the refusal:" if done else "nothing was changed", file=out)
    for step in done:
        print(_step_line(step, True), file=out)


def cmd_verify(session: Session, args: argparse.Namespace, out: TextIO) -> int:
    setup = session.setup()
    verifier = Verifier(setup, session.outputs, session.aws(), session._client, events=args.events)
    if not args.json:
        print(f"{PROG} verify: org {setup.org_id}", file=out)
        verifier.on_check = lambda check: print(_check_line(check), file=out, flush=True)
    checks = verifier.run()
    failed = [c for c in checks if not c.ok]
    warned = [c for c in checks if c.ok and c.warn]
    if args.json:
        print(json.dumps({"command": "verify", "ok": not failed, "checks": [c.as_json() for c in checks]}), file=out)
    else:
        warnings = f", {len(warned)} warning(s)" if warned else ""
        print(f"{len(checks) - len(failed)}/{len(checks)} checks ok{warnings}", file=out)
    return EXIT_PROBLEMS if failed else EXIT_OK


def _check_line(check: Check) -> str:
    label = "PROBLEM" if not check.ok else "warn" if check.warn else "ok"
    line = f"  {label:<8} {check.name:<18} {check.detail}"
    return line if (check.ok and not check.warn) or not check.fix else f"{line} -> {check.fix}"


def cmd_policy(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    if args.policy_command == "validate":  # offline: no stack, no AWS
        return policy.cmd_validate(args, out, stdin)
    if args.outputs == "-" and getattr(args, "file", None) == "-":
        raise UsageError("--outputs - and FILE - would both read stdin: give one of them as a file")
    session = Session(args, stdin)
    store = session.policy_store()
    if args.policy_command == "show":
        return policy.cmd_show(store, args, out)
    if args.policy_command == "set":
        return policy.cmd_set(store, args, out, stdin)
    return policy.cmd_mode(store, policy.QueueNames(lambda: session.api), args, out)


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    stdin: TextIO | None = None,
    *,
    err: TextIO | None = None,
) -> int:
    stream = out or sys.stdout

    def body() -> int:
        try:
            args = _parser().parse_args(argv)
        except SystemExit as exc:  # --help, --version; every parse error raises UsageError instead
            return int(exc.code or 0)
        if args.command == "policy":
            return cmd_policy(args, stream, stdin or sys.stdin)
        session = Session(args, stdin or sys.stdin)
        command = cmd_verify if args.command == "verify" else cmd_steps
        return command(session, args, stream)

    return run_guarded(PROG, body, err, _classify)


def _classify(exc: Exception) -> tuple[ExitCode, str]:
    """Genesys errors by kind; the rest as every CLI classifies them. Never an answer body or a secret."""
    if isinstance(exc, GenesysAuthError):
        return ExitCode.USAGE, f"admin client: {exc}"
    if isinstance(exc, GenesysError):
        return ExitCode.REFUSED, str(exc)
    code, message = classify(exc)
    return code, message if code != ExitCode.ERROR else f"{type(exc).__name__}: {safe_text(exc)}"
