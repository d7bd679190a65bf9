"""The importable data action must match the function's contract exactly."""

from __future__ import annotations

import json

from wrapguard.cli.setup.desired import packaged_action_file
from wrapguard.contracts import ApplyWrapupInput, ApplyWrapupOutput, Outcome
from wrapguard.domain.failures import FailureReason

DEFINITION = packaged_action_file()  # the copy that ships in the package


def aliases(model: type[ApplyWrapupInput] | type[ApplyWrapupOutput]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


def test_contract_fields_match_the_models() -> None:
    action = json.loads(DEFINITION.read_text())
    contract = action["contract"]
    assert set(contract["input"]["inputSchema"]["properties"]) == aliases(ApplyWrapupInput)
    assert contract["input"]["inputSchema"]["required"] == ["conversationId"]
    output = contract["output"]["successSchema"]["properties"]
    assert set(output) == aliases(ApplyWrapupOutput)
    assert set(output["outcome"]["enum"]) == {o.value for o in Outcome}
    for reason in FailureReason:
        # only the reconciler and events record these two
        if reason not in {FailureReason.MISSING_WRAPUP, FailureReason.PLACEHOLDER_CODE}:
            assert reason.value in output["failureReason"]["description"]


def test_lambda_action_config() -> None:
    action = json.loads(DEFINITION.read_text())
    assert action["integrationType"] == "aws-lambda-data-actions"
    assert action["config"]["request"]["requestType"] == "POST"
    assert action["config"]["response"]["successTemplate"] == "${rawResult}"
    assert 1 <= action["config"]["timeoutSeconds"] <= 60
