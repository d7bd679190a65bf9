"""plan / apply / destroy: compare what Genesys holds, by name, with what wrapguard needs, and act.

Only objects carrying this stack's ownership mark (ownership.py) are updated or deleted; an object of
the same name that belongs to another stack or to the org is reported as a `problem` and left alone.

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
    DomainOrganizationRole,
    DomainOrganizationRoleCreate,
    DomainOrganizationRoleUpdate,
    DomainPermissionPolicy,
    EntityRef,
    Integration,
    IntegrationConfiguration,
    OAuthClient,
    OAuthClientRequest,
    PostActionInput,
    RoleDivision,
    UpdateActionInput,
)
from .ownership import Owner, describe_owner


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
    owner: Owner
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


@dataclass
class IntegrationClaim:
    """The integrations of one type and name: this stack's (with its current config) and the owners of the others."""

    found: Integration | None = None
    config: IntegrationConfiguration | None = None
    foreign: list[str] = field(default_factory=list)

    @property
    def taken(self) -> bool:
        """The name is someone else's and this stack has none: creating another would be a look-alike."""
        return self.found is None and bool(self.foreign)


def collision(kind: str, name: str, foreign: list[str]) -> Step:
    owners = "; ".join(sorted(set(foreign)))
    return Step(kind, name, Change.PROBLEM, f"name taken: {owners}; left alone (use another --name)")


def not_planned(kind: str, name: str, because: str) -> Step:
    return Step(kind, name, Change.PROBLEM, f"not planned: {because} is not this stack's")


def permissions_of(role: DomainOrganizationRole) -> set[str]:
    return {f"{p.domain}:{p.entity_name}:{a}" for p in role.permission_policies for a in p.action_set}


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
            # CredentialInfo has no free-text field: the credential's name carries the mark.
            "credential": f"{p}-lambda-role {self.o.owner.mark}",
            "lambda": f"{p}-lambda",
            "eventbridge": f"{p}-eventbridge",
            "role": f"{p}-functions",
            "client": f"{p}-functions",
        }

    @property
    def functions_description(self) -> str:
        """The role's and the OAuth client's description: what they are, and whose."""
        return f"wrapguard functions (wrapguard-setup, {self.o.owner.mark})"

    def _step(self, step: Step) -> Step:
        self.steps.append(step)
        self.on_step(step)
        return step

    # --- whose is it ----------------------------------------------------------------------------
    def claim(self, type_id: str, name: str) -> IntegrationClaim:
        claim = IntegrationClaim()
        for found in self.api.integrations(type_id):
            if found.name != name or found.id is None:
                continue
            config = self.api.config(found.id)  # the mark lives in the config's notes
            if claim.found is None and self.o.owner.owns(config.notes):
                claim.found, claim.config = found, config
            elif not self.o.owner.owns(config.notes):
                claim.foreign.append(describe_owner(config.notes))
        return claim

    def find_integration(self, type_id: str, name: str) -> Integration | None:
        """This stack's integration of that type and name (never another stack's or the org's)."""
        return self.claim(type_id, name).found

    def _owned_role(self) -> tuple[DomainOrganizationRole | None, list[str]]:
        roles = self.api.roles(self.names["role"])
        ours = next((r for r in roles if self.o.owner.owns(r.description)), None)
        return ours, [describe_owner(r.description) for r in roles if not self.o.owner.owns(r.description)]

    def _owned_client(self) -> tuple[OAuthClient | None, list[str]]:
        clients = self.api.oauth_clients(self.names["client"])
        ours = next((c for c in clients if self.o.owner.owns(c.description)), None)
        return ours, [describe_owner(c.description) for c in clients if not self.o.owner.owns(c.description)]

    # --- plan and apply -------------------------------------------------------------------------
    def run(self, apply: bool) -> list[Step]:
        lambda_claim = self.claim(LAMBDA_INTEGRATION_TYPE, self.names["lambda"])
        if lambda_claim.taken:
            self._step(collision("integration", self.names["lambda"], lambda_claim.foreign))
            because = f"integration {self.names['lambda']}"
            self._step(not_planned("credential", self.names["credential"], because))
            self._step(not_planned("data action", self.o.action.name, because))
        else:
            credential_id = self.lambda_credential(apply, lambda_claim)
            integration_id = self.lambda_integration(apply, credential_id, lambda_claim)
            self.data_action(apply, integration_id)
        if self.o.events:
            self.eventbridge_integration(apply)
        if self.o.create_client:
            self.functions_client(apply)
        return self.steps

    def lambda_notes(self) -> str:
        # The API never answers with a credential's fields, so the integration's notes carry the role
        # ARN the credential was written with: a changed role is seen and rewritten, an unchanged one left.
        mark = self.o.owner.mark
        return f"wrapguard data action integration (wrapguard-setup, {mark}); credential role {self.o.role_arn}"

    def lambda_credential(self, apply: bool, lambda_claim: IntegrationClaim) -> str | None:
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
        notes = lambda_claim.config.notes if lambda_claim.config else None
        if notes == self.lambda_notes():
            return self._step(Step("credential", name, Change.UNCHANGED, id=found.id)).id
        step = Step("credential", name, Change.UPDATE, f"ARN {short_arn(self.o.role_arn)}", id=found.id)
        if apply:
            self.api.update_credential(found.id, body)
            step.done = True
        return self._step(step).id

    def _integration(
        self, apply: bool, kind: str, type_id: str, config: IntegrationConfiguration, claim: IntegrationClaim
    ) -> str | None:
        name = config.name
        found, current = claim.found, claim.config
        if found is None or found.id is None or current is None:
            step = Step(kind, name, Change.CREATE, f"{type_id}, enabled")
            if apply:
                created = self.api.create_integration(
                    CreateIntegrationRequest(name=name, integration_type=EntityRef(id=type_id))
                )
                assert created.id
                step.id = created.id
                initial = self.api.config(created.id)
                self.api.put_config(created.id, config.model_copy(update={"version": initial.version}))
                self.api.set_state(created.id, "ENABLED")
                step.done = True
            return self._step(step).id
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

    def lambda_integration(self, apply: bool, credential_id: str | None, claim: IntegrationClaim) -> str | None:
        config = IntegrationConfiguration(
            name=self.names["lambda"],
            notes=self.lambda_notes(),
            credentials={LAMBDA_CREDENTIAL_KEY: EntityRef(id=credential_id or "(new)")},
        )
        return self._integration(apply, "integration", LAMBDA_INTEGRATION_TYPE, config, claim)

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
        claim = self.claim(EVENTBRIDGE_INTEGRATION_TYPE, name)
        if claim.taken:
            self._step(collision("eventbridge integration", name, claim.foreign))
            return
        config = IntegrationConfiguration(
            name=name,
            notes=f"wrapguard events (wrapguard-setup, {self.o.owner.mark}): source {self.event_source}",
            properties={
                "awsAccountId": self.o.aws_account_id,
                "awsAccountRegion": self.o.aws_region,
                "eventSourceSuffix": self.o.event_source_suffix,
                "eventFilter": list(EVENT_TOPICS),
            },
        )
        self._integration(apply, "eventbridge integration", EVENTBRIDGE_INTEGRATION_TYPE, config, claim)

    @property
    def event_source(self) -> str:
        return event_source_name(self.org_id, self.o.event_source_suffix)

    def functions_client(self, apply: bool) -> None:
        role_name, client_name = self.names["role"], self.names["client"]
        role, foreign_roles = self._owned_role()
        if role is None and foreign_roles:
            self._step(collision("role", role_name, foreign_roles))
            self._step(not_planned("oauth client", client_name, f"role {role_name}"))
            return
        role_id = self.functions_role(apply, role)
        client, foreign_clients = self._owned_client()
        if client is None and foreign_clients:
            self._step(collision("oauth client", client_name, foreign_clients))
            return
        assert self.secrets is not None
        if client is None:
            step = Step(
                "oauth client", client_name, Change.CREATE, f"client credentials, stored in secret {self.secrets.name}"
            )
            if apply:
                assert role_id
                created = self.api.create_oauth_client(self._client_request(role_id))
                assert created.secret is not None
                self.secrets.write(created.id, created.secret)
                step.id, step.done = created.id, True
            self._step(step)
            return
        if self.secrets.client_id() != client.id:
            # A client's secret cannot be read back: the stored one cannot be repaired from here.
            detail = (
                f"secret {self.secrets.name} does not hold this client: delete the client (or run destroy) and apply"
            )
            self._step(Step("oauth client", client_name, Change.PROBLEM, detail, id=client.id))
            return
        drift = self._grant_drift(client, role_id)
        if not drift:
            detail = f"in secret {self.secrets.name}"
            self._step(Step("oauth client", client_name, Change.UNCHANGED, detail, id=client.id))
            return
        step = Step("oauth client", client_name, Change.UPDATE, drift, id=client.id)
        if apply:
            assert role_id
            self.api.update_oauth_client(client.id, self._client_request(role_id))
            step.done = True
        self._step(step)

    def functions_role(self, apply: bool, role: DomainOrganizationRole | None) -> str | None:
        """Create the functions' role, or repair its permission policies to exactly what the functions use."""
        name = self.names["role"]
        policies = [
            DomainPermissionPolicy(domain=d, entity_name=e, action_set=[a])
            for d, e, a in (p.split(":") for p in FUNCTION_PERMISSIONS)
        ]
        if role is None:
            step = Step("role", name, Change.CREATE, f"{len(FUNCTION_PERMISSIONS)} permissions the functions use")
            if apply:
                request = DomainOrganizationRoleCreate(
                    name=name, description=self.functions_description, permission_policies=policies
                )
                step.id, step.done = self.api.create_role(request).id, True
            return self._step(step).id
        have, want = permissions_of(role), set(FUNCTION_PERMISSIONS)
        if have == want:
            return self._step(Step("role", name, Change.UNCHANGED, id=role.id)).id
        detail = "permissions " + ", ".join(
            [*(f"+{p}" for p in sorted(want - have)), *(f"-{p}" for p in sorted(have - want))]
        )
        step = Step("role", name, Change.UPDATE, detail, id=role.id)
        if apply:
            update = DomainOrganizationRoleUpdate(
                name=name, description=self.functions_description, permission_policies=policies
            )
            self.api.update_role(role.id, update)
            step.done = True
        return self._step(step).id

    def _divisions(self) -> list[str]:
        return self.o.divisions or [self.api.home_division().id]

    def _client_request(self, role_id: str) -> OAuthClientRequest:
        return OAuthClientRequest(
            name=self.names["client"],
            description=self.functions_description,
            role_divisions=[RoleDivision(role_id=role_id, division_id=d) for d in self._divisions()],
        )

    def _grant_drift(self, client: OAuthClient, role_id: str | None) -> str:
        """What differs between the client's role/division grants and the wanted ones ('' when none)."""
        want = set(self._divisions())
        have = {g.division_id for g in client.role_divisions if g.role_id == role_id}
        others = sorted({g.role_id for g in client.role_divisions if g.role_id != role_id})
        parts = [
            *(f"+division {d}" for d in sorted(want - have)),
            *(f"-division {d}" for d in sorted(have - want)),
            *(f"-role {r}" for r in others),
        ]
        return ", ".join(parts)

    # --- destroy --------------------------------------------------------------------------------
    def destroy(self, apply: bool) -> list[Step]:
        """Remove what apply created for THIS stack (children first); same-named objects of another stack
        or of the org are reported and left alone. The stack is left to `sam delete`."""
        lambda_claim = self.claim(LAMBDA_INTEGRATION_TYPE, self.names["lambda"])
        lambda_integration = lambda_claim.found
        actions = [
            a
            for a in self.api.actions(self.o.action.name)
            if lambda_integration and a.integration_id == lambda_integration.id
        ]
        Target = tuple[str, str, str | None, list[str], Callable[[str], None]]
        targets: list[Target] = [
            *(("data action", a.name, a.id, [], self.api.delete_action) for a in actions),
            (
                "integration",
                self.names["lambda"],
                lambda_integration.id if lambda_integration else None,
                lambda_claim.foreign,
                self._drop,
            ),
        ]
        credential = next((c for c in self.api.credentials() if c.name == self.names["credential"]), None)
        targets.append(
            (
                "credential",
                self.names["credential"],
                credential.id if credential else None,
                [],
                self.api.delete_credential,
            )
        )
        events = self.claim(EVENTBRIDGE_INTEGRATION_TYPE, self.names["eventbridge"])
        events_id = events.found.id if events.found else None
        targets.append(("eventbridge integration", self.names["eventbridge"], events_id, events.foreign, self._drop))
        client, foreign_clients = self._owned_client()
        targets.append(
            ("oauth client", self.names["client"], client.id if client else None, foreign_clients, self._drop_client)
        )
        role, foreign_roles = self._owned_role()
        targets.append(("role", self.names["role"], role.id if role else None, foreign_roles, self.api.delete_role))
        for kind, name, entity_id, foreign, delete in targets:
            if entity_id is None:
                self._step(collision(kind, name, foreign) if foreign else Step(kind, name, Change.ABSENT))
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
