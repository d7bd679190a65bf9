"""The runtime policy end to end: `wrapguard-setup policy` deploys to AppConfig (local AWS server) and the
events handler acts on it within the bound, with no redeploy; a document deployed around the validator is
ignored (last valid kept, PolicyRejected counted); the data action's reader loads no boto3."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.world import World
from wrapguard.cli.setup import main as setup_main
from wrapguard_local.handlers import FakeLambdaContext, load_handler
from wrapguard_local.policy_store import create_policy_store, deploy_document, policy_environment

ROLE_ARN = "arn:aws:iam::123456789012:role/wg-GenesysDataActionRole-LOCAL"
ALIAS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:wg-ApplyWrapupFunction:live"

pytestmark = pytest.mark.integration


@pytest.fixture
def store(
    function_env: dict[str, Any], world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> dict[str, Any]:
    # No validator on this profile: the test can deploy what AppConfig itself would refuse.
    initial = json.dumps({"queues": {world.sales_queue: {"mode": "observe", "defaultCodeId": world.sales}}})
    ids = create_policy_store(
        boto3.client("appconfig"), f"rt{tmp_path.name[-6:]}", initial_policy=initial, validate=False
    )
    for key, value in policy_environment(ids).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("POLICY_REFRESH_SECONDS", "0")  # the bound, without waiting 30 s
    monkeypatch.setenv("WRAPGUARD_DEFAULT_MODE", "observe")
    monkeypatch.setenv("WRAPUP_POLICY", "{}")
    outputs = tmp_path / "outputs.json"
    outputs.write_text(
        json.dumps(
            {
                "GenesysDataActionRoleArn": ROLE_ARN,
                "ApplyWrapupFunctionAliasArn": ALIAS_ARN,
                "GenesysOrgId": "00000000-0000-4000-8000-000000000000",
                "GenesysCredentialsSecretName": "unused",
                "FailuresTableName": function_env["FAILURES_TABLE_NAME"],
                "StagedCodesTableName": function_env["STAGED_CODES_TABLE_NAME"],
                **ids,
            }
        )
    )
    return {"ids": ids, "outputs": str(outputs)}


def user_end_action(events_fn: Any, world: World) -> str:
    cid, pid = world.sim.new_call(world.sales_queue)
    (event, *_) = world.sim.agent_disconnect(cid, pid)
    return str(events_fn.lambda_handler(event, FakeLambdaContext())["action"])


def test_a_policy_change_reaches_the_events_handler_without_redeploy_and_an_invalid_one_is_ignored(
    store: dict[str, Any], world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    events_fn = load_handler("wrapup_events")
    assert user_end_action(events_fn, world) == "observed"  # the initial deployment, not WRAPUP_POLICY
    code = setup_main(["--outputs", store["outputs"], "policy", "mode", "enforce", "--queue", world.sales_queue])
    assert code == 0
    assert user_end_action(events_fn, world) == "applied"  # same container, next invocation
    capsys.readouterr()
    deploy_document(boto3.client("appconfig"), store["ids"], json.dumps({"mode": "sometimes"}))
    assert user_end_action(events_fn, world) == "applied"  # the last valid policy kept
    printed = capsys.readouterr().out
    assert "PolicyRejected" in printed
    assert "sometimes" not in printed  # logged without the content


def test_the_data_actions_policy_read_loads_no_boto3(store: dict[str, Any]) -> None:
    script = (
        "import sys\n"
        "from wrapguard.settings import ApplySettings, load_settings\n"
        "from wrapguard.runtime import policy_source\n"
        "from wrapguard.domain.deadline import Deadline\n"
        "policy = policy_source(load_settings(ApplySettings))(Deadline.after(10))\n"
        "assert policy.queues, 'the deployed policy was not read'\n"
        "heavy = {'boto3', 's3transfer'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m.startswith('botocore.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_setup_output_is_one_line_per_change(store: dict[str, Any], world: World) -> None:
    out = io.StringIO()
    assert setup_main(["--outputs", store["outputs"], "policy", "mode", "observe"], out=out) == 0
    assert "top level: (inherited) -> observe" in out.getvalue()
