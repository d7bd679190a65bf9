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
    assert set(targets) == {"DynamoDBCrudPolicy", "AWSSecretsManagerGetSecretValuePolicy"}
    assert targets["DynamoDBCrudPolicy"] == {"FailuresTable", "StagedCodesTable"}
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
