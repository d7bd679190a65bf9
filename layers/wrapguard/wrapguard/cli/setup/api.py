"""Typed set-up operations over the project's GenesysClient (paths: docs/genesys-api-notes.md s12)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from ...domain.deadline import Deadline
from ...genesys.client import GenesysClient
from ...genesys.errors import GenesysBadResponseError
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
    DomainOrganizationRoleUpdate,
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


def read_answer(model: type[ModelT], answer: bytes, operation: str) -> ModelT:
    """The answer as `model`, or GenesysBadResponseError naming the operation and the fields.

    Never pydantic's own message: it quotes the input, and an OAuth client's answer holds its secret.
    Each problem is its location and error type only ("secret: string_type", "(body): json_invalid").
    """
    try:
        return model.model_validate_json(answer)
    except ValidationError as exc:
        problems = sorted({f"{'.'.join(map(str, e['loc'])) or '(body)'}: {e['type']}" for e in exc.errors()})
        raise GenesysBadResponseError(
            f"{operation}: Genesys answered with a {model.__name__} that cannot be read ({'; '.join(problems)})",
            status=200,
            operation=operation,
        ) from None


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
            page = read_answer(page_type, self.client.get(operation, path, query, deadline=self.deadline), operation)
            yield page
            if not page.entities or number >= (page.page_count or 1):
                return
            number += 1

    def _get(self, model: type[ModelT], operation: str, path: str) -> ModelT:
        return read_answer(model, self.client.get(operation, path, deadline=self.deadline), operation)

    def _send(self, model: type[ModelT], method: str, operation: str, path: str, body: Any) -> ModelT:
        send = {"post": self.client.post, "put": self.client.put, "patch": self.client.patch}[method]
        return read_answer(model, send(operation, path, body, deadline=self.deadline), operation)

    # organization -------------------------------------------------------------------------------
    def organization(self) -> Organization:
        return self._get(Organization, "get_organizations_me", "/api/v2/organizations/me")

    # integrations -------------------------------------------------------------------------------
    def integrations(self, type_id: str) -> list[Integration]:
        pages = self._pages("get_integrations", "/api/v2/integrations", IntegrationPage, {"integrationType": type_id})
        return [i for page in pages for i in page.entities if i.integration_type and i.integration_type.id == type_id]

    def create_integration(self, request: CreateIntegrationRequest) -> Integration:
        return self._send(Integration, "post", "post_integrations", "/api/v2/integrations", request.body())

    def config(self, integration_id: str) -> IntegrationConfiguration:
        path = f"/api/v2/integrations/{quote(integration_id)}/config/current"
        return self._get(IntegrationConfiguration, "get_integration_config_current", path)

    def put_config(self, integration_id: str, config: IntegrationConfiguration) -> IntegrationConfiguration:
        path = f"/api/v2/integrations/{quote(integration_id)}/config/current"
        return self._send(IntegrationConfiguration, "put", "put_integration_config_current", path, config.body())

    def set_state(self, integration_id: str, state: str) -> Integration:
        body = Integration(intended_state=state).body()
        return self._send(
            Integration, "patch", "patch_integration", f"/api/v2/integrations/{quote(integration_id)}", body
        )

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
        return self._send(CredentialInfo, "post", "post_integrations_credentials", path, credential.body())

    def update_credential(self, credential_id: str, credential: Credential) -> CredentialInfo:
        path = f"/api/v2/integrations/credentials/{quote(credential_id)}"
        return self._send(CredentialInfo, "put", "put_integrations_credential", path, credential.body())

    def delete_credential(self, credential_id: str) -> None:
        path = f"/api/v2/integrations/credentials/{quote(credential_id)}"
        self.client.delete("delete_integrations_credential", path, deadline=self.deadline)

    # data actions -------------------------------------------------------------------------------
    def actions(self, name: str) -> list[Action]:
        params = {"name": name, "includeConfig": "true"}
        pages = self._pages("get_integrations_actions", "/api/v2/integrations/actions", ActionPage, params)
        return [a for page in pages for a in page.entities if a.name == name]

    def create_action(self, action: PostActionInput) -> Action:
        return self._send(Action, "post", "post_integrations_actions", "/api/v2/integrations/actions", action.body())

    def update_action(self, action_id: str, update: UpdateActionInput) -> Action:
        path = f"/api/v2/integrations/actions/{quote(action_id)}"
        return self._send(Action, "patch", "patch_integrations_action", path, update.body())

    def delete_action(self, action_id: str) -> None:
        self.client.delete(
            "delete_integrations_action", f"/api/v2/integrations/actions/{quote(action_id)}", deadline=self.deadline
        )

    def test_action(self, action_id: str, payload: dict[str, Any]) -> TestExecutionResult:
        path = f"/api/v2/integrations/actions/{quote(action_id)}/test"
        return self._send(TestExecutionResult, "post", "post_integrations_action_test", path, payload)

    # functions' OAuth client --------------------------------------------------------------------
    def home_division(self) -> AuthzDivision:
        return self._get(AuthzDivision, "get_authorization_divisions_home", "/api/v2/authorization/divisions/home")

    def roles(self, name: str) -> list[DomainOrganizationRole]:
        pages = self._pages("get_authorization_roles", "/api/v2/authorization/roles", RolePage, {"name": name})
        return [r for page in pages for r in page.entities if r.name == name]

    def role(self, role_id: str) -> DomainOrganizationRole:
        path = f"/api/v2/authorization/roles/{quote(role_id)}"
        return self._get(DomainOrganizationRole, "get_authorization_role", path)

    def create_role(self, role: DomainOrganizationRoleCreate) -> DomainOrganizationRole:
        path = "/api/v2/authorization/roles"
        return self._send(DomainOrganizationRole, "post", "post_authorization_roles", path, role.body())

    def update_role(self, role_id: str, role: DomainOrganizationRoleUpdate) -> DomainOrganizationRole:
        path = f"/api/v2/authorization/roles/{quote(role_id)}"
        return self._send(DomainOrganizationRole, "put", "put_authorization_role", path, role.body())

    def delete_role(self, role_id: str) -> None:
        self.client.delete(
            "delete_authorization_role", f"/api/v2/authorization/roles/{quote(role_id)}", deadline=self.deadline
        )

    def oauth_clients(self, name: str) -> list[OAuthClient]:
        pages = self._pages("get_oauth_clients", "/api/v2/oauth/clients", OAuthClientPage)
        return [c for page in pages for c in page.entities if c.name == name]

    def oauth_client(self, client_id: str) -> OAuthClient:
        return self._get(OAuthClient, "get_oauth_client", f"/api/v2/oauth/clients/{quote(client_id)}")

    def create_oauth_client(self, request: OAuthClientRequest) -> OAuthClient:
        return self._send(OAuthClient, "post", "post_oauth_clients", "/api/v2/oauth/clients", request.body())

    def update_oauth_client(self, client_id: str, request: OAuthClientRequest) -> OAuthClient:
        path = f"/api/v2/oauth/clients/{quote(client_id)}"
        return self._send(OAuthClient, "put", "put_oauth_client", path, request.body())

    def delete_oauth_client(self, client_id: str) -> None:
        self.client.delete("delete_oauth_client", f"/api/v2/oauth/clients/{quote(client_id)}", deadline=self.deadline)
