"""template.yaml: the resources, names and least-privilege policies the issues require."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from wrapguard_local.template import REPO_ROOT, TEMPLATE, load_template, transformed_template, without_condition


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
# The compliance table (issue 12) gets its own row under the function that writes it; observe mode's
# counters (issue 17): count_would_apply / count_would_fix -> TransactWriteItems (a Put marker and the
# aggregates' Updates), GetItem of the marker when the transaction was cancelled; record_observation -> UpdateItem;
# observed_participants -> BatchGetItem.
DYNAMODB_ACTIONS: dict[str, dict[str, set[str]]] = {
    "ApplyWrapupFunction": {
        "FailuresTable": {"dynamodb:UpdateItem", "dynamodb:GetItem"},
        "StagedCodesTable": {"dynamodb:PutItem"},
        "LeaseTable": {"dynamodb:UpdateItem"},
        "ComplianceTable": {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem"},
    },
    "WrapupEventsFunction": {
        "FailuresTable": {"dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:GetItem"},
        "StagedCodesTable": {"dynamodb:Query", "dynamodb:DeleteItem"},
        "IdempotencyTable": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        "LeaseTable": {"dynamodb:UpdateItem"},
        "ComplianceTable": {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem"},
    },
    "ReconcileFunction": {
        "FailuresTable": {"dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:GetItem"},
        "ReconcileCheckpointTable": {"dynamodb:GetItem", "dynamodb:PutItem"},
        # Compliance counting: BatchGetItem, then TransactWriteItems (authorised per Put/Update item).
        "ComplianceTable": {"dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem"},
        # The ledger (store/ledger.py CheckLedger): latest rows in batches, a conditional PutItem per new
        # version, GetItem after a lost race; the lease items' applied codes in batches.
        "LedgerTable": {"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem"},
        "LeaseTable": {"dynamodb:BatchGetItem"},
    },
}
FUNCTIONS = tuple(DYNAMODB_ACTIONS)
EVENTS_SOURCE = "aws.partner/genesys.com/cloud/bb14bed0-f8f9-445d-b9d1-10cecb8569d6/wrapguard"


def statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    """The function's inline statements; a conditional one (`Fn::If [cond, statement, AWS::NoValue]`)
    counts as its statement, marked with the condition under `_condition`."""
    found: list[dict[str, Any]] = []
    for policy in function["Properties"].get("Policies", []):
        assert set(policy) == {"Statement"}, f"only inline statements (policy templates grant more): {policy}"
        for statement in policy["Statement"]:
            if set(statement) == {"Fn::If"}:
                condition, statement_if, otherwise = statement["Fn::If"]
                assert otherwise == {"Ref": "AWS::NoValue"}, f"a conditional statement or nothing: {statement}"
                statement = {**statement_if, "_condition": condition}
            found.append(statement)
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


def test_events_concurrency_cap_is_a_parameter_off_by_default(resources: dict[str, Any]) -> None:
    """Issue 19: the cap on WrapupEventsFunction's containers (and so its tokens) is a parameter; 0 leaves
    the function unreserved, so a deploy never takes concurrency from the account by default."""
    parameter = load_template()["Parameters"]["WrapupEventsMaxConcurrency"]
    assert (parameter["Default"], parameter["MinValue"]) == (0, 0)
    reserved = resources["WrapupEventsFunction"]["Properties"]["ReservedConcurrentExecutions"]
    assert reserved == {
        "Fn::If": ["EventsConcurrencyCapped", {"Ref": "WrapupEventsMaxConcurrency"}, {"Ref": "AWS::NoValue"}]
    }
    assert load_template()["Conditions"]["EventsConcurrencyCapped"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "WrapupEventsMaxConcurrency"}, 0]}]
    }
    assert "ReservedConcurrentExecutions" not in resources["ApplyWrapupFunction"]["Properties"]  # Architect waits on it


def transformed_variant(events: bool) -> dict[str, Any]:
    template = load_template()
    template["Parameters"]["GenesysEventSourceName"]["Default"] = EVENTS_SOURCE if events else ""
    template["Parameters"]["GenesysOrgId"]["Default"] = "bb14bed0-f8f9-445d-b9d1-10cecb8569d6"
    transformed = transformed_template(template)
    if events:
        return transformed
    # Without the event source both conditions are false (HasNoEventsAlarm requires HasEventSource).
    return without_condition(without_condition(transformed, "HasNoEventsAlarm"), "HasEventSource")


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
    watched = {(str(a["Namespace"]), a["MetricName"]) for a in alarms.values() if "Namespace" in a}
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible") in watched
    assert ("AWS/Lambda", "Errors") in watched
    assert params["AlarmTopicArn"]["Default"] == ""


def test_reconciler_counts_compliance_into_its_table(resources: dict[str, Any]) -> None:
    function = resources["ReconcileFunction"]["Properties"]
    assert function["Environment"]["Variables"]["COMPLIANCE_TABLE_NAME"] == {"Ref": "ComplianceTable"}
    table = resources["ComplianceTable"]["Properties"]
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert list(resources)[-1] == "WrapguardDashboard"


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


# --- issue 16: notifications that mean something, template hygiene, managed policies ----------------
TOPIC = {"Fn::If": ["CreateAlarmTopic", {"Ref": "AlarmTopic"}, {"Ref": "AlarmTopicArn"}]}
STACK = {"Ref": "AWS::StackName"}


def alarms_of(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in resources.items() if v["Type"] == "AWS::CloudWatch::Alarm"}


def watched_metrics(alarm: dict[str, Any]) -> list[tuple[Any, str, dict[str, Any]]]:
    """(namespace, metric name, {dimension: value}) of every metric an alarm reads, math alarms included."""
    props = alarm["Properties"]
    if "MetricName" in props:
        return [(props["Namespace"], props["MetricName"], {d["Name"]: d["Value"] for d in props["Dimensions"]})]
    found = []
    for query in props["Metrics"]:
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            found.append(
                (metric["Namespace"], metric["MetricName"], {d["Name"]: d["Value"] for d in metric["Dimensions"]})
            )
    return found


def test_every_alarm_notifies_the_topic_on_alarm_and_on_ok(resources: dict[str, Any]) -> None:
    alarms = alarms_of(resources)
    assert len(alarms) >= 12
    for name, alarm in alarms.items():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [TOPIC], name
        assert props["OKActions"] == [TOPIC], name
        # "<stack>-...": the topic policy and SetupPolicy's DescribeAlarms are scoped by that prefix.
        assert props["AlarmName"]["Fn::Sub"].startswith("${AWS::StackName}-"), name
        description = props["AlarmDescription"]
        description = description if isinstance(description, str) else description["Fn::Sub"]
        assert len(description) >= 100, f"{name}: say what broke and what to do"


def test_the_topic_is_the_stacks_unless_one_is_given(resources: dict[str, Any]) -> None:
    template = load_template()
    assert template["Conditions"]["CreateAlarmTopic"] == {"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}
    assert resources["AlarmTopic"]["Condition"] == "CreateAlarmTopic"
    policy = resources["AlarmTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    ((statement),) = policy
    assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert "alarm:${AWS::StackName}-*" in statement["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"]
    subscription = resources["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["TopicArn"] == TOPIC
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""
    assert template["Outputs"]["AlarmTopicArn"]["Value"] == TOPIC


def test_no_alarm_counts_compliance_findings_one_by_one(resources: dict[str, Any]) -> None:
    from wrapguard import metric_names as names
    from wrapguard.domain.event_results import EventAction

    raw_compliance = {
        names.FAILURE_RECORDED,  # every failure, compliance findings included
        names.FAILURE_RECORDED_BY_REASON,
        names.COMPLIANCE_MISSING,
        names.COMPLIANCE_PLACEHOLDER,
        names.RECONCILE_MISSING_WRAPUPS,
        names.EVENT_ACTIONS[EventAction.MISSING_WRAPUP],
    }
    for name, alarm in alarms_of(resources).items():
        for _, metric, dimensions in watched_metrics(alarm):
            assert metric not in raw_compliance, name
            if metric == names.FAILURE_RECORDED_BY_CLASS:
                assert dimensions["class"] in {names.AUTH, names.UPSTREAM}, name


@pytest.mark.parametrize("reason", ["unauthorized", "forbidden", "timeout", "upstream_error", "rate_limited"])
def test_each_genesys_system_failure_reason_has_an_alarm(resources: dict[str, Any], reason: str) -> None:
    from wrapguard import metric_names as names

    watching = [
        name
        for name, alarm in alarms_of(resources).items()
        for namespace, metric, dimensions in watched_metrics(alarm)
        if (namespace, metric) == (STACK, names.FAILURE_RECORDED_BY_CLASS)
        and dimensions == {"service": STACK, "class": names.failure_class(reason)}
    ]
    assert len(watching) == 1


@pytest.mark.parametrize("function", ["ApplyWrapupFunction", "ReconcileFunction", "WrapupEventsFunction"])
def test_each_function_has_an_errors_and_a_throttles_alarm(resources: dict[str, Any], function: str) -> None:
    for metric in ("Errors", "Throttles"):
        (alarm,) = [
            a
            for a in alarms_of(resources).values()
            if ("AWS/Lambda", metric, {"FunctionName": {"Ref": function}}) in watched_metrics(a)
        ]
        assert alarm["Properties"]["ComparisonOperator"] == "GreaterThanThreshold"
        assert alarm.get("Condition") == resources[function].get("Condition")


def test_reconciler_heartbeat_alarm_fires_after_two_silent_intervals(resources: dict[str, Any]) -> None:
    from wrapguard import metric_names as names

    alarm = resources["ReconcileHeartbeatAlarm"]["Properties"]
    assert watched_metrics(resources["ReconcileHeartbeatAlarm"]) == [
        (STACK, names.RECONCILE_PASSES, {"service": STACK})
    ]
    assert alarm["TreatMissingData"] == "breaching"
    # Period x EvaluationPeriods = 120 s x rate = two schedule intervals; every period must be empty.
    assert alarm["Period"] == 120
    assert alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == {"Ref": "ReconcileRateMinutes"}
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == ("Sum", 1, "LessThanThreshold")
    rate = load_template()["Parameters"]["ReconcileRateMinutes"]
    assert rate["MaxValue"] * alarm["Period"] <= 86400  # CloudWatch: periods under an hour, one day at most


def test_the_pass_metric_is_counted_only_after_the_pass_returned() -> None:
    """The heartbeat means 'a pass finished': the handler counts it after run(), which raises on failure."""
    source = (REPO_ROOT / "functions" / "reconcile" / "app.py").read_text()
    assert source.index("reconciler().run(") < source.index("metric_names.RECONCILE_PASSES")


def test_compliance_floor_is_a_daily_rate_not_a_count(resources: dict[str, Any]) -> None:
    from wrapguard import metric_names as names

    alarm = resources["ComplianceFloorAlarm"]["Properties"]
    metrics = {q["Id"]: q for q in alarm["Metrics"]}
    assert {m for _, m, _ in watched_metrics(resources["ComplianceFloorAlarm"])} == {
        names.COMPLIANCE_CHECKED_TOTAL,
        names.COMPLIANCE_CODED_TOTAL,
    }
    stats = [q["MetricStat"] for q in metrics.values() if "MetricStat" in q]
    assert len(stats) <= 10  # CloudWatch: a math alarm reads at most 10 metrics
    assert all(s["Period"] == 86400 and s["Stat"] == "Sum" for s in stats)
    assert alarm["EvaluationPeriods"] == 1  # one day x 1: within the 7-day cap for periods of an hour or more
    (returned,) = [q for q in metrics.values() if q.get("ReturnData", True)]
    assert "100 * coded / checked" in returned["Expression"] and "SEARCH" not in returned["Expression"]
    assert alarm["Threshold"] == {"Ref": "ComplianceFloorPercent"}
    assert alarm["ComparisonOperator"] == "LessThanThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    assert load_template()["Parameters"]["ComplianceFloorPercent"]["Default"] == 90


def test_no_events_alarm_is_optional_and_only_with_the_event_path(resources: dict[str, Any]) -> None:
    template = load_template()
    assert template["Parameters"]["NoEventsAlarmMinutes"]["Default"] == 0
    condition = template["Conditions"]["HasNoEventsAlarm"]["Fn::And"]
    assert {"Condition": "HasEventSource"} in condition
    alarm = resources["NoEventsAlarm"]
    assert alarm["Condition"] == "HasNoEventsAlarm"
    props = alarm["Properties"]
    assert watched_metrics(alarm) == [("AWS/Lambda", "Invocations", {"FunctionName": {"Ref": "WrapupEventsFunction"}})]
    assert props["EvaluationPeriods"] == props["DatapointsToAlarm"] == {"Ref": "NoEventsAlarmMinutes"}
    assert props["TreatMissingData"] == "breaching"
    assert template["Parameters"]["NoEventsAlarmMinutes"]["MaxValue"] * props["Period"] <= 86400


def test_alarm_windows_stay_within_cloudwatch_limits(resources: dict[str, Any]) -> None:
    for name, alarm in alarms_of(resources).items():
        props = alarm["Properties"]
        period = props.get("Period") or props["Metrics"][0]["MetricStat"]["Period"]
        periods = props["EvaluationPeriods"]
        if isinstance(periods, int):
            assert period * periods <= (86400 if period < 3600 else 604800), name


@pytest.mark.parametrize("events", [False, True])
def test_alarm_names_output_lists_every_alarm(events: bool) -> None:
    deployed = transformed_variant(events)
    alarms = {k for k, v in deployed["Resources"].items() if v["Type"] == "AWS::CloudWatch::Alarm"}
    listed = json.dumps(deployed["Outputs"]["AlarmNames"]["Value"])
    assert {a for a in alarms if f'"{a}"' in listed or f"${{{a}}}" in listed} == alarms
    assert "EventAlarmNames" not in deployed["Outputs"]  # merged into AlarmNames


# Tables: which keep data when the stack goes, which have point-in-time recovery (and why not).
TABLES = {
    "FailuresTable": ("Retain", True),  # review history
    "ComplianceTable": ("Retain", True),  # compliance figures per day
    "LedgerTable": ("Retain", True),  # the reporting ledger's latest rows
    "StagedCodesTable": ("Delete", True),  # codes waiting for after-call work
    "ReconcileCheckpointTable": ("Delete", True),  # the watermark
    "LeaseTable": ("Delete", False),  # short holds, TTL: a restore would resurrect stale holds
    "IdempotencyTable": ("Delete", False),  # Powertools' idempotency cache
}


def test_every_table_states_its_policies_pitr_and_encryption(resources: dict[str, Any]) -> None:
    tables = {k: v for k, v in resources.items() if v["Type"] == "AWS::DynamoDB::Table"}
    assert set(tables) == set(TABLES)
    for name, (policy, pitr) in TABLES.items():
        table = tables[name]
        assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == (policy, policy), name
        recovery = table["Properties"].get("PointInTimeRecoverySpecification", {})
        assert recovery.get("PointInTimeRecoveryEnabled", False) is pitr, name
        assert table["Properties"]["SSESpecification"] == {"SSEEnabled": True}, name


# SAM (1.115) passes no tags to the EventBridge rule it generates; stack tags (`sam deploy --tags`) do.
UNTAGGED = {"WrapupEventsFunctionGenesysConversationEvents"}


@pytest.mark.parametrize("events", [False, True])
def test_every_taggable_resource_carries_the_tags(events: bool) -> None:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # type: ignore[import-untyped]

    wanted = [{"Key": "application", "Value": "wrapguard"}, {"Key": "owner", "Value": {"Ref": "OwnerTag"}}]
    tagged = 0
    for name, resource in transformed_variant(events)["Resources"].items():
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource["Type"]).schema
        if "Tags" not in schema["properties"] or name in UNTAGGED:
            continue
        tags = resource["Properties"].get("Tags")
        assert isinstance(tags, list) and all(tag in tags for tag in wanted), f"{name}: {tags}"
        tagged += 1
    assert tagged >= (28 if events else 20)


def test_metrics_and_service_are_named_after_the_stack(resources: dict[str, Any]) -> None:
    template = load_template()
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == STACK
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == STACK
    for name, alarm in alarms_of(resources).items():
        for namespace, _, dimensions in watched_metrics(alarm):
            if namespace != STACK:
                assert str(namespace).startswith("AWS/"), name
            else:
                assert dimensions["service"] == STACK, name
    text = TEMPLATE.read_text()
    assert "Wrapguard" not in text.replace("WrapguardLayer", "").replace("WrapguardDashboard", "")


def policy_statements(resources: dict[str, Any], name: str) -> list[dict[str, Any]]:
    found = []
    for statement in resources[name]["Properties"]["PolicyDocument"]["Statement"]:
        if "Fn::If" in statement:  # a statement that exists with the event path
            statement = statement["Fn::If"][1]
        assert statement["Effect"] == "Allow"
        for resource in as_list(statement["Resource"]):
            assert resource != "*" and "*" not in json.dumps(statement["Action"]), statement["Sid"]
        found.append(statement)
    return found


def actions_by_sid(resources: dict[str, Any], name: str) -> dict[str, set[str]]:
    return {s["Sid"]: set(as_list(s["Action"])) for s in policy_statements(resources, name)}


def test_reviewer_policy_reads_reviews_and_invokes_never_scans_or_writes_items(resources: dict[str, Any]) -> None:
    assert actions_by_sid(resources, "ReviewerPolicy") == {
        "ReadStackOutputs": {"cloudformation:DescribeStacks"},
        "ReadFunctionConfiguration": {"lambda:GetFunctionConfiguration"},
        "ReadFailures": {"dynamodb:GetItem", "dynamodb:Query"},
        "ReviewFailures": {"dynamodb:UpdateItem"},
        "ReadComplianceFigures": {"dynamodb:Query"},
        "AskTheFunctionsToAct": {"lambda:InvokeFunction"},
        "ReadDeadLetters": {"sqs:ReceiveMessage", "sqs:DeleteMessage"},
        "LedgerRows": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"},
        "DeliverLedgerRows": {"firehose:PutRecordBatch"},
    }
    statements = {s["Sid"]: s for s in policy_statements(resources, "ReviewerPolicy")}
    # A review's ledger version is the one item a reviewer puts (resolve --code-id), on that table only.
    assert statements["LedgerRows"]["Resource"] == [
        {"Fn::GetAtt": "LedgerTable.Arn"},
        {"Fn::Sub": "${LedgerTable.Arn}/index/DayIndex"},
    ]
    assert statements["DeliverLedgerRows"]["Resource"] == {"Fn::GetAtt": "LedgerDeliveryStream.Arn"}
    assert statements["ReadFailures"]["Resource"] == [
        {"Fn::GetAtt": "FailuresTable.Arn"},
        {"Fn::Sub": "${FailuresTable.Arn}/index/StatusIndex"},
    ]
    assert statements["ReviewFailures"]["Resource"] == {"Fn::GetAtt": "FailuresTable.Arn"}
    invoke = statements["AskTheFunctionsToAct"]["Resource"]
    assert invoke[0] == {"Ref": "ApplyWrapupFunction.Alias"}  # the published alias, as Genesys calls it
    assert invoke[1]["Fn::If"][:2] == ["HasEventSource", {"Fn::GetAtt": "WrapupEventsFunction.Arn"}]
    every_action = set().union(
        *(a for sid, a in actions_by_sid(resources, "ReviewerPolicy").items() if sid != "LedgerRows")
    )
    assert not every_action & {"dynamodb:Scan", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    assert not any(a.startswith("secretsmanager:") for a in every_action)  # no Genesys secret on a laptop


def test_setup_policy_is_what_wrapguard_setup_calls(resources: dict[str, Any]) -> None:
    assert actions_by_sid(resources, "SetupPolicy") == {
        "ReadStackOutputs": {"cloudformation:DescribeStacks"},
        "GenesysClientSecret": {
            "secretsmanager:GetSecretValue",
            "secretsmanager:PutSecretValue",
            "secretsmanager:CreateSecret",
        },
        "ReadFunctionConfiguration": {"lambda:GetFunctionConfiguration"},
        # `policy show|set|mode` (the kill switch); tests/unit/test_review_findings.py records the calls
        "ReadDeployedPolicy": {
            "appconfig:ListDeployments",
            "appconfig:GetDeployment",
            "appconfig:GetHostedConfigurationVersion",
        },
        "DeployPolicy": {"appconfig:CreateHostedConfigurationVersion", "appconfig:StartDeployment"},
        "VerifyTables": {"dynamodb:DescribeTable"},
        "VerifyAlarms": {"cloudwatch:DescribeAlarms"},
        "VerifyAlarmSubscription": {"sns:ListSubscriptionsByTopic"},
        "VerifyEventPath": {"events:DescribeEventSource", "events:DescribeEventBus"},
        "VerifyDeadLetters": {"sqs:GetQueueAttributes"},
    }
    statements = {s["Sid"]: s for s in policy_statements(resources, "SetupPolicy")}
    assert statements["GenesysClientSecret"]["Resource"]["Fn::Sub"].endswith(
        ":secret:${GenesysCredentialsSecretName}-??????"
    )
    assert statements["VerifyAlarmSubscription"]["Resource"] == TOPIC
    assert statements["VerifyAlarms"]["Resource"]["Fn::Sub"].endswith(":alarm:${AWS::StackName}-*")
    outputs = load_template()["Outputs"]
    assert outputs["ReviewerPolicyArn"]["Value"] == {"Ref": "ReviewerPolicy"}
    assert outputs["SetupPolicyArn"]["Value"] == {"Ref": "SetupPolicy"}


def test_the_reconciler_delivers_ledger_rows_only_with_the_stream(resources: dict[str, Any]) -> None:
    function = resources["ReconcileFunction"]
    env = function["Properties"]["Environment"]["Variables"]
    assert env["LEDGER_TABLE_NAME"] == {"Ref": "LedgerTable"}
    assert env["LEDGER_STREAM_NAME"] == {"Fn::If": ["LedgerEnabled", {"Ref": "LedgerDeliveryStream"}, ""]}
    assert granted(function, "firehose") == {"LedgerDeliveryStream": {"firehose:PutRecordBatch"}}
    (deliver,) = [s for s in statements(function) if s.get("Sid") == "DeliverLedgerRows"]
    assert deliver["_condition"] == "LedgerEnabled"
    for name in FUNCTIONS:
        if name != "ReconcileFunction":
            assert not granted(resources[name], "firehose"), name


def test_ledger_table_shape(resources: dict[str, Any]) -> None:
    props = resources["LedgerTable"]["Properties"]
    assert [k["AttributeName"] for k in props["KeySchema"]] == ["conversationId", "participantId"]
    assert "TimeToLiveSpecification" not in props  # reporting data does not expire
