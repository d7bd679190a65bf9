"""The Genesys side of setting wrapguard up (docs/genesys-api-notes.md s9, s12): organization, integrations
and their configuration, credentials, data actions (with the test endpoint), OAuth clients, roles and
the home division. Stateful; every request body is kept in `setup_requests` for the contract tests.

Behaviour the vendor does not publish, kept simple and named here:
- PUT config/current and PATCH action need the entity's current `version`, else 409 (optimistic
  concurrency: both models carry `version`).
- Two actions of one integration, two roles or two OAuth clients with the same name: 409 (also when a
  PUT renames a role or client onto another's name).
- PUT role / PUT OAuth client replace the whole object (DomainOrganizationRoleUpdate, OAuthClientRequest);
  a client's secret is unchanged by a PUT and never in its answers but the create's.
- Enabling an `amazon-eventbridge-source` integration creates the partner event source through the
  `on_event_source` hook (the local AWS server in tests and the demo); the action test endpoint runs
  the Lambda through the `invoke_lambda` hook (the local handler), as Genesys would through the role.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import Callable
from typing import Any

from .auth import Auth
from .http import Response, Route, _error, page

LAMBDA_TYPE = "aws-lambda-data-actions"
EVENTBRIDGE_TYPE = "amazon-eventbridge-source"
INTEGRATION_TYPES = {LAMBDA_TYPE, EVENTBRIDGE_TYPE, "purecloud-data-actions"}
CREDENTIAL_FIELDS = {"amazonWebServicesARN": {"ARN"}}
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$")
LAMBDA_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[^:]+(:[^:]+)?$")

_ID = r"(?P<id>[^/]+)"
ROUTES: list[Route] = [
    ("GET", re.compile(r"^/api/v2/organizations/me$"), "organization_me"),
    ("GET", re.compile(r"^/api/v2/integrations$"), "list_integrations"),
    ("POST", re.compile(r"^/api/v2/integrations$"), "create_integration"),
    ("GET", re.compile(r"^/api/v2/integrations/credentials$"), "list_credentials"),
    ("POST", re.compile(r"^/api/v2/integrations/credentials$"), "create_credential"),
    ("PUT", re.compile(rf"^/api/v2/integrations/credentials/{_ID}$"), "update_credential"),
    ("DELETE", re.compile(rf"^/api/v2/integrations/credentials/{_ID}$"), "delete_credential"),
    ("GET", re.compile(r"^/api/v2/integrations/actions$"), "list_actions"),
    ("POST", re.compile(r"^/api/v2/integrations/actions$"), "create_action"),
    ("GET", re.compile(rf"^/api/v2/integrations/actions/{_ID}$"), "get_action"),
    ("PATCH", re.compile(rf"^/api/v2/integrations/actions/{_ID}$"), "update_action"),
    ("DELETE", re.compile(rf"^/api/v2/integrations/actions/{_ID}$"), "delete_action"),
    ("POST", re.compile(rf"^/api/v2/integrations/actions/{_ID}/test$"), "test_action"),
    ("GET", re.compile(rf"^/api/v2/integrations/{_ID}$"), "get_integration"),
    ("PATCH", re.compile(rf"^/api/v2/integrations/{_ID}$"), "update_integration"),
    ("DELETE", re.compile(rf"^/api/v2/integrations/{_ID}$"), "delete_integration"),
    ("GET", re.compile(rf"^/api/v2/integrations/{_ID}/config/current$"), "get_integration_config"),
    ("PUT", re.compile(rf"^/api/v2/integrations/{_ID}/config/current$"), "put_integration_config"),
    ("GET", re.compile(r"^/api/v2/authorization/divisions/home$"), "home_division"),
    ("GET", re.compile(r"^/api/v2/authorization/roles$"), "list_roles"),
    ("POST", re.compile(r"^/api/v2/authorization/roles$"), "create_role"),
    ("GET", re.compile(rf"^/api/v2/authorization/roles/{_ID}$"), "get_role"),
    ("PUT", re.compile(rf"^/api/v2/authorization/roles/{_ID}$"), "update_role"),
    ("DELETE", re.compile(rf"^/api/v2/authorization/roles/{_ID}$"), "delete_role"),
    ("GET", re.compile(r"^/api/v2/oauth/clients$"), "list_oauth_clients"),
    ("POST", re.compile(r"^/api/v2/oauth/clients$"), "create_oauth_client"),
    ("GET", re.compile(rf"^/api/v2/oauth/clients/{_ID}$"), "get_oauth_client"),
    ("PUT", re.compile(rf"^/api/v2/oauth/clients/{_ID}$"), "update_oauth_client"),
    ("DELETE", re.compile(rf"^/api/v2/oauth/clients/{_ID}$"), "delete_oauth_client"),
]

Handler = Callable[..., Response]
EventSourceHook = Callable[[str, str, str], None]  # (AWS account, AWS region, partner event source name)
LambdaInvoker = Callable[[str, dict[str, Any]], Any]  # (function ARN, payload) -> the function's answer


def _json(body: bytes) -> dict[str, Any] | Response:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return _error(400, "request body is not JSON", "bad.request")
    return value if isinstance(value, dict) else _error(400, "request body must be a JSON object", "bad.request")


def _not_found(kind: str, entity_id: str) -> Response:
    return _error(404, f"{kind} {entity_id} not found", "not.found")


class SetupApi(Auth):
    def __init__(self, seed: int = 7) -> None:
        super().__init__(seed)
        self.org_id = "bb14bed0-f8f9-445d-b9d1-10cecb8569d6"
        self.org_name = "wrapguard-sim"
        self.home_division_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        self.integrations: dict[str, dict[str, Any]] = {}
        self.integration_configs: dict[str, dict[str, Any]] = {}
        self.credentials: dict[str, dict[str, Any]] = {}
        self.actions: dict[str, dict[str, Any]] = {}
        self.roles: dict[str, dict[str, Any]] = {}
        self.oauth_clients: dict[str, dict[str, Any]] = {}
        self.setup_requests: list[tuple[str, dict[str, Any]]] = []
        self.on_event_source: EventSourceHook | None = None
        self.invoke_lambda: LambdaInvoker | None = None

    def _body(self, endpoint: str, body: bytes) -> dict[str, Any] | Response:
        parsed = _json(body)
        if isinstance(parsed, dict):
            self.setup_requests.append((endpoint, parsed))
        return parsed

    # --- organization ---------------------------------------------------------------------------
    def _h_organization_me(self, *_: Any) -> Response:
        return Response(200, {"id": self.org_id, "name": self.org_name, "state": "active", "domain": "wrapguard"})

    # --- integrations ---------------------------------------------------------------------------
    def _integration_view(self, integration_id: str) -> dict[str, Any]:
        integration = dict(self.integrations[integration_id])
        integration["config"] = {"current": self._config_view(integration_id)}
        return integration

    def _config_view(self, integration_id: str) -> dict[str, Any]:
        config = dict(self.integration_configs[integration_id])
        config["credentials"] = {
            key: {"id": ref["id"], "name": self.credentials[ref["id"]]["name"]}
            for key, ref in config.get("credentials", {}).items()
            if ref["id"] in self.credentials
        }
        return config

    def _h_list_integrations(self, _: dict[str, str], params: dict[str, str], *__: Any) -> Response:
        wanted = params.get("integrationType")
        items = [
            self._integration_view(i)
            for i, v in self.integrations.items()
            if not wanted or v["integrationType"]["id"] == wanted
        ]
        return page(items, params)

    def _h_get_integration(self, args: dict[str, str], *_: Any) -> Response:
        if args["id"] not in self.integrations:
            return _not_found("integration", args["id"])
        return Response(200, self._integration_view(args["id"]))

    def _h_create_integration(self, _: dict[str, str], __: Any, ___: Any, body: bytes) -> Response:
        request = self._body("create_integration", body)
        if isinstance(request, Response):
            return request
        type_id = (request.get("integrationType") or {}).get("id")
        if type_id not in INTEGRATION_TYPES:
            return _error(400, f"integrationType.id {type_id!r} is not an integration type", "bad.request")
        if not request.get("name"):
            return _error(400, "name is required", "bad.request")
        integration_id = str(uuid.uuid4())
        self.integrations[integration_id] = {
            "id": integration_id,
            "name": request["name"],
            "integrationType": {"id": type_id, "name": type_id},
            "intendedState": "DISABLED",
            "reportedState": {"code": "DISABLED", "effective": "Disabled"},
        }
        self.integration_configs[integration_id] = {
            "id": integration_id,
            "name": request["name"],
            "version": 1,
            "properties": {},
            "advanced": {},
            "credentials": {},
        }
        return Response(200, self._integration_view(integration_id))

    def _h_get_integration_config(self, args: dict[str, str], *_: Any) -> Response:
        if args["id"] not in self.integrations:
            return _not_found("integration", args["id"])
        return Response(200, self._config_view(args["id"]))

    def _h_put_integration_config(self, args: dict[str, str], _: Any, __: Any, body: bytes) -> Response:
        request = self._body("put_integration_config", body)
        if isinstance(request, Response):
            return request
        current = self.integration_configs.get(args["id"])
        if current is None:
            return _not_found("integration", args["id"])
        if request.get("version") != current["version"]:
            return _error(409, f"config version {request.get('version')} is not current", "conflict")
        credentials = request.get("credentials") or {}
        for key, ref in credentials.items():
            if not isinstance(ref, dict) or ref.get("id") not in self.credentials:
                return _error(400, f"credentials.{key}: no such credential", "bad.request")
        self.integration_configs[args["id"]] = {
            "id": args["id"],
            "name": request.get("name") or current["name"],
            "version": current["version"] + 1,
            "properties": request.get("properties") or {},
            "advanced": request.get("advanced") or {},
            "credentials": {key: {"id": ref["id"]} for key, ref in credentials.items()},
            **({"notes": request["notes"]} if request.get("notes") else {}),
        }
        self.integrations[args["id"]]["name"] = self.integration_configs[args["id"]]["name"]
        return Response(200, self._config_view(args["id"]))

    def _h_update_integration(self, args: dict[str, str], _: Any, __: Any, body: bytes) -> Response:
        request = self._body("update_integration", body)
        if isinstance(request, Response):
            return request
        integration = self.integrations.get(args["id"])
        if integration is None:
            return _not_found("integration", args["id"])
        state = request.get("intendedState")
        if state not in ("ENABLED", "DISABLED"):
            return _error(400, "intendedState must be ENABLED or DISABLED", "bad.request")
        if state == "ENABLED":
            problem = self._cannot_enable(args["id"])
            if problem:
                return _error(400, problem, "bad.request")
        integration["intendedState"] = state
        integration["reportedState"] = {"code": "ACTIVE" if state == "ENABLED" else "DISABLED"}
        return Response(200, self._integration_view(args["id"]))

    def _cannot_enable(self, integration_id: str) -> str | None:
        integration = self.integrations[integration_id]
        config = self.integration_configs[integration_id]
        if integration["integrationType"]["id"] == LAMBDA_TYPE:
            if "AmazonWebServicesARN" not in config["credentials"]:
                return "the integration needs its AmazonWebServicesARN credential"
            return None
        if integration["integrationType"]["id"] == EVENTBRIDGE_TYPE:
            props = config["properties"]
            if not re.fullmatch(r"\d{12}", str(props.get("awsAccountId", ""))):
                return "properties.awsAccountId must be a 12-digit AWS account id"
            if not props.get("awsAccountRegion") or not props.get("eventSourceSuffix"):
                return "properties.awsAccountRegion and properties.eventSourceSuffix are required"
            if not isinstance(props.get("eventFilter"), list) or not props["eventFilter"]:
                return "properties.eventFilter must list the topics to send"
            if self.on_event_source and integration["intendedState"] != "ENABLED":
                name = f"aws.partner/genesys.com/cloud/{self.org_id}/{props['eventSourceSuffix']}"
                self.on_event_source(props["awsAccountId"], props["awsAccountRegion"], name)
        return None

    def _h_delete_integration(self, args: dict[str, str], *_: Any) -> Response:
        integration = self.integrations.get(args["id"])
        if integration is None:
            return _not_found("integration", args["id"])
        # Assumption: deleting an integration deletes its actions (they cannot run without it).
        for action_id in [a for a, v in self.actions.items() if v["integrationId"] == args["id"]]:
            del self.actions[action_id]
        view = self._integration_view(args["id"])
        del self.integrations[args["id"]], self.integration_configs[args["id"]]
        return Response(200, view)

    # --- credentials ----------------------------------------------------------------------------
    def _credential_info(self, credential_id: str) -> dict[str, Any]:
        # Never the fields: the API does not give secrets back.
        credential = self.credentials[credential_id]
        return {"id": credential_id, "name": credential["name"], "type": {"name": credential["type"]["name"]}}

    def _valid_credential(self, request: dict[str, Any]) -> str | None:
        type_name = (request.get("type") or {}).get("name")
        fields = request.get("credentialFields") or {}
        if type_name not in CREDENTIAL_FIELDS:
            return f"type.name {type_name!r} is not a credential type"
        if set(fields) != CREDENTIAL_FIELDS[type_name]:
            return f"credentialFields must be {sorted(CREDENTIAL_FIELDS[type_name])}"
        if type_name == "amazonWebServicesARN" and not ROLE_ARN.match(str(fields["ARN"])):
            return "credentialFields.ARN must be an IAM role ARN"
        return None if request.get("name") else "name is required"

    def _h_list_credentials(self, _: dict[str, str], params: dict[str, str], *__: Any) -> Response:
        return page([self._credential_info(c) for c in self.credentials], params)

    def _h_create_credential(self, _: dict[str, str], __: Any, ___: Any, body: bytes) -> Response:
        request = self._body("create_credential", body)
        if isinstance(request, Response):
            return request
        problem = self._valid_credential(request)
        if problem:
            return _error(400, problem, "bad.request")
        credential_id = str(uuid.uuid4())
        self.credentials[credential_id] = {**request, "id": credential_id}
        return Response(200, self._credential_info(credential_id))

    def _h_update_credential(self, args: dict[str, str], _: Any, __: Any, body: bytes) -> Response:
        request = self._body("update_credential", body)
        if isinstance(request, Response):
            return request
        if args["id"] not in self.credentials:
            return _not_found("credential", args["id"])
        problem = self._valid_credential(request)
        if problem:
            return _error(400, problem, "bad.request")
        self.credentials[args["id"]] = {**request, "id": args["id"]}
        return Response(200, self._credential_info(args["id"]))

    def _h_delete_credential(self, args: dict[str, str], *_: Any) -> Response:
        if self.credentials.pop(args["id"], None) is None:
            return _not_found("credential", args["id"])
        return Response(204)

    # --- data actions ---------------------------------------------------------------------------
    def _action_view(self, action_id: str, include_config: bool = True) -> dict[str, Any]:
        action = dict(self.actions[action_id])
        if not include_config:
            action.pop("config", None)
        return action

    def _h_list_actions(self, _: dict[str, str], params: dict[str, str], *__: Any) -> Response:
        name = params.get("name", "").lower()
        include = params.get("includeConfig", "false").lower() == "true"
        items = [self._action_view(a, include) for a, v in self.actions.items() if name in v["name"].lower()]
        return page(items, params)

    def _h_get_action(self, args: dict[str, str], params: dict[str, str], *_: Any) -> Response:
        if args["id"] not in self.actions:
            return _not_found("action", args["id"])
        return Response(200, self._action_view(args["id"], params.get("includeConfig", "false").lower() == "true"))

    def _h_create_action(self, _: dict[str, str], __: Any, ___: Any, body: bytes) -> Response:
        request = self._body("create_action", body)
        if isinstance(request, Response):
            return request
        integration = self.integrations.get(request.get("integrationId", ""))
        if integration is None:
            return _error(400, f"integrationId {request.get('integrationId')!r}: no such integration", "bad.request")
        if not request.get("name") or not request.get("config") or not request.get("contract"):
            return _error(400, "name, config and contract are required", "bad.request")
        if any(a["name"] == request["name"] and a["integrationId"] == integration["id"] for a in self.actions.values()):
            return _error(409, f"an action named {request['name']!r} exists in this integration", "conflict")
        action_id = f"custom_-_{uuid.uuid4()}"
        contract = request["contract"]
        self.actions[action_id] = {
            "id": action_id,
            "name": request["name"],
            "category": request.get("category") or integration["name"],
            "integrationId": integration["id"],
            "secure": bool(request.get("secure", False)),
            "version": 1,
            "config": request["config"],
            "contract": {
                "input": {"inputSchema": contract["input"]["inputSchema"]},
                "output": {"successSchema": contract["output"]["successSchema"]},
            },
        }
        return Response(200, self._action_view(action_id))

    def _h_update_action(self, args: dict[str, str], _: Any, __: Any, body: bytes) -> Response:
        request = self._body("update_action", body)
        if isinstance(request, Response):
            return request
        action = self.actions.get(args["id"])
        if action is None:
            return _not_found("action", args["id"])
        if request.get("version") != action["version"]:
            return _error(409, f"action version {request.get('version')} is not current", "conflict")
        for key in ("name", "category", "config"):
            if key in request:
                action[key] = request[key]
        action["version"] += 1
        return Response(200, self._action_view(args["id"]))

    def _h_delete_action(self, args: dict[str, str], *_: Any) -> Response:
        if self.actions.pop(args["id"], None) is None:
            return _not_found("action", args["id"])
        return Response(204)

    def _h_test_action(self, args: dict[str, str], _: Any, __: Any, body: bytes) -> Response:
        request = self._body("test_action", body)
        if isinstance(request, Response):
            return request
        action = self.actions.get(args["id"])
        if action is None:
            return _not_found("action", args["id"])
        steps: list[dict[str, Any]] = []

        def failed(name: str, message: str) -> Response:
            error = {"message": message, "code": "bad.request", "status": 400}
            steps.append({"step": len(steps) + 1, "name": name, "success": False, "error": error})
            return Response(200, {"operations": steps, "success": False, "error": error})

        missing = [key for key in action["contract"]["input"]["inputSchema"].get("required", []) if key not in request]
        if missing:
            return failed("Validate input", f"missing required input {missing}")
        steps.append({"step": 1, "name": "Validate input", "success": True})
        if self.integrations[action["integrationId"]]["intendedState"] != "ENABLED":
            return failed("Execute", "the integration is not enabled")
        arn = action["config"]["request"]["requestUrlTemplate"]
        if self.invoke_lambda is None or not LAMBDA_ARN.match(arn):
            return failed("Execute", f"cannot invoke {arn!r}")
        try:
            result = self.invoke_lambda(arn, request)
        except Exception as exc:  # the function's error becomes the test's failed step
            return failed("Execute", f"{type(exc).__name__}: {exc}")
        steps.append({"step": 2, "name": "Execute", "success": True, "result": result})
        return Response(200, {"operations": steps, "finalResult": result, "success": True})

    # --- functions' OAuth client: role, home division, client -----------------------------------
    def _h_home_division(self, *_: Any) -> Response:
        return Response(200, {"id": self.home_division_id, "name": "Home", "homeDivision": True})

    def _h_list_roles(self, _: dict[str, str], params: dict[str, str], *__: Any) -> Response:
        name = params.get("name")
        return page([r for r in self.roles.values() if not name or r["name"] == name], params)

    def _h_get_role(self, args: dict[str, str], *_: Any) -> Response:
        role = self.roles.get(args["id"])
        return Response(200, role) if role else _not_found("role", args["id"])

    def _h_create_role(self, _: dict[str, str], __: Any, ___: Any, body: bytes) -> Response:
        request = self._body("create_role", body)
        if isinstance(request, Response):
            return request
        if any(r["name"] == request.get("name") for r in self.roles.values()):
            return _error(409, f"a role named {request.get('name')!r} exists", "conflict")
        role_id = str(uuid.uuid4())
        policies = request.get("permissionPolicies") or []
        self.roles[role_id] = {
            "id": role_id,
            "name": request.get("name"),
            "description": request.get("description", ""),
            "permissionPolicies": policies,
            "permissions": [],
        }
        return Response(200, self.roles[role_id])

    def _h_update_role(self, args: dict[str, str], _: Any, __: Any, body: bytes) -> Response:
        request = self._body("update_role", body)
        if isinstance(request, Response):
            return request
        role = self.roles.get(args["id"])
        if role is None:
            return _not_found("role", args["id"])
        if not request.get("name"):
            return _error(400, "name is required", "bad.request")
        if any(r["name"] == request["name"] and i != args["id"] for i, r in self.roles.items()):
            return _error(409, f"a role named {request['name']!r} exists", "conflict")
        role.update(
            name=request["name"],
            description=request.get("description", ""),
            permissionPolicies=request.get("permissionPolicies") or [],
        )
        return Response(200, role)

    def _h_delete_role(self, args: dict[str, str], *_: Any) -> Response:
        if self.roles.pop(args["id"], None) is None:
            return _not_found("role", args["id"])
        return Response(204)

    def _client_view(self, client_id: str) -> dict[str, Any]:
        return {k: v for k, v in self.oauth_clients[client_id].items() if k != "secret"}

    def _h_list_oauth_clients(self, _: dict[str, str], params: dict[str, str], *__: Any) -> Response:
        return page([self._client_view(c) for c in self.oauth_clients], params)

    def _h_get_oauth_client(self, args: dict[str, str], *_: Any) -> Response:
        if args["id"] not in self.oauth_clients:
            return _not_found("OAuth client", args["id"])
        return Response(200, self._client_view(args["id"]))

    def _h_create_oauth_client(self, _: dict[str, str], __: Any, ___: Any, body: bytes) -> Response:
        request = self._body("create_oauth_client", body)
        if isinstance(request, Response):
            return request
        if request.get("authorizedGrantType") != "CLIENT-CREDENTIALS":
            return _error(400, "authorizedGrantType must be CLIENT-CREDENTIALS", "bad.request")
        if any(c["name"] == request.get("name") for c in self.oauth_clients.values()):
            return _error(409, f"an OAuth client named {request.get('name')!r} exists", "conflict")
        for grant in request.get("roleDivisions") or []:
            if grant.get("roleId") not in self.roles:
                return _error(400, f"roleDivisions: no role {grant.get('roleId')}", "bad.request")
        client_id = str(uuid.uuid4())
        secret = secrets.token_urlsafe(32)
        self.oauth_clients[client_id] = {
            "id": client_id,
            "name": request.get("name"),
            "description": request.get("description", ""),
            "authorizedGrantType": "CLIENT-CREDENTIALS",
            "roleDivisions": request.get("roleDivisions") or [],
            "accessTokenValiditySeconds": request.get("accessTokenValiditySeconds", 86400),
            "state": "active",
            "secret": secret,
        }
        self.add_client(client_id, secret)
        return Response(200, self.oauth_clients[client_id])

    def _h_update_oauth_client(self, args: dict[str, str], _: Any, __: Any, body: bytes) -> Response:
        request = self._body("update_oauth_client", body)
        if isinstance(request, Response):
            return request
        client = self.oauth_clients.get(args["id"])
        if client is None:
            return _not_found("OAuth client", args["id"])
        if request.get("authorizedGrantType") != "CLIENT-CREDENTIALS" or not request.get("name"):
            return _error(400, "name and authorizedGrantType CLIENT-CREDENTIALS are required", "bad.request")
        if any(c["name"] == request["name"] and i != args["id"] for i, c in self.oauth_clients.items()):
            return _error(409, f"an OAuth client named {request['name']!r} exists", "conflict")
        for grant in request.get("roleDivisions") or []:
            if grant.get("roleId") not in self.roles:
                return _error(400, f"roleDivisions: no role {grant.get('roleId')}", "bad.request")
        client.update(
            name=request["name"],
            description=request.get("description", ""),
            roleDivisions=request.get("roleDivisions") or [],
        )
        return Response(200, self._client_view(args["id"]))

    def _h_delete_oauth_client(self, args: dict[str, str], *_: Any) -> Response:
        if self.oauth_clients.pop(args["id"], None) is None:
            return _not_found("OAuth client", args["id"])
        self.clients.pop(args["id"], None)
        return Response(204)
