"""verify's warnings (issue 16 items 1 and 4): a Genesys region other than the stack's, alarms that
notify nobody, a topic nobody confirmed; and the data action found by an installed (non-editable) CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

import wrapguard.cli.setup
from tests.support.setup_cli import Run
from tests.support.world import World
from wrapguard.cli.setup.desired import load_action, packaged_action_file
from wrapguard.cli.setup.errors import EXIT_OK
from wrapguard.cli.setup.verify import subscriptions
from wrapguard_local.local_setup import LocalStack

Cli = Callable[..., Run]
REPO = Path(__file__).resolve().parents[2]
ALIAS = "arn:aws:lambda:us-east-1:123456789012:function:wrapguard-apply:live"


def check(run: Run, name: str) -> dict[str, Any]:
    return next(c for c in run.doc["checks"] if c["check"] == name)


@pytest.mark.integration
def test_genesys_region_other_than_the_stacks_is_a_warning(
    setup_cli: Cli, world: World, stack: LocalStack, tables: dict[str, str]
) -> None:
    ireland = LocalStack(
        tables=tables, org_id=stack.org_id, genesys_region="mypurecloud.ie", name=f"{stack.name}-ie",
        secret_name=f"{stack.secret_name}-ie",
    )  # fmt: skip
    ireland.deploy()
    ireland.connect(world.sim)
    as_ireland = ("--stack-name", ireland.name)
    assert setup_cli("apply", "--create-client", *as_ireland).code == EXIT_OK
    run = setup_cli("verify", "--json", *as_ireland)
    assert run.code == EXIT_OK, run.out
    region = check(run, "region")
    assert region["ok"] and region["warn"]
    assert "mypurecloud.ie runs in eu-west-1; stack in us-east-1" in region["detail"]
    assert "crosses regions" in region["detail"]
    text = setup_cli("verify", *as_ireland)
    assert any(line.startswith("  warn     region") for line in text.out.splitlines())


@pytest.mark.integration
def test_alarms_without_actions_and_an_unconfirmed_topic_are_warnings(
    setup_cli: Cli, stack: LocalStack, tmp_path: Path
) -> None:
    assert setup_cli("apply", "--create-client").code == EXIT_OK
    run = setup_cli("verify", "--json")
    assert run.code == EXIT_OK
    assert check(run, "alarms")["warn"] and "3 without an alarm action" in check(run, "alarms")["detail"]
    assert check(run, "alarm topic")["warn"] and "no AlarmTopicArn" in check(run, "alarm topic")["detail"]

    sns, cloudwatch = boto3.client("sns"), boto3.client("cloudwatch")
    topic = sns.create_topic(Name=f"{stack.name}-alarms")["TopicArn"]
    outputs = boto3.client("cloudformation").describe_stacks(StackName=stack.name)["Stacks"][0]["Outputs"]
    outputs.append({"OutputKey": "AlarmTopicArn", "OutputValue": topic})
    file = tmp_path / "outputs.json"
    file.write_text(json.dumps(outputs))
    no_one = setup_cli("verify", "--json", "--outputs", str(file))
    assert check(no_one, "alarm topic")["warn"]
    assert "no confirmed subscription" in check(no_one, "alarm topic")["detail"]

    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="oncall@example.com")
    alarms = next(o["OutputValue"] for o in outputs if o["OutputKey"] == "AlarmNames").split(",")
    for alarm in cloudwatch.describe_alarms(AlarmNames=alarms)["MetricAlarms"]:
        cloudwatch.put_metric_alarm(
            AlarmName=alarm["AlarmName"],
            Namespace=alarm["Namespace"],
            MetricName=alarm["MetricName"],
            Statistic=alarm["Statistic"],
            Period=alarm["Period"],
            EvaluationPeriods=alarm["EvaluationPeriods"],
            Threshold=alarm["Threshold"],
            ComparisonOperator=alarm["ComparisonOperator"],
            AlarmActions=[topic],
        )
    told = setup_cli("verify", "--json", "--outputs", str(file))
    assert told.code == EXIT_OK
    assert not check(told, "alarms")["warn"] and "each with an alarm action" in check(told, "alarms")["detail"]
    assert not check(told, "alarm topic")["warn"]
    assert check(told, "alarm topic")["detail"].endswith("1 confirmed subscription(s)")


class FakeSns:
    """ListSubscriptionsByTopic pages as SNS gives them (the local server confirms every subscription)."""

    def __init__(self, pages: list[list[str]]) -> None:
        self.pages = pages

    def get_paginator(self, name: str) -> FakeSns:
        assert name == "list_subscriptions_by_topic"
        return self

    def paginate(self, TopicArn: str) -> Iterator[dict[str, Any]]:
        for arns in self.pages:
            yield {"Subscriptions": [{"SubscriptionArn": a, "TopicArn": TopicArn} for a in arns]}


def test_a_pending_subscription_is_not_confirmed() -> None:
    confirmed_arn = "arn:aws:sns:us-east-1:123456789012:alarms:0b6c8b8e-0000-4000-8000-000000000001"
    assert subscriptions(FakeSns([["PendingConfirmation"], ["PendingConfirmation"]]), "t") == (0, 2)
    assert subscriptions(FakeSns([["PendingConfirmation"], [confirmed_arn]]), "t") == (1, 1)
    assert subscriptions(FakeSns([["Deleted"]]), "t") == (0, 0)


def test_the_default_action_file_ships_inside_the_package() -> None:
    packaged = Path(str(packaged_action_file()))
    assert packaged.is_relative_to(Path(wrapguard.cli.setup.__file__).parent)
    action = load_action(None, ALIAS)
    assert action.config["request"]["requestUrlTemplate"] == ALIAS


@pytest.mark.integration
def test_an_installed_wheel_finds_its_action_file_without_the_repository(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(wheels)]
    subprocess.run([*build, str(REPO)], check=True, capture_output=True, timeout=300)
    (wheel,) = wheels.glob("wrapguard-*.whl")
    installed = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        assert "wrapguard/cli/setup/data/apply-wrapup.json" in archive.namelist()
        archive.extractall(installed)
    # The unpacked wheel first on the path, run from a directory outside the repository.
    probe = (
        "import wrapguard, sys; from wrapguard.cli.setup.desired import load_action;"
        f"a = load_action(None, {ALIAS!r}); print(wrapguard.__file__); print(a.name)"
    )
    env = {"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    module_file, name = result.stdout.split()[0], result.stdout.strip().splitlines()[1]
    assert module_file.startswith(str(installed)) and not module_file.startswith(str(REPO))
    assert name == json.loads(packaged_action_file().read_text())["name"]
