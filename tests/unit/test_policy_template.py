"""template.yaml's runtime policy (issue 17): AppConfig with THE schema, an instant strategy, the stack's
default mode, and each function allowed to read exactly its one configuration."""

from __future__ import annotations

import json
from typing import Any

import pytest

from wrapguard.domain.policy import Mode, policy_json_schema, policy_json_schema_text
from wrapguard_local.template import load_template

FUNCTIONS = ("ApplyWrapupFunction", "WrapupEventsFunction", "ReconcileFunction")
CONFIGURATION_ARN = (
    "arn:${AWS::Partition}:appconfig:${AWS::Region}:${AWS::AccountId}:application/${PolicyApplication.ApplicationId}"
    "/environment/${PolicyEnvironment.EnvironmentId}/configuration/${PolicyProfile.ConfigurationProfileId}"
)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def test_the_validator_is_the_policy_models_schema(template: dict[str, Any]) -> None:
    profile = template["Resources"]["PolicyProfile"]["Properties"]
    assert profile["LocationUri"] == "hosted"
    (validator,) = profile["Validators"]
    assert validator["Type"] == "JSON_SCHEMA"
    assert json.loads(validator["Content"]) == policy_json_schema()
    # Byte for byte, so a reviewer sees the model change in the template's diff; paste this to update it.
    assert validator["Content"] == policy_json_schema_text(), policy_json_schema_text()


def test_instant_strategy_so_the_kill_switch_never_waits_for_a_bake(template: dict[str, Any]) -> None:
    strategy = template["Resources"]["PolicyDeploymentStrategy"]["Properties"]
    assert strategy["DeploymentDurationInMinutes"] == 0
    assert strategy["FinalBakeTimeInMinutes"] == 0
    assert strategy["GrowthFactor"] == 100
    assert strategy["ReplicateTo"] == "NONE"


def test_the_wrapup_policy_parameter_is_the_first_deployed_version(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    version = resources["PolicyInitialVersion"]["Properties"]
    assert version["Content"] == {"Ref": "WrapupPolicy"}
    assert version["ContentType"] == "application/json"
    deployment = resources["PolicyInitialDeployment"]["Properties"]
    assert deployment["ConfigurationVersion"] == {"Fn::GetAtt": "PolicyInitialVersion.VersionNumber"}
    assert deployment["DeploymentStrategyId"] == {"Fn::GetAtt": "PolicyDeploymentStrategy.Id"}
    assert deployment["EnvironmentId"] == {"Fn::GetAtt": "PolicyEnvironment.EnvironmentId"}
    assert resources["PolicyEnvironment"]["Properties"]["Name"] == "live"
    assert template["Parameters"]["WrapupPolicy"]["Default"] == "{}"


def test_a_new_stack_observes_unless_the_deployer_chooses(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["DefaultMode"]
    assert parameter["Default"] == Mode.OBSERVE.value
    assert sorted(parameter["AllowedValues"]) == sorted(m.value for m in Mode)


def test_every_function_gets_the_mode_policy_and_where_to_read_it(template: dict[str, Any]) -> None:
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["WRAPGUARD_DEFAULT_MODE"] == {"Ref": "DefaultMode"}
    assert variables["WRAPUP_POLICY"] == {"Ref": "WrapupPolicy"}
    assert variables["POLICY_APPCONFIG_APPLICATION"] == {"Fn::GetAtt": "PolicyApplication.ApplicationId"}
    assert variables["POLICY_APPCONFIG_ENVIRONMENT"] == {"Fn::GetAtt": "PolicyEnvironment.EnvironmentId"}
    assert variables["POLICY_APPCONFIG_PROFILE"] == {"Fn::GetAtt": "PolicyProfile.ConfigurationProfileId"}
    for name in FUNCTIONS:  # one source: no function overrides the globals
        own = template["Resources"][name]["Properties"]["Environment"]["Variables"]
        assert not {"WRAPUP_POLICY", "WRAPGUARD_DEFAULT_MODE"} & set(own), name


@pytest.mark.parametrize("name", FUNCTIONS)
def test_each_function_may_read_its_one_configuration_and_nothing_else(template: dict[str, Any], name: str) -> None:
    statements = [s for p in template["Resources"][name]["Properties"]["Policies"] for s in p["Statement"]]
    appconfig = [s for s in statements if any(a.startswith("appconfig:") for a in s.get("Action", ()))]
    (statement,) = appconfig
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == ["appconfig:GetLatestConfiguration", "appconfig:StartConfigurationSession"]
    assert statement["Resource"] == {"Fn::Sub": CONFIGURATION_ARN}


def test_outputs_name_what_wrapguard_setup_policy_writes(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs["PolicyApplicationId"]["Value"] == {"Fn::GetAtt": "PolicyApplication.ApplicationId"}
    assert outputs["PolicyEnvironmentId"]["Value"] == {"Fn::GetAtt": "PolicyEnvironment.EnvironmentId"}
    assert outputs["PolicyProfileId"]["Value"] == {"Fn::GetAtt": "PolicyProfile.ConfigurationProfileId"}
    assert outputs["PolicyDeploymentStrategyId"]["Value"] == {"Fn::GetAtt": "PolicyDeploymentStrategy.Id"}


def test_a_rejected_policy_raises_the_alarm(template: dict[str, Any]) -> None:
    alarm = template["Resources"]["PolicyRejectedAlarm"]["Properties"]
    genesys = template["Resources"]["GenesysAuthFailuresAlarm"]["Properties"]
    assert alarm["MetricName"] == "PolicyRejected"
    assert alarm["Namespace"] == genesys["Namespace"]  # the functions' namespace, as the other alarms
    assert alarm["Dimensions"] == [d for d in genesys["Dimensions"] if d["Name"] == "service"]
    assert alarm["AlarmActions"] == genesys["AlarmActions"]
    assert alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["Statistic"] == "Sum"
