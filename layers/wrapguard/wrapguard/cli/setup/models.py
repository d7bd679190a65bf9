"""The Genesys Cloud set-up objects, as the vendor's models name their fields (docs/genesys-api-notes.md s12).

Requests are dumped by alias with None left out; answers ignore fields wrapguard does not read. The
contract tests check every alias here against the SDK models named in each docstring.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ...genesys.models import ErrorBody


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    def body(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class Organization(_Model):
    """Organization"""

    id: str
    name: str | None = None


class EntityRef(_Model):
    """DomainEntityRef (and the IntegrationType / CredentialInfo references)"""

    id: str
    name: str | None = None


class CreateIntegrationRequest(_Model):
    """CreateIntegrationRequest"""

    name: str
    integration_type: EntityRef = Field(alias="integrationType")


class IntegrationConfiguration(_Model):
    """IntegrationConfiguration (PUT config/current needs the current `version`)"""

    name: str
    version: int | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    advanced: dict[str, Any] = Field(default_factory=dict)
    notes: str | None = None
    credentials: dict[str, EntityRef] = Field(default_factory=dict)


class ReportedState(_Model):
    """IntegrationStatusInfo"""

    code: str | None = None


class Integration(_Model):
    """Integration (answers, and the PATCH body with only `intendedState`)"""

    id: str | None = None
    name: str | None = None
    integration_type: EntityRef | None = Field(default=None, alias="integrationType")
    intended_state: str | None = Field(default=None, alias="intendedState")
    reported_state: ReportedState | None = Field(default=None, alias="reportedState")


class IntegrationPage(_Model):
    """IntegrationEntityListing"""

    entities: list[Integration] = Field(default_factory=list)
    page_count: int | None = Field(default=None, alias="pageCount")


class CredentialType(_Model):
    """CredentialType"""

    name: str


class Credential(_Model):
    """Credential (the request; the API never answers with its fields)"""

    name: str
    type: CredentialType
    credential_fields: dict[str, str] = Field(alias="credentialFields")


class CredentialInfo(_Model):
    """CredentialInfo"""

    id: str
    name: str | None = None
    type: CredentialType | None = None


class CredentialPage(_Model):
    """CredentialInfoListing"""

    entities: list[CredentialInfo] = Field(default_factory=list)
    page_count: int | None = Field(default=None, alias="pageCount")


class PostActionInput(_Model):
    """PostActionInput: creates a published action. `config` and `contract`: the packaged data action."""

    name: str
    category: str
    integration_id: str = Field(alias="integrationId")
    secure: bool = False
    config: dict[str, Any]
    contract: dict[str, Any]


class UpdateActionInput(_Model):
    """UpdateActionInput (needs the current `version`)"""

    name: str
    category: str
    config: dict[str, Any]
    version: int


class Action(_Model):
    """Action"""

    id: str
    name: str
    category: str | None = None
    integration_id: str | None = Field(default=None, alias="integrationId")
    version: int | None = None
    secure: bool | None = None
    config: dict[str, Any] | None = None
    contract: dict[str, Any] | None = None


class ActionPage(_Model):
    """ActionEntityListing"""

    entities: list[Action] = Field(default_factory=list)
    page_count: int | None = Field(default=None, alias="pageCount")


class TestExecutionOperationResult(_Model):
    """TestExecutionOperationResult"""

    step: int | None = None
    name: str | None = None
    success: bool | None = None
    error: ErrorBody | None = None


class TestExecutionResult(_Model):
    """TestExecutionResult"""

    success: bool = False
    final_result: Any = Field(default=None, alias="finalResult")
    error: ErrorBody | None = None
    operations: list[TestExecutionOperationResult] = Field(default_factory=list)


class AuthzDivision(_Model):
    """AuthzDivision"""

    id: str
    name: str | None = None


class DomainPermissionPolicy(_Model):
    """DomainPermissionPolicy"""

    domain: str
    entity_name: str = Field(alias="entityName")
    action_set: list[str] = Field(alias="actionSet")


class DomainOrganizationRoleCreate(_Model):
    """DomainOrganizationRoleCreate"""

    name: str
    description: str
    permission_policies: list[DomainPermissionPolicy] = Field(alias="permissionPolicies")


class DomainOrganizationRoleUpdate(_Model):
    """DomainOrganizationRoleUpdate (PUT /api/v2/authorization/roles/{roleId}: the whole role)"""

    name: str
    description: str
    permission_policies: list[DomainPermissionPolicy] = Field(alias="permissionPolicies")


class DomainOrganizationRole(_Model):
    """DomainOrganizationRole"""

    id: str
    name: str | None = None
    description: str | None = None
    permission_policies: list[DomainPermissionPolicy] = Field(default_factory=list, alias="permissionPolicies")
    permissions: list[str] = Field(default_factory=list)


class RolePage(_Model):
    """OrganizationRoleEntityListing"""

    entities: list[DomainOrganizationRole] = Field(default_factory=list)
    page_count: int | None = Field(default=None, alias="pageCount")


class RoleDivision(_Model):
    """RoleDivision"""

    role_id: str = Field(alias="roleId")
    division_id: str = Field(alias="divisionId")


class OAuthClientRequest(_Model):
    """OAuthClientRequest (POST, and PUT /api/v2/oauth/clients/{clientId})"""

    name: str
    description: str
    authorized_grant_type: str = Field(default="CLIENT-CREDENTIALS", alias="authorizedGrantType")
    role_divisions: list[RoleDivision] = Field(alias="roleDivisions")


class OAuthClient(_Model):
    """OAuthClient. `secret` is a SecretStr: it is written to Secrets Manager and never printed."""

    id: str
    name: str | None = None
    description: str | None = None
    secret: SecretStr | None = None
    authorized_grant_type: str | None = Field(default=None, alias="authorizedGrantType")
    role_divisions: list[RoleDivision] = Field(default_factory=list, alias="roleDivisions")


class OAuthClientPage(_Model):
    """OAuthClientEntityListing"""

    entities: list[OAuthClient] = Field(default_factory=list)
    page_count: int | None = Field(default=None, alias="pageCount")


class Queue(_Model):
    """Queue (wrapguard-setup policy mode --queue NAME: docs/genesys-api-notes.md s14)"""

    id: str
    name: str | None = None


class QueuePage(_Model):
    """QueueEntityListing"""

    entities: list[Queue] = Field(default_factory=list)
    page_count: int | None = Field(default=None, alias="pageCount")
