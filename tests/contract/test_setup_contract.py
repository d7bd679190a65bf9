"""wrapguard-setup's request bodies, its models and the simulator's set-up answers use only the fields
of the vendor's published models (read from the SDK wheel, recursively through nested models)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from pydantic import BaseModel

from tests.contract.vendor_models import json_fields, unknown_fields
from tests.support.setup_cli import Run
from tests.support.world import World
from wrapguard.cli.setup import models as setup_models
from wrapguard.domain.deadline import Deadline
from wrapguard.probe import PROBE_INPUT

pytestmark = [pytest.mark.contract, pytest.mark.integration]

REQUEST_MODELS = {
    "create_integration": "CreateIntegrationRequest",
    "put_integration_config": "IntegrationConfiguration",
    "update_integration": "Integration",
    "create_credential": "Credential",
    "update_credential": "Credential",
    "create_action": "PostActionInput",
    "update_action": "UpdateActionInput",
    "create_role": "DomainOrganizationRoleCreate",
    "update_role": "DomainOrganizationRoleUpdate",
    "create_oauth_client": "OAuthClientRequest",
    "update_oauth_client": "OAuthClientRequest",
}


def aliases(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


@pytest.mark.parametrize(
    "model",
    [
        m
        for m in vars(setup_models).values()
        if isinstance(m, type)
        and issubclass(m, BaseModel)
        and m.__module__ == setup_models.__name__
        and not m.__name__.startswith("_")
    ],
    ids=lambda m: m.__name__,
)
def test_setup_models_only_use_vendor_fields(model: type[BaseModel]) -> None:
    # Each model's docstring starts with the vendor model it mirrors.
    match = re.match(r"\w+", model.__doc__ or "")
    assert match, model
    vendor = match[0]
    assert aliases(model) <= json_fields(vendor), (vendor, aliases(model) - json_fields(vendor))


def test_every_setup_request_body_is_a_vendor_model(setup_cli: Callable[..., Run], world: World) -> None:
    assert setup_cli("apply", "--events", "--create-client").code == 0
    (integration,) = [i for i in world.sim.integrations.values() if i["name"] == "wrapguard-lambda"]
    integration["intendedState"] = "DISABLED"
    config = world.sim.integration_configs[integration["id"]]
    config["notes"] = config["notes"].split("credential role")[0] + "credential role arn:aws:iam::123456789012:role/old"
    next(iter(world.sim.actions.values()))["category"] = "old"
    next(iter(world.sim.roles.values()))["permissionPolicies"].pop()
    next(iter(world.sim.oauth_clients.values()))["roleDivisions"][0]["divisionId"] = "another-division"
    # update paths: credential, config, action, role, client
    assert setup_cli("apply", "--events", "--create-client").code == 0
    assert setup_cli("verify").code in (0, 3)  # the action test
    assert setup_cli("destroy", "--yes").code == 0
    sent = {endpoint for endpoint, _ in world.sim.setup_requests}
    assert set(REQUEST_MODELS) | {"test_action"} <= sent
    for endpoint, body in world.sim.setup_requests:
        if endpoint == "test_action":
            assert body == PROBE_INPUT
            continue
        assert unknown_fields(body, REQUEST_MODELS[endpoint]) == [], (endpoint, body)


def test_simulator_setup_answers_use_vendor_fields(setup_cli: Callable[..., Run], world: World) -> None:
    assert setup_cli("apply", "--events", "--create-client").code == 0
    client = world.client()
    action_id = next(iter(world.sim.actions))
    integration_id = next(iter(world.sim.integrations))
    answers = {
        "/api/v2/organizations/me": "Organization",
        "/api/v2/integrations": "IntegrationEntityListing",
        f"/api/v2/integrations/{integration_id}": "Integration",
        f"/api/v2/integrations/{integration_id}/config/current": "IntegrationConfiguration",
        "/api/v2/integrations/credentials": "CredentialInfoListing",
        "/api/v2/integrations/actions": "ActionEntityListing",
        f"/api/v2/integrations/actions/{action_id}": "Action",
        "/api/v2/authorization/divisions/home": "AuthzDivision",
        "/api/v2/authorization/roles": "OrganizationRoleEntityListing",
        "/api/v2/oauth/clients": "OAuthClientEntityListing",
    }
    for path, vendor in answers.items():
        body = json.loads(client.get("contract", path, {"includeConfig": "true"}, deadline=Deadline.unbounded()))
        assert unknown_fields(body, vendor) == [], (path, body)
    result = json.loads(
        client.post(
            "contract",
            f"/api/v2/integrations/actions/{action_id}/test",
            dict(PROBE_INPUT),
            deadline=Deadline.unbounded(),
        )
    )
    assert result["success"] is True
    assert unknown_fields(result, "TestExecutionResult") == []
    created = world.sim.oauth_clients[next(iter(world.sim.oauth_clients))]
    assert unknown_fields(created, "OAuthClient") == []
