"""The local AWS server's AppConfig (appconfig_local.py) honours the contract wrapguard's policy reader relies on."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.integration

SCHEMA = {"type": "object", "properties": {"mode": {"enum": ["observe", "enforce", "off"]}}, "required": ["mode"]}


@pytest.fixture
def appconfig(local_aws: str) -> tuple[Any, Any, dict[str, str]]:
    control = boto3.client("appconfig", endpoint_url=local_aws)
    data = boto3.client("appconfigdata", endpoint_url=local_aws)
    app = control.create_application(Name="wrapguard-test")["Id"]
    profile = control.create_configuration_profile(
        ApplicationId=app,
        Name="policy",
        LocationUri="hosted",
        Validators=[{"Type": "JSON_SCHEMA", "Content": json.dumps(SCHEMA)}],
    )["Id"]
    env = control.create_environment(ApplicationId=app, Name="live")["Id"]
    strategy = control.create_deployment_strategy(
        Name="instant", DeploymentDurationInMinutes=0, GrowthFactor=100, ReplicateTo="NONE"
    )["Id"]
    return control, data, {"app": app, "profile": profile, "env": env, "strategy": strategy}


def _deploy(control: Any, ids: dict[str, str], content: dict[str, object]) -> None:
    version = control.create_hosted_configuration_version(
        ApplicationId=ids["app"],
        ConfigurationProfileId=ids["profile"],
        Content=json.dumps(content).encode(),
        ContentType="application/json",
    )["VersionNumber"]
    control.start_deployment(
        ApplicationId=ids["app"],
        EnvironmentId=ids["env"],
        DeploymentStrategyId=ids["strategy"],
        ConfigurationProfileId=ids["profile"],
        ConfigurationVersion=str(version),
    )


def test_deployed_content_is_served_once_then_only_changes(appconfig: tuple[Any, Any, dict[str, str]]) -> None:
    control, data, ids = appconfig
    _deploy(control, ids, {"mode": "observe"})
    token = data.start_configuration_session(
        ApplicationIdentifier=ids["app"],
        EnvironmentIdentifier=ids["env"],
        ConfigurationProfileIdentifier=ids["profile"],
        RequiredMinimumPollIntervalInSeconds=15,
    )["InitialConfigurationToken"]
    first = data.get_latest_configuration(ConfigurationToken=token)
    assert json.loads(first["Configuration"].read()) == {"mode": "observe"}
    assert first["NextPollIntervalInSeconds"] == 15
    unchanged = data.get_latest_configuration(ConfigurationToken=first["NextPollConfigurationToken"])
    assert unchanged["Configuration"].read() == b""
    _deploy(control, ids, {"mode": "enforce"})
    changed = data.get_latest_configuration(ConfigurationToken=unchanged["NextPollConfigurationToken"])
    assert json.loads(changed["Configuration"].read()) == {"mode": "enforce"}
    with pytest.raises(ClientError, match="BadRequestException"):  # tokens are single-use
        data.get_latest_configuration(ConfigurationToken=token)


def test_invalid_content_is_not_deployed(appconfig: tuple[Any, Any, dict[str, str]]) -> None:
    control, _, ids = appconfig
    with pytest.raises(ClientError, match="failed validation"):
        _deploy(control, ids, {"mode": "sometimes"})
    deployments = control.list_deployments(ApplicationId=ids["app"], EnvironmentId=ids["env"])
    assert deployments["Items"] == []
