"""wrapguard-setup policy against the local AWS server's AppConfig and the simulator, as an operator runs it."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.support.setup_cli import Run
from tests.support.world import World
from wrapguard.cli.setup import main
from wrapguard_local.local_setup import LocalStack
from wrapguard_local.policy_store import create_policy_store, deploy_document

pytestmark = pytest.mark.integration

Q_SALES = "11111111-1111-4111-8111-111111111111"
Q_SUPPORT = "22222222-2222-4222-8222-222222222222"
Q_OTHER = "33333333-3333-4333-8333-333333333333"


class Policy:
    """The stack's policy store and the CLI pointed at it (stack outputs + the store's, as one outputs file)."""

    def __init__(self, stack: LocalStack, run: Callable[..., Run], tmp_path: Path, *, validate: bool = True) -> None:
        self.appconfig = boto3.client("appconfig")
        self.ids = create_policy_store(self.appconfig, stack.name, validate=validate)
        (described,) = boto3.client("cloudformation").describe_stacks(StackName=stack.name)["Stacks"]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]} | self.ids
        self.outputs = tmp_path / "outputs.json"
        self.outputs.write_text(json.dumps(outputs))
        self._run = run
        self.tmp_path = tmp_path

    def cli(self, *argv: str) -> Run:
        return self._run("--outputs", str(self.outputs), "policy", *argv)

    def file(self, document: Any, name: str = "policy.json") -> str:
        path = self.tmp_path / name
        path.write_text(document if isinstance(document, str) else json.dumps(document))
        return str(path)

    def deployments(self) -> list[dict[str, Any]]:
        items = self.appconfig.list_deployments(
            ApplicationId=self.ids["PolicyApplicationId"], EnvironmentId=self.ids["PolicyEnvironmentId"]
        )["Items"]
        return sorted(items, key=lambda d: d["DeploymentNumber"])

    def deployed(self) -> Any:
        latest = self.deployments()[-1]
        content = self.appconfig.get_hosted_configuration_version(
            ApplicationId=self.ids["PolicyApplicationId"],
            ConfigurationProfileId=self.ids["PolicyProfileId"],
            VersionNumber=int(latest["ConfigurationVersion"]),
        )["Content"].read()
        return json.loads(content)


@pytest.fixture
def policy(stack: LocalStack, setup_cli: Callable[..., Run], tmp_path: Path) -> Policy:
    return Policy(stack, setup_cli, tmp_path)


def test_set_deploys_a_new_version_and_show_prints_it(policy: Policy) -> None:
    document = {"mode": "observe", "queues": {Q_SALES: {"mode": "enforce", "defaultCodeName": "Sale"}}}
    done = policy.cli("set", policy.file(document))
    assert done.code == 0, done.err
    assert "deployed version 2 (deployment 2)" in done.out
    assert policy.deployed() == document
    assert policy.deployments()[-1]["State"] == "COMPLETE"
    shown = policy.cli("show")
    assert shown.code == 0
    assert json.loads(shown.out) == document
    assert shown.out == json.dumps(document, sort_keys=True, indent=2) + "\n"  # canonical


def test_set_prints_a_unified_diff_of_the_canonical_documents(policy: Policy) -> None:
    assert policy.cli("set", policy.file({"mode": "enforce", "queues": {Q_SALES: {"mode": "off"}}})).code == 0
    changed = policy.cli("set", policy.file({"queues": {Q_SALES: {"mode": "observe"}}, "mode": "enforce"}, "b.json"))
    assert changed.code == 0
    lines = changed.out.splitlines()
    assert lines[0] == "--- deployed (version 2)"
    assert lines[1].startswith("+++ ") and lines[1].endswith("b.json")
    assert '-      "mode": "off"' in lines
    assert '+      "mode": "observe"' in lines
    assert '   "mode": "enforce",' in lines  # unchanged context, sorted keys, 2-space indent


def test_invalid_file_is_rejected_before_anything_is_written(policy: Policy) -> None:
    before = policy.deployments()
    bad = policy.cli("set", policy.file({"mode": "sometimes", "queues": {Q_SALES: {"defaultCode": "x"}}}))
    assert bad.code == 2
    assert bad.err.count("\n") == 1  # one line
    assert "mode" in bad.err and f"queues.{Q_SALES}.defaultCode" in bad.err
    assert policy.cli("set", policy.file("{not json", "broken.json")).code == 2
    assert policy.cli("set", str(policy.tmp_path / "missing.json")).code == 2
    assert policy.deployments() == before


def test_validate_is_offline_and_names_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps({"mode": "enforce", "queues": {Q_SALES: {"defaultCodeId": "a"}}}))
    bad.write_text(json.dumps({"queues": {Q_SALES: {"defaultCodeId": "a", "defaultCodeName": "b"}}}))
    out = io.StringIO()
    # No stack, no AWS, no Genesys: the stack name below does not exist anywhere.
    assert main(["--stack-name", "nowhere", "policy", "validate", str(good)], out=out) == 0
    assert "valid policy (1 queue(s) listed)" in out.getvalue()
    assert main(["policy", "validate", str(bad), "--json"], out=io.StringIO()) == 2
    assert f"queues.{Q_SALES}" in capsys.readouterr().err
    piped = io.StringIO()
    assert main(["policy", "validate", "-", "--json"], out=piped, stdin=io.StringIO('{"mode": "off"}')) == 0
    assert json.loads(piped.getvalue()) == {"command": "policy validate", "valid": True, "policy": {"mode": "off"}}


def test_appconfig_refuses_an_invalid_document_written_behind_the_clis_back(policy: Policy) -> None:
    assert policy.cli("set", policy.file({"mode": "enforce"})).code == 0
    with pytest.raises(ClientError, match="BadRequestException"):  # the template's validator, in AppConfig
        deploy_document(policy.appconfig, policy.ids, json.dumps({"mode": "sometimes"}))
    assert policy.deployed() == {"mode": "enforce"}
    assert json.loads(policy.cli("show").out) == {"mode": "enforce"}


def test_an_invalid_deployed_document_is_reported_and_not_built_upon(
    stack: LocalStack, setup_cli: Callable[..., Run], tmp_path: Path
) -> None:
    unchecked = Policy(stack, setup_cli, tmp_path, validate=False)  # a profile without the validator
    deploy_document(unchecked.appconfig, unchecked.ids, json.dumps({"mode": "sometimes"}))
    shown = unchecked.cli("show")
    assert shown.code == 3
    assert "not a valid policy" in shown.err and "last valid policy" in shown.err
    assert json.loads(shown.out) == {"mode": "sometimes"}  # shown so it can be fixed
    assert unchecked.cli("mode", "observe").code == 3  # never edits a document it cannot read
    fixed = unchecked.cli("set", unchecked.file({"mode": "observe"}))
    assert fixed.code == 0 and unchecked.deployed() == {"mode": "observe"}


def test_mode_for_queues_by_id_and_by_name(policy: Policy, world: World) -> None:
    sales_name = world.sim.queue_names[world.sales_queue]
    assert policy.cli("set", policy.file({"queues": {world.sales_queue: {"defaultCodeName": "Sale"}}})).code == 0
    done = policy.cli("mode", "enforce", "--queue", sales_name.upper(), "--queue", Q_OTHER)
    assert done.code == 0, done.err
    assert policy.deployed() == {
        "queues": {world.sales_queue: {"mode": "enforce", "defaultCodeName": "Sale"}, Q_OTHER: {"mode": "enforce"}}
    }
    assert f"queue {world.sales_queue}: (inherited) -> enforce" in done.out
    unknown = policy.cli("mode", "enforce", "--queue", "No Such Queue")
    assert unknown.code == 2 and "No Such Queue" in unknown.err
    world.sim.add_queue([], name=sales_name)  # two queues, one name
    ambiguous = policy.cli("mode", "off", "--queue", sales_name)
    assert ambiguous.code == 2 and "pass the id" in ambiguous.err


def test_kill_switch_stops_every_queue_writing_and_says_how_to_restore(
    policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = {
        "mode": "enforce",
        "default": {"mode": "enforce", "defaultCodeName": "Done"},
        "queues": {
            Q_SALES: {"mode": "enforce", "defaultCodeName": "Sale", "overwriteAgentCode": True},
            Q_SUPPORT: {"mode": "off"},
            Q_OTHER: {"mode": "enforce"},
        },
    }
    assert policy.cli("set", policy.file(document)).code == 0
    # An emergency needs AWS only: no Genesys admin client.
    monkeypatch.delenv("GENESYS_ADMIN_CLIENT_ID")
    monkeypatch.delenv("GENESYS_ADMIN_CLIENT_SECRET")
    killed = policy.cli("mode", "observe", "--json")
    assert killed.code == 0, killed.err
    assert policy.deployed() == {
        "mode": "observe",
        "default": {"defaultCodeName": "Done"},
        "queues": {
            Q_SALES: {"defaultCodeName": "Sale", "overwriteAgentCode": True},
            Q_SUPPORT: {"mode": "off"},
            Q_OTHER: {},
        },
    }
    result = killed.doc
    assert result["changed"] and result["deployed"]["version"] == 3
    assert {(c["queue"], c["before"], c["after"]) for c in result["changes"]} == {
        (None, "enforce", "observe"),
        ("default", "enforce", None),
        (Q_SALES, "enforce", None),
        (Q_OTHER, "enforce", None),
    }
    restore = result["restore"]
    assert restore == f"wrapguard-setup policy mode enforce --queue {Q_SALES} --queue {Q_OTHER}"
    again = policy.cli("mode", "observe")  # idempotent: nothing left to change
    assert again.code == 0 and "no change" in again.out
    assert len(policy.deployments()) == 3


def test_json_dry_run_and_stdin(policy: Policy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps({"mode": "enforce"})))
    dry = policy.cli("set", "-", "--dry-run", "--json")
    assert dry.code == 0
    result = dry.doc
    assert result["command"] == "policy set"
    assert result["changed"] and result["dryRun"] and result["deployed"] is None
    assert result["from"] == {"deployment": 1, "version": 1}
    assert '+  "mode": "enforce"' in result["diff"]
    assert len(policy.deployments()) == 1  # dry run: nothing deployed
    text_dry = policy.cli("mode", "off", "--dry-run")
    assert text_dry.code == 0 and "dry run: nothing deployed" in text_dry.out


def test_stack_without_the_policy_store_is_a_usage_error(
    stack: LocalStack, setup_cli: Callable[..., Run], tmp_path: Path
) -> None:
    old = setup_cli("policy", "show")  # the stack fixture's outputs predate issue 17
    assert old.code == 2
    assert "PolicyApplicationId" in old.err and "deploy the stack" in old.err
