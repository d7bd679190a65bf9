"""The three CLIs as an operator runs them: installed entry points in a subprocess, configured from a
stack in the local AWS server (CloudFormation outputs + the functions in the local Lambda), no table
or function variable set (issue 16, item 2)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.aws import local_db
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.failures import Failure, FailureReason, FailureSource
from wrapguard.store.failures import FailureStore
from wrapguard_local.local_setup import ACCOUNT, LocalStack

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent
CLIS = ("wrapguard-review", "wrapguard-redrive", "wrapguard-setup")
# Configuration an operator would otherwise copy by hand: none of it may reach the subprocess.
HAND_COPIED = ("TABLE", "WRAPGUARD_", "GENESYS_", "WRAPUP_POLICY", "PLACEHOLDER_", "AWS_PROFILE")


@dataclass
class Ran:
    code: int
    out: str
    err: str

    @property
    def doc(self) -> Any:
        return json.loads(self.out)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not any(part in k for part in HAND_COPIED)}
    return {**env, **extra}


def cli(name: str, *argv: str, cwd: Path, env: dict[str, str] | None = None) -> Ran:
    done = subprocess.run(
        [str(BIN / name), *argv], cwd=cwd, env=env or clean_env(), capture_output=True, text=True, timeout=120
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def one_line(ran: Ran, prog: str) -> str:
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{prog}: "), ran.err
    return lines[0]


@pytest.fixture
def stack(tables: dict[str, str]) -> LocalStack:
    unique = uuid.uuid4().hex[:8]
    deployed = LocalStack(
        tables=tables,
        org_id=str(uuid.uuid4()),
        name=f"wgcli{unique}",
        secret_name=f"wgcli{unique}/client",
        genesys_region="mypurecloud.ie",
        placeholder_codes="ININ-WRAP-UP-TIMEOUT,outbound",
    )
    deployed.deploy(event_source=None)
    source = f"aws.partner/genesys.com/cloud/{unique}/wrapguard"
    boto3.client("events").create_partner_event_source(Name=source, Account=ACCOUNT)  # what Genesys does
    deployed.deploy(event_source=source)
    return deployed


def record_failure(table: str) -> str:
    cid = str(uuid.uuid4())
    FailureStore(local_db(), table).record(
        Failure(
            conversation_id=cid,
            participant_id=str(uuid.uuid4()),
            reason=FailureReason.WINDOW_CLOSED,
            source=FailureSource.DATA_ACTION,
            message="m",
            occurred_at=datetime.now(UTC),
        ),
        deadline=Deadline.unbounded(),
    )
    return cid


def test_review_reads_its_tables_and_the_functions_configuration_from_the_stack(
    stack: LocalStack, tmp_path: Path
) -> None:
    cid = record_failure(stack.tables["FailuresTable"])
    before = cli("wrapguard-review", "--stack-name", stack.name, "--json", "list", cwd=tmp_path)
    after = cli("wrapguard-review", "list", "--json", "--stack-name", stack.name, cwd=tmp_path)
    assert before.code == 0, before.err
    assert [i["conversationId"] for i in before.doc["items"]] == [cid]
    assert after.doc == before.doc

    config = cli("wrapguard-review", "config", "--json", "--stack-name", stack.name, cwd=tmp_path)
    assert config.code == 0, config.err
    values = config.doc["values"]
    assert values["failuresTable"] == {
        "value": stack.tables["FailuresTable"],
        "source": f"stack {stack.name} output FailuresTableName",
    }
    assert values["retryFunction"]["value"] == stack.alias_arn
    assert values["redriveFunction"]["value"] == stack.function_arn("WrapupEventsFunction")
    assert values["deadLetterQueue"]["source"] == f"stack {stack.name} output EventsDeadLetterQueueUrl"
    # Read from the functions themselves, as they read it (the region key and `outbound` expanded).
    assert values["genesysRegion"] == {"value": "mypurecloud.ie", "source": f"function {stack.alias_arn}"}
    assert "ININ-OUTBOUND-MACHINE" in values["placeholderCodes"]["value"].split(",")


def test_a_variable_overrides_the_stack(stack: LocalStack, tmp_path: Path) -> None:
    other = stack.tables["StagedCodesTable"]  # any other existing table: the variable must win
    ran = cli(
        "wrapguard-review",
        "config",
        "--json",
        "--stack-name",
        stack.name,
        cwd=tmp_path,
        env=clean_env(WRAPGUARD_FAILURES_TABLE=other),
    )
    assert ran.doc["values"]["failuresTable"] == {"value": other, "source": "env WRAPGUARD_FAILURES_TABLE"}
    flag = cli("wrapguard-review", "config", "--json", "--table", "flagged", "--stack-name", stack.name, cwd=tmp_path)
    assert flag.doc["values"]["failuresTable"] == {"value": "flagged", "source": "--table"}


def test_samconfig_names_the_stack_and_region(stack: LocalStack, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # the repository root: the search stops here
    (tmp_path / "samconfig.toml").write_text(
        f'version = 0.1\n[default.global.parameters]\nstack_name = "{stack.name}"\n'
        '[default.deploy.parameters]\nregion = "us-east-1"\n'
    )
    nested = tmp_path / "docs"
    nested.mkdir()
    env = clean_env()
    env.pop("AWS_REGION", None)
    env.pop("AWS_DEFAULT_REGION", None)
    ran = cli("wrapguard-review", "config", "--json", cwd=nested, env=env)
    assert ran.code == 0, ran.err
    assert ran.doc["stackName"] == stack.name and ran.doc["region"] == "us-east-1"
    assert ran.doc["samconfig"] == str(tmp_path / "samconfig.toml")
    # The flag beats the file.
    missing = cli("wrapguard-review", "--stack-name", "other-stack", "list", cwd=nested, env=env)
    assert missing.code == 2
    assert "stack 'other-stack' not found in us-east-1" in one_line(missing, "wrapguard-review")


def test_a_profile_gives_credentials_and_region(stack: LocalStack, tmp_path: Path) -> None:
    (tmp_path / "config").write_text("[profile ops]\nregion = us-east-1\n")
    (tmp_path / "credentials").write_text("[ops]\naws_access_key_id = local\naws_secret_access_key = local\n")
    env = {
        k: v
        for k, v in clean_env(
            AWS_CONFIG_FILE=str(tmp_path / "config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials")
        ).items()
        if k not in {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION"}
    }
    ran = cli(
        "wrapguard-review", "--profile", "ops", "--stack-name", stack.name, "config", "--json", cwd=tmp_path, env=env
    )
    assert ran.code == 0, ran.err
    assert ran.doc["profile"] == "ops" and ran.doc["region"] == "us-east-1"
    unknown = cli("wrapguard-redrive", "--profile", "nobody", "--stack-name", stack.name, cwd=tmp_path, env=env)
    assert unknown.code == 2
    assert one_line(unknown, "wrapguard-redrive") == "wrapguard-redrive: --profile nobody: no such AWS profile"


def test_a_stack_without_an_output_names_it(tables: dict[str, str], tmp_path: Path) -> None:
    name = f"wgold{uuid.uuid4().hex[:8]}"
    body = {"Resources": {"Placeholder": {"Type": "AWS::SQS::Queue"}}, "Outputs": {"GenesysOrgId": {"Value": "x"}}}
    boto3.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(body))
    ran = cli("wrapguard-review", "--stack-name", name, "list", cwd=tmp_path)
    assert ran.code == 2
    assert one_line(ran, "wrapguard-review") == (
        f"wrapguard-review: stack '{name}' has no output FailuresTableName: deploy the current template"
    )
    redrive = cli("wrapguard-redrive", "--stack-name", name, cwd=tmp_path)
    assert redrive.code == 2 and "has no output EventsDeadLetterQueueUrl" in one_line(redrive, "wrapguard-redrive")
    other_region = cli("wrapguard-setup", "plan", "--stack-name", name, "--region", "eu-west-1", cwd=tmp_path)
    assert other_region.code == 2
    assert f"stack '{name}' not found in eu-west-1" in one_line(other_region, "wrapguard-setup")


def test_redrive_finds_its_queue_in_the_stack(stack: LocalStack, tmp_path: Path) -> None:
    ran = cli("wrapguard-redrive", "--json", "--stack-name", stack.name, cwd=tmp_path)
    assert ran.code == 0, ran.err
    assert ran.doc == {"received": 0, "redriven": 0, "failed": 0, "actions": {}, "errors": []}


@pytest.mark.parametrize("name", CLIS)
def test_version_before_or_after_the_subcommand(name: str, tmp_path: Path) -> None:
    from importlib.metadata import version

    ran = cli(name, "--version", cwd=tmp_path)
    assert (ran.code, ran.out.strip()) == (0, f"{name} {version('wrapguard')}")
    if name != "wrapguard-redrive":  # the one CLI without subcommands
        sub = cli(name, "list" if name == "wrapguard-review" else "plan", "--version", cwd=tmp_path)
        assert (sub.code, sub.out.strip()) == (0, f"{name} {version('wrapguard')}")


@pytest.fixture
def silent_server() -> Iterator[tuple[str, threading.Event]]:
    """An endpoint that accepts connections and never answers: a CLI waiting on AWS."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            held.append(connection)
            accepted.set()

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    server.close()
    for connection in held:
        connection.close()


@pytest.mark.parametrize(("name", "argv"), [(CLIS[0], ("list",)), (CLIS[1], ()), (CLIS[2], ("plan",))])
def test_ctrl_c_exits_130_with_one_line(
    name: str, argv: tuple[str, ...], silent_server: tuple[str, threading.Event], tmp_path: Path
) -> None:
    url, accepted = silent_server
    process = subprocess.Popen(
        [str(BIN / name), "--stack-name", "any", *argv],
        cwd=tmp_path,
        env=clean_env(AWS_ENDPOINT_URL=url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert accepted.wait(60), "the CLI never called AWS"
        time.sleep(0.2)  # the request is sent; the CLI waits for the answer
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130
    assert err.strip().splitlines() == [f"{name}: interrupted"], err
    assert "Traceback" not in err + out
