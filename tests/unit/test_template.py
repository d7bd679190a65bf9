"""template.yaml: the resources, names and least-privilege policies the issues require."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from wrapguard_local.template import load_template, transformed_template, without_condition


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return load_template()["Resources"]  # type: ignore[no-any-return]


# What each function calls, read from the code (one map; change it with the code):
#   FailureStore.record / resolve_open -> UpdateItem, record_if_absent -> PutItem (conditional), and
#   GetItem to read the item when a conditional write found it changed (resolve_open reads first);
#   record_missing -> BatchGetItem (existing keys), then record_if_absent (PutItem) per new item;
#   StagingStore.put -> PutItem, find -> Query, delete -> DeleteItem;
#   CheckpointStore.load -> GetItem, save -> PutItem;
#   Powertools idempotency (store/idempotency.py, its persistence layer) -> GetItem, PutItem, UpdateItem, DeleteItem;
#   LeaseTable.try_acquire / release (store/leases.py) -> UpdateItem (conditional), both.
# The compliance table (issue 12) gets its own row under the function that writes it.
DYNAMODB_ACTIONS: dict[str, dict[str, set[str]]] = {
    "ApplyWrapupFunction": {
        "FailuresTable": {"dynamodb:UpdateItem", "dynamodb:GetItem"},
        "StagedCodesTable": {"dynamodb:PutItem"},
        "LeaseTable": {"dynamodb:UpdateItem"},
    },
    "WrapupEventsFunction": {
        "FailuresTable": {"dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:GetItem"},
        "StagedCodesTable": {"dynamodb:Query", "dynamodb:DeleteItem"},
        "IdempotencyTable": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        "LeaseTable": {"dynamodb:UpdateItem"},
    },
    "ReconcileFunction": {
        "FailuresTable": {"dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:GetItem"},
        "ReconcileCheckpointTable": {"dynamodb:GetItem", "dynamodb:PutItem"},
        # Compliance counting: BatchGetItem, then TransactWriteItems (authorised per Put/Update item).
        "ComplianceTable": {"dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
    },
}
FUNCTIONS = tuple(DYNAMODB_ACTIONS)
EVENTS_SOURCE = "aws.partner/genesys.com/cloud/bb14bed0-f8f9-445d-b9d1-10cecb8569d6/wrapguard"


def statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for policy in function["Properties"].get("Policies", []):
        assert set(policy) == {"Statement"}, f"only inline statements (policy templates grant more): {policy}"
        found.extend(policy["Statement"])
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def granted(function: dict[str, Any], service: str) -> dict[str, set[str]]:
    """Resource (logical id of a GetAtt X.Arn, else the raw value) -> actions of `service` granted on it."""
    result: dict[str, set[str]] = {}
    for statement in statements(function):
        assert statement["Effect"] == "Allow"
        actions = {a for a in as_list(statement["Action"]) if a.startswith(f"{service}:")}
        if not actions:
            continue
        for resource in as_list(statement["Resource"]):
            getatt = resource.get("Fn::GetAtt") if isinstance(resource, dict) else None
            key = getatt.split(".")[0] if isinstance(getatt, str) else str(resource)
            result.setdefault(key, set()).update(actions)
    return result


def test_apply_function_is_arm64_python313_with_the_layer(resources: dict[str, Any]) -> None:
    template = load_template()
    globals_ = template["Globals"]["Function"]
    assert globals_["Runtime"] == "python3.13"
    assert globals_["Architectures"] == ["arm64"]
    assert resources["ApplyWrapupFunction"]["Properties"]["Handler"] == "app.lambda_handler"
    assert resources["ApplyWrapupFunction"]["Metadata"]["BuildMethod"] == "makefile"
    assert resources["WrapguardLayer"]["Metadata"]["BuildMethod"] == "makefile"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_each_function_gets_exactly_the_dynamodb_actions_it_calls(resources: dict[str, Any], name: str) -> None:
    assert granted(resources[name], "dynamodb") == DYNAMODB_ACTIONS[name]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_no_wildcards_and_only_the_credentials_secret(resources: dict[str, Any], name: str) -> None:
    for statement in statements(resources[name]):
        for action in as_list(statement["Action"]):
            assert "*" not in action, f"{name}: {action}"
        assert statement["Resource"] != "*"
    ((secret, actions),) = granted(resources[name], "secretsmanager").items()
    assert actions == {"secretsmanager:GetSecretValue"}
    # Secrets Manager appends "-" and 6 random characters; "-*" would also match "<name>-other-secret".
    assert secret.endswith(":secret:${GenesysCredentialsSecretName}-??????'}")


def test_only_the_events_function_sends_to_the_dead_letter_queue(resources: dict[str, Any]) -> None:
    assert granted(resources["WrapupEventsFunction"], "sqs") == {"EventsDeadLetterQueue": {"sqs:SendMessage"}}
    assert granted(resources["ApplyWrapupFunction"], "sqs") == {}
    assert granted(resources["ReconcileFunction"], "sqs") == {}


def test_lease_table_for_the_write_lease(resources: dict[str, Any]) -> None:
    props = resources["LeaseTable"]["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "leaseKey", "KeyType": "HASH"}]
    assert props["AttributeDefinitions"] == [{"AttributeName": "leaseKey", "AttributeType": "S"}]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    for name in ("ApplyWrapupFunction", "WrapupEventsFunction"):
        env = resources[name]["Properties"]["Environment"]["Variables"]
        assert env["LEASE_TABLE_NAME"] == {"Ref": "LeaseTable"}


def test_genesys_data_action_role_trust_and_permission(resources: dict[str, Any]) -> None:
    template = load_template()
    role = resources["GenesysDataActionRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": {"Ref": "GenesysTrustedPrincipal"}}
    assert template["Parameters"]["GenesysTrustedPrincipal"]["Default"] == "arn:aws:iam::765628985471:root"
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "GenesysOrgId"}}}
    assert "Default" not in template["Parameters"]["GenesysOrgId"]  # sam deploy --guided asks for it
    (policy,) = role["Policies"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Resource"] == {"Ref": "ApplyWrapupFunction.Alias"}  # the published alias only
    assert resources["ApplyWrapupFunction"]["Properties"]["AutoPublishAlias"]
    outputs = template["Outputs"]
    assert outputs["GenesysDataActionRoleArn"]["Value"] == {"Fn::GetAtt": "GenesysDataActionRole.Arn"}
    assert outputs["ApplyWrapupFunctionAliasArn"]["Value"] == {"Ref": "ApplyWrapupFunction.Alias"}


def test_one_log_group_per_function_with_retention(resources: dict[str, Any]) -> None:
    template = load_template()
    groups = {
        v["Properties"]["LogGroupName"]["Fn::Sub"]: v for v in resources.values() if v["Type"] == "AWS::Logs::LogGroup"
    }
    functions = [k for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"]
    assert set(groups) == {f"/aws/lambda/${{{name}}}" for name in functions}
    for name in functions:
        group = groups[f"/aws/lambda/${{{name}}}"]
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert group.get("Condition") == resources[name].get("Condition")
    assert template["Parameters"]["LogRetentionDays"]["Default"] == 30


def test_reconcile_never_overlaps(resources: dict[str, Any]) -> None:
    props = resources["ReconcileFunction"]["Properties"]
    assert props["ReservedConcurrentExecutions"] == 1
    assert props["EventInvokeConfig"]["MaximumRetryAttempts"] == 0
    assert props["Events"]["ReconcileSchedule"]["Properties"]["RetryPolicy"]["MaximumRetryAttempts"] == 0
    rate = load_template()["Parameters"]["ReconcileRateMinutes"]
    assert rate["MinValue"] * 60 >= props["Timeout"]


def transformed_variant(events: bool) -> dict[str, Any]:
    template = load_template()
    template["Parameters"]["GenesysEventSourceName"]["Default"] = EVENTS_SOURCE if events else ""
    template["Parameters"]["GenesysOrgId"]["Default"] = "bb14bed0-f8f9-445d-b9d1-10cecb8569d6"
    transformed = transformed_template(template)
    return transformed if events else without_condition(transformed, "HasEventSource")


EVENTS_TYPES = {"AWS::Events::EventBus", "AWS::Events::Rule", "AWS::SQS::Queue", "AWS::SQS::QueuePolicy"}


@pytest.mark.parametrize("events", [False, True])
def test_event_path_is_optional_and_each_variant_passes_cfn_lint(events: bool, tmp_path: Path) -> None:
    deployed = transformed_variant(events)
    types = {v["Type"] for v in deployed["Resources"].values()}
    names = set(deployed["Resources"])
    events_resources = {"WrapupEventsFunction", "GenesysEventBus", "EventsDeadLetterQueue", "IdempotencyTable"}
    if events:
        assert types >= EVENTS_TYPES and events_resources <= names
    else:
        assert not types & EVENTS_TYPES and not names & events_resources
        assert {"ApplyWrapupFunction", "ReconcileFunction", "FailuresTable", "GenesysDataActionRole"} <= names
        text = json.dumps(deployed)
        assert not any(f'"{gone}' in text for gone in events_resources)  # no Ref/GetAtt left dangling
    path = tmp_path / "deployed.json"
    path.write_text(json.dumps(deployed))
    # Dropping the conditional resources leaves WrapupPolicy and HasEventSource unused: expected, so not warned on.
    command = [str(Path(sys.executable).parent / "cfn-lint"), str(path), "--ignore-checks", "W2001", "W8001"]
    lint = subprocess.run(command, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_failures_table_shape(resources: dict[str, Any]) -> None:
    props = resources["FailuresTable"]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["KeySchema"] == [
        {"AttributeName": "conversationId", "KeyType": "HASH"},
        {"AttributeName": "participantId", "KeyType": "RANGE"},
    ]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    (gsi,) = props["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "StatusIndex"
    assert [k["AttributeName"] for k in gsi["KeySchema"]] == ["status", "lastSeen"]


def test_outputs_give_the_function_arn() -> None:
    outputs = load_template()["Outputs"]
    assert outputs["ApplyWrapupFunctionArn"]["Value"] == {"Fn::GetAtt": "ApplyWrapupFunction.Arn"}


def test_event_function_rule_dlq_and_on_failure_destination(resources: dict[str, Any]) -> None:
    props = resources["WrapupEventsFunction"]["Properties"]
    rule = props["Events"]["GenesysConversationEvents"]
    assert rule["Type"] == "EventBridgeRule"
    assert rule["Properties"]["EventBusName"] == {"Ref": "GenesysEventBus"}
    assert set(rule["Properties"]["Pattern"]["detail-type"]) == {
        "v2.detail.events.conversation.{id}.user.end",
        "v2.detail.events.conversation.{id}.acw",
        "v2.detail.events.conversation.{id}.wrapup",
    }
    assert rule["Properties"]["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": "EventsDeadLetterQueue.Arn"}
    assert rule["Properties"]["RetryPolicy"]["MaximumRetryAttempts"] > 0
    invoke = props["EventInvokeConfig"]
    assert invoke["MaximumRetryAttempts"] <= 2 and invoke["MaximumEventAgeInSeconds"] <= 6 * 3600
    assert invoke["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": {"Fn::GetAtt": "EventsDeadLetterQueue.Arn"},
    }
    bus = resources["GenesysEventBus"]["Properties"]
    assert bus["EventSourceName"] == {"Ref": "GenesysEventSourceName"}
    statement = resources["EventsDeadLetterQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"} and "aws:SourceArn" in str(statement)


def test_idempotency_and_checkpoint_tables(resources: dict[str, Any]) -> None:
    idem = resources["IdempotencyTable"]["Properties"]
    assert idem["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert idem["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert resources["ReconcileCheckpointTable"]["Properties"]["KeySchema"][0]["AttributeName"] == "name"


def test_reconcile_schedule_and_alarms(resources: dict[str, Any]) -> None:
    schedule = resources["ReconcileFunction"]["Properties"]["Events"]["ReconcileSchedule"]
    assert schedule["Properties"]["ScheduleExpression"] == {"Fn::Sub": "rate(${ReconcileRateMinutes} minutes)"}
    params = load_template()["Parameters"]
    assert params["ReconcileRateMinutes"]["Default"] == 15
    alarms = {k: v["Properties"] for k, v in resources.items() if v["Type"] == "AWS::CloudWatch::Alarm"}
    watched = {(a["Namespace"], a["MetricName"]) for a in alarms.values()}
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible") in watched
    assert ("AWS/Lambda", "Errors") in watched
    assert ("Wrapguard", "FailureRecorded") in watched
    assert all("AlarmActions" in a for a in alarms.values())
    assert params["AlarmTopicArn"]["Default"] == ""


def test_reconciler_counts_compliance_into_its_table(resources: dict[str, Any]) -> None:
    function = resources["ReconcileFunction"]["Properties"]
    assert function["Environment"]["Variables"]["COMPLIANCE_TABLE_NAME"] == {"Ref": "ComplianceTable"}
    table = resources["ComplianceTable"]["Properties"]
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert list(resources)[-2:] == ["ComplianceTable", "WrapguardDashboard"]


def test_data_action_tracer_off_by_default_active_tracing_kept(resources: dict[str, Any]) -> None:
    template = load_template()
    parameters, conditions = template["Parameters"], template["Conditions"]
    assert parameters["DataActionPowertoolsTracer"]["Default"] == "Disabled"
    assert conditions["DataActionTracerEnabled"] == {"Fn::Equals": [{"Ref": "DataActionPowertoolsTracer"}, "Enabled"]}
    variables = resources["ApplyWrapupFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_TRACE_DISABLED"] == {"Fn::If": ["DataActionTracerEnabled", "false", "true"]}
    assert template["Globals"]["Function"]["Tracing"] == "Active"
    for other in ("WrapupEventsFunction", "ReconcileFunction"):
        assert "POWERTOOLS_TRACE_DISABLED" not in resources[other]["Properties"]["Environment"]["Variables"]
