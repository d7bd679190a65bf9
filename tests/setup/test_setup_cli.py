"""wrapguard-setup against the simulator and the local AWS server: the lifecycle, a partly set-up org,
refused calls, secrets, options and exit codes (issue 9)."""

from __future__ import annotations

from collections.abc import Callable

import boto3
import pytest

from genesys_simulator import Fault
from tests.support.setup_cli import ADMIN_SECRET, Run
from tests.support.world import World
from wrapguard.cli.setup.errors import EXIT_OK, EXIT_PROBLEMS, EXIT_REFUSED, EXIT_USAGE
from wrapguard.probe import PROBE_CONVERSATION_ID
from wrapguard_local.local_setup import LocalStack

pytestmark = pytest.mark.integration
Cli = Callable[..., Run]


def changes(run: Run) -> dict[str, str]:
    """kind:name -> change, with the credential's ownership mark left out of its name."""
    return {f"{s['kind']}:{s['name'].split(' wrapguard-owner=')[0]}": s["change"] for s in run.doc["steps"]}


def test_plan_apply_again_verify_destroy(setup_cli: Cli, world: World, stack: LocalStack) -> None:
    plan = setup_cli("plan", "--json")
    assert plan.code == EXIT_OK, plan.err
    assert set(changes(plan).values()) == {"create"} and len(plan.doc["steps"]) == 3
    assert not world.sim.integrations and not world.sim.actions  # plan changed nothing

    applied = setup_cli("apply", "--json", "--create-client")
    assert applied.code == EXIT_OK, applied.err
    assert all(s["done"] for s in applied.doc["steps"]) and applied.doc["changes"] == 5
    (integration,) = world.sim.integrations.values()
    assert integration["intendedState"] == "ENABLED"
    (action,) = world.sim.actions.values()
    assert action["config"]["request"]["requestUrlTemplate"] == stack_alias(stack)
    assert action["integrationId"] == integration["id"]

    again = setup_cli("apply", "--create-client")
    assert again.code == EXIT_OK
    assert "no changes: already up to date" in again.out
    assert again.out.count("unchanged") == 5

    verified = setup_cli("verify", "--json")
    assert verified.code == EXIT_OK, verified.out
    assert all(c["ok"] for c in verified.doc["checks"])
    # The probe reached the function and left nothing behind.
    assert stack.invocations[-1]["conversationId"] == PROBE_CONVERSATION_ID
    failures = boto3.client("dynamodb").scan(TableName=stack.tables["FailuresTable"])
    assert failures["Count"] == 0
    assert world.sim.counters["get_conversation"] == 0 and world.sim.counters["patch_participant"] == 0

    destroyed = setup_cli("destroy", "--yes", "--json")
    assert destroyed.code == EXIT_OK
    assert not world.sim.integrations and not world.sim.actions and not world.sim.credentials
    assert not world.sim.oauth_clients and not world.sim.roles
    assert setup_cli("plan", "--json").doc["changes"] == 3


def stack_alias(stack: LocalStack) -> str:
    outputs = boto3.client("cloudformation").describe_stacks(StackName=stack.name)["Stacks"][0]["Outputs"]
    return next(o["OutputValue"] for o in outputs if o["OutputKey"] == "ApplyWrapupFunctionAliasArn")


def test_events_integration_then_second_deploy(setup_cli: Cli, world: World, stack: LocalStack) -> None:
    applied = setup_cli("apply", "--events", "--json", "--create-client")
    source = applied.doc["eventSourceName"]
    assert source == f"aws.partner/genesys.com/cloud/{stack.org_id}/wrapguard"
    (events,) = [
        i for i in world.sim.integrations.values() if i["integrationType"]["id"] == "amazon-eventbridge-source"
    ]
    props = world.sim.integration_configs[events["id"]]["properties"]
    assert props["eventFilter"] == [
        "v2.detail.events.conversation.{id}.user.end",
        "v2.detail.events.conversation.{id}.acw",
        "v2.detail.events.conversation.{id}.wrapup",
    ]
    assert (props["awsAccountId"], props["awsAccountRegion"]) == ("123456789012", "us-east-1")

    before = setup_cli("verify", "--events")
    assert before.code == EXIT_PROBLEMS
    assert "PROBLEM  event source" in before.out and "no bus" in before.out

    stack.deploy(event_source=source)  # sam deploy with GenesysEventSourceName
    after = setup_cli("verify", "--events")
    assert after.code == EXIT_OK, after.out
    assert "ACTIVE, bus exists" in after.out and "0 message(s) waiting" in after.out


def test_partly_set_up_org_is_completed_not_duplicated(setup_cli: Cli, world: World) -> None:
    setup_cli("apply")
    world.sim.actions.clear()  # integration exists, action missing
    plan = setup_cli("plan", "--json")
    assert changes(plan) == {
        "credential:wrapguard-lambda-role": "unchanged",
        "integration:wrapguard-lambda": "unchanged",
        "data action:wrapguard - Apply Wrap-up Code": "create",
    }
    assert setup_cli("apply").code == EXIT_OK
    assert len(world.sim.integrations) == 1 and len(world.sim.actions) == 1 and len(world.sim.credentials) == 1


def test_disabled_integration_and_changed_alias_are_updated(setup_cli: Cli, world: World) -> None:
    setup_cli("apply", "--create-client")
    (integration,) = world.sim.integrations.values()
    integration["intendedState"] = "DISABLED"
    (action,) = world.sim.actions.values()
    action["config"]["request"]["requestUrlTemplate"] = "arn:aws:lambda:us-east-1:123456789012:function:old:live"
    plan = setup_cli("plan", "--json")
    assert changes(plan)["integration:wrapguard-lambda"] == "update"
    assert changes(plan)["data action:wrapguard - Apply Wrap-up Code"] == "update"
    assert setup_cli("apply", "--create-client").code == EXIT_OK
    assert integration["intendedState"] == "ENABLED" and action["version"] == 2
    assert setup_cli("verify").code == EXIT_OK


@pytest.mark.parametrize(("status", "code"), [(403, "missing.permissions"), (409, "conflict")])
def test_refused_call_stops_and_lists_what_was_created(setup_cli: Cli, world: World, status: int, code: str) -> None:
    world.sim.inject(Fault(endpoint="create_action", status=status))
    refused = setup_cli("apply")
    assert refused.code == EXIT_REFUSED
    (line,) = refused.err.strip().splitlines()
    assert "post_integrations_actions" in line and f"HTTP {status}" in line and "contextId" in line
    assert "done before the refusal:" in refused.out
    assert "created    credential" in refused.out and "created    integration" in refused.out
    assert not world.sim.actions
    assert setup_cli("apply").code == EXIT_OK  # resumed: completed, nothing duplicated
    assert len(world.sim.integrations) == 1 and len(world.sim.actions) == 1


def test_refusal_in_json_names_the_error_and_the_done_steps(setup_cli: Cli, world: World) -> None:
    world.sim.inject(Fault(endpoint="put_integration_config", status=403))
    refused = setup_cli("apply", "--json")
    assert refused.code == EXIT_REFUSED
    assert "HTTP 403" in refused.doc["error"]
    assert [s["kind"] for s in refused.doc["done"]] == ["credential"]


def test_secrets_are_never_printed(setup_cli: Cli, world: World, stack: LocalStack) -> None:
    runs = [setup_cli(*argv) for argv in (["apply", "--create-client"], ["verify", "--json"], ["plan", "--json"])]
    (client,) = world.sim.oauth_clients.values()
    for run in runs:
        for secret in (ADMIN_SECRET, client["secret"]):
            assert secret not in run.out and secret not in run.err
    stored = boto3.client("secretsmanager").get_secret_value(SecretId=stack.secret_name)["SecretString"]
    assert client["secret"] in stored  # written where the functions read it, and only there


def test_options_before_or_after_the_subcommand(setup_cli: Cli) -> None:
    assert setup_cli("--json", "plan").doc == setup_cli("plan", "--json").doc


def test_usage_errors_are_one_line_with_exit_code_2(
    setup_cli: Cli, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = setup_cli("plan", "--stack-name", "no-such-stack")
    assert missing.code == EXIT_USAGE
    assert missing.err.strip() == (
        "wrapguard-setup: stack 'no-such-stack' not found in us-east-1: deploy it (README, Deploy)"
        " or pass --stack-name/--region"
    )
    monkeypatch.delenv("GENESYS_ADMIN_CLIENT_ID")
    no_admin = setup_cli("plan")
    assert no_admin.code == EXIT_USAGE and len(no_admin.err.strip().splitlines()) == 1
    monkeypatch.setenv("GENESYS_ADMIN_CLIENT_ID", "wrapguard-admin")
    monkeypatch.setenv("GENESYS_ADMIN_CLIENT_SECRET", "wrong-secret-xyz")
    refused = setup_cli("plan")
    assert refused.code == EXIT_USAGE and "admin client" in refused.err and "wrong-secret-xyz" not in refused.err


def test_verify_names_each_problem_and_its_fix(setup_cli: Cli, world: World, stack: LocalStack) -> None:
    assert setup_cli("verify").code == EXIT_PROBLEMS  # nothing set up yet
    setup_cli("apply", "--create-client")
    world.sim.roles[next(iter(world.sim.roles))]["permissionPolicies"].pop()  # analytics permission gone
    problems = setup_cli("verify")
    assert problems.code == EXIT_PROBLEMS
    (line,) = [x for x in problems.out.splitlines() if "PROBLEM" in x]
    assert "lacks analytics:conversationDetail:view" in line and "-> add them to its role" in line


def test_org_mismatch_is_a_problem(setup_cli: Cli, world: World) -> None:
    setup_cli("apply")
    world.sim.org_id = "0f0f0f0f-0000-4000-8000-000000000001"
    run = setup_cli("verify")
    assert run.code == EXIT_PROBLEMS
    assert any(x.startswith("  PROBLEM  org") and "GenesysOrgId" in x for x in run.out.splitlines())
