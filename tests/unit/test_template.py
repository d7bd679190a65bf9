"""template.yaml: the resources, names and least-privilege policies the issues require."""

from __future__ import annotations

from typing import Any

import pytest

from wrapguard_local.template import load_template


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return load_template()["Resources"]  # type: ignore[no-any-return]


def policy_targets(function: dict[str, Any]) -> dict[str, set[str]]:
    """Policy template name -> the logical ids / parameters it is scoped to."""
    targets: dict[str, set[str]] = {}
    for policy in function["Properties"].get("Policies", []):
        ((name, args),) = policy.items()
        if name == "Statement":  # inline statements: "Statement" -> "action on logical id"
            for statement in args:
                attribute = statement["Resource"]["Fn::GetAtt"]
                resource = attribute[0] if isinstance(attribute, list) else attribute.split(".")[0]
                targets.setdefault(name, set()).add(f"{statement['Action']} on {resource}")
            continue
        for value in args.values():
            ref = value.get("Ref") if isinstance(value, dict) else None
            sub = value.get("Fn::Sub") if isinstance(value, dict) else None
            targets.setdefault(name, set()).add(ref or sub or str(value))
    return targets


def test_apply_function_is_arm64_python313_with_the_layer(resources: dict[str, Any]) -> None:
    template = load_template()
    globals_ = template["Globals"]["Function"]
    assert globals_["Runtime"] == "python3.13"
    assert globals_["Architectures"] == ["arm64"]
    assert resources["ApplyWrapupFunction"]["Properties"]["Handler"] == "app.lambda_handler"
    assert resources["ApplyWrapupFunction"]["Metadata"]["BuildMethod"] == "makefile"
    assert resources["WrapguardLayer"]["Metadata"]["BuildMethod"] == "makefile"


def test_apply_function_least_privilege(resources: dict[str, Any]) -> None:
    targets = policy_targets(resources["ApplyWrapupFunction"])
    assert set(targets) == {"DynamoDBCrudPolicy", "AWSSecretsManagerGetSecretValuePolicy", "Statement"}
    assert targets["DynamoDBCrudPolicy"] == {"FailuresTable", "StagedCodesTable"}
    assert targets["Statement"] == {"dynamodb:UpdateItem on LeaseTable"}  # the participant lease
    (secret,) = targets["AWSSecretsManagerGetSecretValuePolicy"]
    assert "${GenesysCredentialsSecretName}-*" in secret


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


def test_each_function_gets_only_its_tables(resources: dict[str, Any]) -> None:
    events = policy_targets(resources["WrapupEventsFunction"])
    assert events["DynamoDBCrudPolicy"] == {"FailuresTable", "StagedCodesTable", "IdempotencyTable"}
    assert set(events) == {
        "DynamoDBCrudPolicy",
        "AWSSecretsManagerGetSecretValuePolicy",
        "SQSSendMessagePolicy",
        "Statement",
    }
    assert events["Statement"] == {"dynamodb:UpdateItem on LeaseTable"}
    reconcile = policy_targets(resources["ReconcileFunction"])
    assert reconcile["DynamoDBCrudPolicy"] == {"FailuresTable", "ReconcileCheckpointTable"}
    assert set(reconcile) == {"DynamoDBCrudPolicy", "AWSSecretsManagerGetSecretValuePolicy"}
    for name in ("ApplyWrapupFunction", "WrapupEventsFunction", "ReconcileFunction"):
        for policy in resources[name]["Properties"]["Policies"]:
            assert isinstance(policy, dict), f"{name}: managed policy {policy} is broader than its resources"


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
