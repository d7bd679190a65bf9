"""plan / apply / destroy: compare what Genesys holds, by name, with what wrapguard needs, and act.

One function per object, in dependency order. Each reads the current state, says what it would do
(create / update / unchanged / delete / problem) and, when applying, does it. Plan and apply share
this code, so a plan is exactly what apply will do; objects under a parent that does not exist yet
are planned as `create`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import SecretStr

from .api import SetupApi
from .desired import (
    EVENT_TOPICS,
    EVENTBRIDGE_INTEGRATION_TYPE,
    FUNCTION_PERMISSIONS,
    LAMBDA_CREDENTIAL_KEY,
    LAMBDA_CREDENTIAL_TYPE,
    LAMBDA_INTEGRATION_TYPE,
    ActionDefinition,
    contains,
    event_source_name,
)
from .models import (
    Action,
    CreateIntegrationRequest,
    Credential,
    CredentialType,
    DomainOrganizationRoleCreate,
    DomainPermissionPolicy,
    EntityRef,
    Integration,
    IntegrationConfiguration,
    OAuthClientRequest,
    PostActionInput,
    RoleDivision,
    UpdateActionInput,
)


def short_arn(arn: str) -> str:
    """The resource part of an ARN (role/NAME, function:NAME:ALIAS): enough for a one-line plan."""
    return arn.split(":", 5)[-1]


class Change(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    DELETE = "delete"
    ABSENT = "absent"
    PROBLEM = "problem"


@dataclass
class Step:
    kind: str
    name: str
    change: Change
    detail: str = ""
    done: bool = False  # applied (create/update/delete carried out)
    id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "change": self.change.value,
            "detail": self.detail,
            "done": self.done,
            "id": self.id,
        }


@dataclass
class Options:
    prefix: str
    role_arn: str
    alias_arn: str
    action: ActionDefinition
    events: bool = False
    event_source_suffix: str = "wrapguard"
    aws_account_id: str = ""
    aws_region: str = ""
    create_client: bool = False
    divisions: list[str] = field(default_factory=list)
    secret_name: str = ""


class SecretStore:
    """The Secrets Manager secret the functions read (GenesysCredentialsSecretName)."""

    def __init__(self, client: Any, name: str) -> None:
        self._client = client
        self.name = name

    def client_id(self) -> str | None:
        try:
            raw = self._client.get_secret_value(SecretId=self.name)["SecretString"]
        except self._client.exceptions.ResourceNotFoundException:
            return None
        try:
            value = json.loads(raw).get("clientId")
        except (ValueError, AttributeError):
            return None
        return str(value) if value else None

    def write(self, client_id: str, secret: SecretStr) -> None:
        value = json.dumps({"clientId": client_id, "clientSecret": secret.get_secret_value()})
        try:
            self._client.put_secret_value(SecretId=self.name, SecretString=value)
        except self._client.exceptions.ResourceNotFoundException:
            self._client.create_secret(Name=self.name, SecretString=value)

    def delete(self) -> None:
        self._client.delete_secret(SecretId=self.name)


class Setup:
    def __init__(self, api: SetupApi, options: Options, secrets: SecretStore | None, org_id: str) -> None:
        self.api = api
        self.o = options
        self.secrets = secrets
        self.org_id = org_id
        self.steps: list[Step] = []
        self.on_step: Callable[[Step], None] = lambda _: None

    @property
    def names(self) -> dict[str, str]:
        p = self.o.prefix
        return {
            "credential": f"{p}-lambda-role",
            "lambda": f"{p}-lambda",
            "eventbridge": f"{p}-eventbridge",
            "role": f"{p}-functions",
            "client": f"{p}-functions",
        }

    def _step(self, step: Step) -> Step:
        self.steps.append(step)
        self.on_step(step)
        return step

    # --- plan and apply -------------------------------------------------------------------------
    def run(self, apply: bool) -> list[Step]:
        credential_id = self.lambda_credential(apply)
        integration_id = self.lambda_integration(apply, credential_id)
        self.data_action(apply, integration_id)
        if self.o.events:
            self.eventbridge_integration(apply)
        if self.o.create_client:
            self.functions_client(apply)
        return self.steps

    def lambda_notes(self) -> str:
        # The API never answers with a credential's fields, so the integration's notes carry the role
        # ARN the credential was written with: a changed role is seen and rewritten, an unchanged one left.
        return f"wrapguard data action integration (wrapguard-setup); credential role {self.o.role_arn}"

    def lambda_credential(self, apply: bool) -> str | None:
        name = self.names["credential"]
        found = next((c for c in self.api.credentials() if c.name == name), None)
        body = Credential(
            name=name, type=CredentialType(name=LAMBDA_CREDENTIAL_TYPE), credential_fields={"ARN": self.o.role_arn}
        )
        if found is None:
            step = Step("credential", name, Change.CREATE, f"{LAMBDA_CREDENTIAL_TYPE} {short_arn(self.o.role_arn)}")
            if apply:
                step.id, step.done = self.api.create_credential(body).id, True
            return self._step(step).id
        integration = self.find_integration(LAMBDA_INTEGRATION_TYPE, self.names["lambda"])
        notes = self.api.config(integration.id).notes if integration and integration.id else None
        if notes == self.lambda_notes():
            return self._step(Step("credential", name, Change.UNCHANGED, id=found.id)).id
        step = Step("credential", name, Change.UPDATE, f"ARN {short_arn(self.o.role_arn)}", id=found.id)
        if apply:
            self.api.update_credential(found.id, body)
            step.done = True
        return self._step(step).id

    def find_integration(self, type_id: str, name: str) -> Integration | None:
        return next((i for i in self.api.integrations(type_id) if i.name == name), None)

    def _integration(
        self, apply: bool, kind: str, type_id: str, name: str, config: IntegrationConfiguration
    ) -> str | None:
        found = self.find_integration(type_id, name)
        if found is None or found.id is None:
            step = Step(kind, name, Change.CREATE, f"{type_id}, enabled")
            if apply:
                created = self.api.create_integration(
                    CreateIntegrationRequest(name=name, integration_type=EntityRef(id=type_id))
                )
                assert created.id
                step.id = created.id
                current = self.api.config(created.id)
                self.api.put_config(created.id, config.model_copy(update={"version": current.version}))
                self.api.set_state(created.id, "ENABLED")
                step.done = True
            return self._step(step).id
        current = self.api.config(found.id)
        differs = [
            key for key in ("name", "properties", "advanced", "notes") if getattr(current, key) != getattr(config, key)
        ]
        if {k: v.id for k, v in current.credentials.items()} != {k: v.id for k, v in config.credentials.items()}:
            differs.append("credentials")
        enable = found.intended_state != "ENABLED"
        if not differs and not enable:
            return self._step(Step(kind, name, Change.UNCHANGED, id=found.id)).id
        detail = ", ".join([*(f"config {k}" for k in differs), *(["enable"] if enable else [])])
        step = Step(kind, name, Change.UPDATE, detail, id=found.id)
        if apply:
            if differs:
                self.api.put_config(found.id, config.model_copy(update={"version": current.version}))
            if enable:
                self.api.set_state(found.id, "ENABLED")
            step.done = True
        return self._step(step).id

    def lambda_integration(self, apply: bool, credential_id: str | None) -> str | None:
        name = self.names["lambda"]
        config = IntegrationConfiguration(
            name=name,
            notes=self.lambda_notes(),
            credentials={LAMBDA_CREDENTIAL_KEY: EntityRef(id=credential_id or "(new)")},
        )
        return self._integration(apply, "integration", LAMBDA_INTEGRATION_TYPE, name, config)

    def data_action(self, apply: bool, integration_id: str | None) -> None:
        action = self.o.action
        found = next((a for a in self.api.actions(action.name) if a.integration_id == integration_id), None)
        if found is None:
            step = Step("data action", action.name, Change.CREATE, f"published, calls {short_arn(self.o.alias_arn)}")
            if apply:
                assert integration_id
                step.id, step.done = self.api.create_action(self._post_action(integration_id)).id, True
            self._step(step)
            return
        if not self._same_contract(found):
            # UpdateActionInput cannot change the contract: replace the action (flows must re-select it).
            step = Step("data action", action.name, Change.UPDATE, "contract changed: replaced", id=found.id)
            if apply:
                assert integration_id
                self.api.delete_action(found.id)
                step.id, step.done = self.api.create_action(self._post_action(integration_id)).id, True
            self._step(step)
            return
        if contains(found.config, action.config) and found.category == action.category:
            self._step(Step("data action", action.name, Change.UNCHANGED, id=found.id))
            return
        step = Step(
            "data action", action.name, Change.UPDATE, f"config: calls {short_arn(self.o.alias_arn)}", id=found.id
        )
        if apply:
            update = UpdateActionInput(
                name=action.name, category=action.category, config=action.config, version=found.version or 1
            )
            self.api.update_action(found.id, update)
            step.done = True
        self._step(step)

    def _post_action(self, integration_id: str) -> PostActionInput:
        action = self.o.action
        return PostActionInput(
            name=action.name,
            category=action.category,
            integration_id=integration_id,
            secure=action.secure,
            config=action.config,
            contract=action.contract,
        )

    def _same_contract(self, found: Action) -> bool:
        # Compared by property names: the API may answer with a normalised copy of each schema.
        def names(contract: dict[str, Any] | None, side: str, schema: str) -> set[str]:
            return set(((contract or {}).get(side, {}).get(schema) or {}).get("properties", {}))

        wanted = self.o.action.contract
        return all(
            names(found.contract, side, schema) == names(wanted, side, schema)
            for side, schema in (("input", "inputSchema"), ("output", "successSchema"))
        )

    def eventbridge_integration(self, apply: bool) -> None:
        name = self.names["eventbridge"]
        config = IntegrationConfiguration(
            name=name,
            notes=f"wrapguard events (wrapguard-setup): source {self.event_source}",
            properties={
                "awsAccountId": self.o.aws_account_id,
                "awsAccountRegion": self.o.aws_region,
                "eventSourceSuffix": self.o.event_source_suffix,
                "eventFilter": list(EVENT_TOPICS),
            },
        )
        self._integration(apply, "eventbridge integration", EVENTBRIDGE_INTEGRATION_TYPE, name, config)

    @property
    def event_source(self) -> str:
        return event_source_name(self.org_id, self.o.event_source_suffix)

    def functions_client(self, apply: bool) -> None:
        role_name, client_name = self.names["role"], self.names["client"]
        policies = [
            DomainPermissionPolicy(domain=d, entity_name=e, action_set=[a])
            for d, e, a in (p.split(":") for p in FUNCTION_PERMISSIONS)
        ]
        role = next(iter(self.api.roles(role_name)), None)
        role_id = role.id if role else None
        if role is None:
            step = Step("role", role_name, Change.CREATE, f"{len(FUNCTION_PERMISSIONS)} permissions the functions use")
            if apply:
                request = DomainOrganizationRoleCreate(
                    name=role_name, description="wrapguard functions (wrapguard-setup)", permission_policies=policies
                )
                role_id = step.id = self.api.create_role(request).id
                step.done = True
            self._step(step)
        else:
            self._step(Step("role", role_name, Change.UNCHANGED, id=role.id))
        client = next(iter(self.api.oauth_clients(client_name)), None)
        assert self.secrets is not None
        if client is None:
            step = Step(
                "oauth client", client_name, Change.CREATE, f"client credentials, stored in secret {self.secrets.name}"
            )
            if apply:
                assert role_id
                divisions = self.o.divisions or [self.api.home_division().id]
                client_request = OAuthClientRequest(
                    name=client_name,
                    description="wrapguard functions (wrapguard-setup)",
                    role_divisions=[RoleDivision(role_id=role_id, division_id=d) for d in divisions],
                )
                created = self.api.create_oauth_client(client_request)
                assert created.secret is not None
                self.secrets.write(created.id, created.secret)
                step.id, step.done = created.id, True
            self._step(step)
            return
        if self.secrets.client_id() == client.id:
            self._step(
                Step("oauth client", client_name, Change.UNCHANGED, f"in secret {self.secrets.name}", id=client.id)
            )
            return
        # A client's secret cannot be read back: the stored one cannot be repaired from here.
        self._step(
            Step(
                "oauth client",
                client_name,
                Change.PROBLEM,
                f"secret {self.secrets.name} does not hold this client: delete the client (or run destroy) and apply",
                id=client.id,
            )
        )

    # --- destroy --------------------------------------------------------------------------------
    def destroy(self, apply: bool) -> list[Step]:
        """Remove, by name, everything apply creates (children first). The stack is left to `sam delete`."""
        lambda_integration = self.find_integration(LAMBDA_INTEGRATION_TYPE, self.names["lambda"])
        actions = [
            a
            for a in self.api.actions(self.o.action.name)
            if lambda_integration and a.integration_id == lambda_integration.id
        ]
        targets: list[tuple[str, str, str | None, Callable[[str], None]]] = [
            *(("data action", a.name, a.id, self.api.delete_action) for a in actions),
            ("integration", self.names["lambda"], lambda_integration.id if lambda_integration else None, self._drop),
        ]
        credential = next((c for c in self.api.credentials() if c.name == self.names["credential"]), None)
        targets.append(
            ("credential", self.names["credential"], credential.id if credential else None, self.api.delete_credential)
        )
        events = self.find_integration(EVENTBRIDGE_INTEGRATION_TYPE, self.names["eventbridge"])
        targets.append(
            ("eventbridge integration", self.names["eventbridge"], events.id if events else None, self._drop)
        )
        client = next(iter(self.api.oauth_clients(self.names["client"])), None)
        targets.append(("oauth client", self.names["client"], client.id if client else None, self._drop_client))
        role = next(iter(self.api.roles(self.names["role"])), None)
        targets.append(("role", self.names["role"], role.id if role else None, self.api.delete_role))
        for kind, name, entity_id, delete in targets:
            if entity_id is None:
                self._step(Step(kind, name, Change.ABSENT))
                continue
            step = Step(kind, name, Change.DELETE, id=entity_id)
            if apply:
                delete(entity_id)
                step.done = True
            self._step(step)
        return self.steps

    def _drop(self, integration_id: str) -> None:
        self.api.set_state(integration_id, "DISABLED")
        self.api.delete_integration(integration_id)

    def _drop_client(self, client_id: str) -> None:
        self.api.delete_oauth_client(client_id)
        if self.secrets is not None and self.secrets.client_id() == client_id:
            self.secrets.delete()  # Secrets Manager keeps it recoverable for its recovery window
