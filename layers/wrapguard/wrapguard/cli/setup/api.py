"""Typed set-up operations over the project's GenesysClient (paths: docs/genesys-api-notes.md s12)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel

from ...domain.deadline import Deadline
from ...genesys.client import GenesysClient
from .models import (
    Action,
    ActionPage,
    AuthzDivision,
    CreateIntegrationRequest,
    Credential,
    CredentialInfo,
    CredentialPage,
    DomainOrganizationRole,
    DomainOrganizationRoleCreate,
    Integration,
    IntegrationConfiguration,
    IntegrationPage,
    OAuthClient,
    OAuthClientPage,
    OAuthClientRequest,
    Organization,
    PostActionInput,
    RolePage,
    TestExecutionResult,
    UpdateActionInput,
)

PAGE_SIZE = 100
PageT = TypeVar("PageT", IntegrationPage, CredentialPage, ActionPage, RolePage, OAuthClientPage)
ModelT = TypeVar("ModelT", bound=BaseModel)


# One set-up run's time limit (every call is also bounded by the client's HTTP timeout).
SETUP_DEADLINE_SECONDS = 900.0


class SetupApi:
    def __init__(self, client: GenesysClient, deadline: Deadline | None = None) -> None:
        self.client = client
        self.deadline = deadline or Deadline.after(SETUP_DEADLINE_SECONDS)

    def _pages(
        self, operation: str, path: str, page_type: type[PageT], params: dict[str, Any] | None = None
    ) -> Iterator[PageT]:
        number = 1
        while True:
            query = {**(params or {}), "pageSize": PAGE_SIZE, "pageNumber": number}
            page = page_type.model_validate_json(self.client.get(operation, path, query, deadline=self.deadline))
            yield page
            if not page.entities or number >= (page.page_count or 1):
                return
            number += 1

    @staticmethod
    def _one(model: type[ModelT], answer: bytes) -> ModelT:
        return model.model_validate_json(answer)

    # organization -------------------------------------------------------------------------------
    def organization(self) -> Organization:
        return self._one(
            Organization, self.client.get("get_organizations_me", "/api/v2/organizations/me", deadline=self.deadline)
        )

    # integrations -------------------------------------------------------------------------------
    def integrations(self, type_id: str) -> list[Integration]:
        pages = self._pages("get_integrations", "/api/v2/integrations", IntegrationPage, {"integrationType": type_id})
        return [i for page in pages for i in page.entities if i.integration_type and i.integration_type.id == type_id]

    def create_integration(self, request: CreateIntegrationRequest) -> Integration:
        return self._one(
            Integration,
            self.client.post("post_integrations", "/api/v2/integrations", request.body(), deadline=self.deadline),
        )

    def config(self, integration_id: str) -> IntegrationConfiguration:
        path = f"/api/v2/integrations/{quote(integration_id)}/config/current"
        return self._one(
            IntegrationConfiguration, self.client.get("get_integration_config_current", path, deadline=self.deadline)
        )

    def put_config(self, integration_id: str, config: IntegrationConfiguration) -> IntegrationConfiguration:
        path = f"/api/v2/integrations/{quote(integration_id)}/config/current"
        answer = self.client.put("put_integration_config_current", path, config.body(), deadline=self.deadline)
        return self._one(IntegrationConfiguration, answer)

    def set_state(self, integration_id: str, state: str) -> Integration:
        body = Integration(intended_state=state).body()
        answer = self.client.patch(
            "patch_integration", f"/api/v2/integrations/{quote(integration_id)}", body, deadline=self.deadline
        )
        return self._one(Integration, answer)

    def delete_integration(self, integration_id: str) -> None:
        self.client.delete(
            "delete_integration", f"/api/v2/integrations/{quote(integration_id)}", deadline=self.deadline
        )

    # credentials --------------------------------------------------------------------------------
    def credentials(self) -> list[CredentialInfo]:
        pages = self._pages("get_integrations_credentials", "/api/v2/integrations/credentials", CredentialPage)
        return [c for page in pages for c in page.entities]

    def create_credential(self, credential: Credential) -> CredentialInfo:
        path = "/api/v2/integrations/credentials"
        return self._one(
            CredentialInfo,
            self.client.post("post_integrations_credentials", path, credential.body(), deadline=self.deadline),
        )

    def update_credential(self, credential_id: str, credential: Credential) -> CredentialInfo:
        path = f"/api/v2/integrations/credentials/{quote(credential_id)}"
        return self._one(
            CredentialInfo,
            self.client.put("put_integrations_credential", path, credential.body(), deadline=self.deadline),
        )

    def delete_credential(self, credential_id: str) -> None:
        path = f"/api/v2/integrations/credentials/{quote(credential_id)}"
        self.client.delete("delete_integrations_credential", path, deadline=self.deadline)

    # data actions -------------------------------------------------------------------------------
    def actions(self, name: str) -> list[Action]:
        params = {"name": name, "includeConfig": "true"}
        pages = self._pages("get_integrations_actions", "/api/v2/integrations/actions", ActionPage, params)
        return [a for page in pages for a in page.entities if a.name == name]

    def create_action(self, action: PostActionInput) -> Action:
        answer = self.client.post(
            "post_integrations_actions", "/api/v2/integrations/actions", action.body(), deadline=self.deadline
        )
        return self._one(Action, answer)

    def update_action(self, action_id: str, update: UpdateActionInput) -> Action:
        path = f"/api/v2/integrations/actions/{quote(action_id)}"
        return self._one(
            Action, self.client.patch("patch_integrations_action", path, update.body(), deadline=self.deadline)
        )

    def delete_action(self, action_id: str) -> None:
        self.client.delete(
            "delete_integrations_action", f"/api/v2/integrations/actions/{quote(action_id)}", deadline=self.deadline
        )

    def test_action(self, action_id: str, payload: dict[str, Any]) -> TestExecutionResult:
        path = f"/api/v2/integrations/actions/{quote(action_id)}/test"
        return self._one(
            TestExecutionResult,
            self.client.post("post_integrations_action_test", path, payload, deadline=self.deadline),
        )

    # functions' OAuth client --------------------------------------------------------------------
    def home_division(self) -> AuthzDivision:
        path = "/api/v2/authorization/divisions/home"
        return self._one(
            AuthzDivision, self.client.get("get_authorization_divisions_home", path, deadline=self.deadline)
        )

    def roles(self, name: str) -> list[DomainOrganizationRole]:
        pages = self._pages("get_authorization_roles", "/api/v2/authorization/roles", RolePage, {"name": name})
        return [r for page in pages for r in page.entities if r.name == name]

    def role(self, role_id: str) -> DomainOrganizationRole:
        path = f"/api/v2/authorization/roles/{quote(role_id)}"
        return self._one(
            DomainOrganizationRole, self.client.get("get_authorization_role", path, deadline=self.deadline)
        )

    def create_role(self, role: DomainOrganizationRoleCreate) -> DomainOrganizationRole:
        answer = self.client.post(
            "post_authorization_roles", "/api/v2/authorization/roles", role.body(), deadline=self.deadline
        )
        return self._one(DomainOrganizationRole, answer)

    def delete_role(self, role_id: str) -> None:
        self.client.delete(
            "delete_authorization_role", f"/api/v2/authorization/roles/{quote(role_id)}", deadline=self.deadline
        )

    def oauth_clients(self, name: str) -> list[OAuthClient]:
        pages = self._pages("get_oauth_clients", "/api/v2/oauth/clients", OAuthClientPage)
        return [c for page in pages for c in page.entities if c.name == name]

    def oauth_client(self, client_id: str) -> OAuthClient:
        path = f"/api/v2/oauth/clients/{quote(client_id)}"
        return self._one(OAuthClient, self.client.get("get_oauth_client", path, deadline=self.deadline))

    def create_oauth_client(self, request: OAuthClientRequest) -> OAuthClient:
        return self._one(
            OAuthClient,
            self.client.post("post_oauth_clients", "/api/v2/oauth/clients", request.body(), deadline=self.deadline),
        )

    def delete_oauth_client(self, client_id: str) -> None:
        self.client.delete("delete_oauth_client", f"/api/v2/oauth/clients/{quote(client_id)}", deadline=self.deadline)
