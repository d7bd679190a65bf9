"""The stack's runtime policy store (template.yaml's Policy* AppConfig resources) in the local AWS server.

The local server cannot run the template, so this creates the same application, `live` environment,
hosted profile (with the template's JSON Schema validator), instant strategy and initial deployment with
boto3, read from template.yaml so they cannot drift, and returns them under the template's output keys
(what `wrapguard-setup policy` reads). Tests and the demo use it.
"""

from __future__ import annotations

from typing import Any

from .template import load_template


def create_policy_store(
    appconfig: Any, name: str, *, initial_policy: str | None = "{}", validate: bool = True
) -> dict[str, str]:
    """Create the store for stack `name`; `initial_policy` is deployed like the WrapupPolicy parameter.

    `validate=False` leaves the validator out: a store whose documents nobody checks, for tests of what
    the functions do with an invalid document written around `wrapguard-setup policy`.
    """
    resources = load_template()["Resources"]
    profile = resources["PolicyProfile"]["Properties"]
    strategy = resources["PolicyDeploymentStrategy"]["Properties"]
    app = appconfig.create_application(Name=f"{name}-wrapguard")["Id"]
    profile_id = appconfig.create_configuration_profile(
        ApplicationId=app,
        Name=profile["Name"],
        LocationUri=profile["LocationUri"],
        Validators=profile["Validators"] if validate else [],
    )["Id"]
    env = appconfig.create_environment(ApplicationId=app, Name=resources["PolicyEnvironment"]["Properties"]["Name"])
    strategy_id = appconfig.create_deployment_strategy(
        Name=f"{name}-wrapguard-instant",
        DeploymentDurationInMinutes=strategy["DeploymentDurationInMinutes"],
        FinalBakeTimeInMinutes=strategy["FinalBakeTimeInMinutes"],
        GrowthFactor=float(strategy["GrowthFactor"]),
        ReplicateTo=strategy["ReplicateTo"],
    )["Id"]
    outputs = {
        "PolicyApplicationId": app,
        "PolicyEnvironmentId": env["Id"],
        "PolicyProfileId": profile_id,
        "PolicyDeploymentStrategyId": strategy_id,
    }
    if initial_policy is not None:
        deploy_document(appconfig, outputs, initial_policy)
    return outputs


def deploy_document(appconfig: Any, outputs: dict[str, str], text: str) -> int:
    """Deploy `text` as is, as anyone with AppConfig access could (no wrapguard check); its version number."""
    version = appconfig.create_hosted_configuration_version(
        ApplicationId=outputs["PolicyApplicationId"],
        ConfigurationProfileId=outputs["PolicyProfileId"],
        Content=text.encode(),
        ContentType="application/json",
    )["VersionNumber"]
    appconfig.start_deployment(
        ApplicationId=outputs["PolicyApplicationId"],
        EnvironmentId=outputs["PolicyEnvironmentId"],
        DeploymentStrategyId=outputs["PolicyDeploymentStrategyId"],
        ConfigurationProfileId=outputs["PolicyProfileId"],
        ConfigurationVersion=str(version),
    )
    return int(version)


def policy_environment(outputs: dict[str, str]) -> dict[str, str]:
    """The functions' variables for this store (template.yaml Globals)."""
    return {
        "POLICY_APPCONFIG_APPLICATION": outputs["PolicyApplicationId"],
        "POLICY_APPCONFIG_ENVIRONMENT": outputs["PolicyEnvironmentId"],
        "POLICY_APPCONFIG_PROFILE": outputs["PolicyProfileId"],
    }
