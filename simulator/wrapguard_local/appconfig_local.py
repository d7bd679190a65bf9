"""The parts of AWS AppConfig that moto does not serve, for the local AWS server.

moto (5.2) keeps AppConfig applications, configuration profiles (with their validators) and hosted
configuration versions, but has no environments, deployment strategies or deployments, and no
AppConfigData (the API functions read configuration through). wrapguard's runtime policy lives in
AppConfig, so the local server serves those here, on top of moto's own AppConfig state:

- control plane (REST, like AppConfig): CreateEnvironment, CreateDeploymentStrategy, StartDeployment
  (runs the profile's JSON_SCHEMA validators first, like AppConfig; a failure is a 400
  BadRequestException and nothing is deployed), GetDeployment, ListDeployments;
- AppConfigData: StartConfigurationSession and GetLatestConfiguration, with AppConfig's contract:
  every token is single-use (a reused one is a 400 BadRequestException), the answer's body is empty
  when the caller already has the deployed version, Next-Poll-Configuration-Token and
  Next-Poll-Interval-In-Seconds headers. (AppConfigData API reference: GetLatestConfiguration.)

Deployments complete at once (the local server has no bake time), whatever the strategy: what the
tests exercise is wrapguard's own poll bound, not AppConfig's rollout.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

ACCOUNT_ID = "123456789012"  # moto's default account

_APP = r"/applications/(?P<app>[^/]+)"
_ENV = _APP + r"/environments/(?P<env>[^/]+)"


@dataclass
class _Deployment:
    number: int
    profile_id: str
    version: int
    strategy_id: str
    state: str = "COMPLETE"

    def to_json(self, app: str, env: str) -> dict[str, Any]:
        return {
            "ApplicationId": app,
            "EnvironmentId": env,
            "DeploymentNumber": self.number,
            "ConfigurationProfileId": self.profile_id,
            "ConfigurationVersion": str(self.version),
            "DeploymentStrategyId": self.strategy_id,
            "State": self.state,
            "PercentageComplete": 100.0,
        }


@dataclass
class _Session:
    app: str
    env: str
    profile: str
    min_poll_seconds: int
    seen_version: int | None = None


@dataclass
class AppConfigLocal:
    """State the local server adds to moto's AppConfig (per server process)."""

    environments: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # app -> env id -> env
    strategies: dict[str, dict[str, Any]] = field(default_factory=dict)
    deployments: dict[tuple[str, str], list[_Deployment]] = field(default_factory=dict)
    sessions: dict[str, _Session] = field(default_factory=dict)  # unused token -> session
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- dispatch -------------------------------------------------------------------------------
    def handles(self, method: str, path: str) -> bool:
        return path in ("/configurationsessions", "/configuration") or bool(
            re.fullmatch(_APP + r"/environments(/.*)?", path) or path.startswith("/deploymentstrategies")
        )

    def __call__(
        self, method: str, path: str, query: str, body: bytes, region: str
    ) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            try:
                return self._route(method, path, query, _json(body), region)
            except _ApiError as error:
                return (
                    error.status,
                    {"Content-Type": "application/json", "x-amzn-ErrorType": error.code},
                    json.dumps({"__type": error.code, "Message": error.message}).encode(),
                )

    def _route(
        self, method: str, path: str, query: str, body: dict[str, Any], region: str
    ) -> tuple[int, dict[str, str], bytes]:
        if path == "/configurationsessions" and method == "POST":
            return self._start_session(body, region)
        if path == "/configuration" and method == "GET":
            return self._latest(parse_qs(query).get("configuration_token", [""])[0], region)
        if path == "/deploymentstrategies" and method == "POST":
            strategy = {"Id": secrets.token_hex(4), **body}
            self.strategies[strategy["Id"]] = strategy
            return _ok(strategy, 201)
        if match := re.fullmatch(_APP + "/environments", path):
            return self._environments(method, _moto_app(match["app"], region).id, body)
        return self._deployments(method, path, body, region)

    def _environments(self, method: str, app: str, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        if method == "POST":
            created = {"Id": secrets.token_hex(4), "ApplicationId": app, "State": "READY_FOR_DEPLOYMENT", **body}
            self.environments.setdefault(app, {})[created["Id"]] = created
            return _ok(created, 201)
        return _ok({"Items": list(self.environments.get(app, {}).values())})

    def _deployments(
        self, method: str, path: str, body: dict[str, Any], region: str
    ) -> tuple[int, dict[str, str], bytes]:
        if match := re.fullmatch(_ENV + r"/deployments(?:/(?P<n>\d+))?", path):
            app, env = self._env(match["app"], match["env"], region)
            history = self.deployments.get((app, env), [])
            if match["n"] is None and method == "POST":
                return self._deploy(app, env, body, region)
            if match["n"] is None:
                return _ok({"Items": [d.to_json(app, env) for d in history]})
            found = [d for d in history if d.number == int(match["n"])]
            if found:
                return _ok(found[0].to_json(app, env))
        raise _ApiError(404, "ResourceNotFoundException", f"{method} {path} is not served by the local server")

    # --- control plane ----------------------------------------------------------------------------
    def _env(self, app_ref: str, env_ref: str, region: str) -> tuple[str, str]:
        app = _moto_app(app_ref, region).id
        for env in self.environments.get(app, {}).values():
            if env_ref in (env["Id"], env.get("Name")):
                return app, str(env["Id"])
        raise _ApiError(404, "ResourceNotFoundException", f"environment {env_ref} not found")

    def _deploy(self, app: str, env: str, body: dict[str, Any], region: str) -> tuple[int, dict[str, str], bytes]:
        profile = _profile(app, str(body.get("ConfigurationProfileId", "")), region)
        try:
            version = profile.get_version(int(body.get("ConfigurationVersion", "")))
        except (ValueError, Exception) as exc:
            raise _ApiError(400, "BadRequestException", "ConfigurationVersion not found") from exc
        _validate(profile.validators or [], version.content)
        history = self.deployments.setdefault((app, env), [])
        deployment = _Deployment(len(history) + 1, profile.id, version.version, str(body.get("DeploymentStrategyId")))
        history.append(deployment)
        return _ok(deployment.to_json(app, env), 201)

    # --- AppConfigData -----------------------------------------------------------------------------
    def _start_session(self, body: dict[str, Any], region: str) -> tuple[int, dict[str, str], bytes]:
        app, env = self._env(str(body.get("ApplicationIdentifier")), str(body.get("EnvironmentIdentifier")), region)
        profile = _profile(app, str(body.get("ConfigurationProfileIdentifier")), region)
        token = secrets.token_urlsafe(24)
        poll = int(body.get("RequiredMinimumPollIntervalInSeconds") or 60)
        self.sessions[token] = _Session(app, env, profile.id, poll)
        return _ok({"InitialConfigurationToken": token}, 201)

    def _latest(self, token: str, region: str) -> tuple[int, dict[str, str], bytes]:
        session = self.sessions.pop(token, None)  # single use
        if session is None:
            raise _ApiError(400, "BadRequestException", "configuration token expired or already used")
        deployed = [d for d in self.deployments.get((session.app, session.env), []) if d.profile_id == session.profile]
        next_token = secrets.token_urlsafe(24)
        headers = {
            "Next-Poll-Configuration-Token": next_token,
            "Next-Poll-Interval-In-Seconds": str(session.min_poll_seconds),
        }
        content = b""
        if deployed and deployed[-1].version != session.seen_version:
            version = _profile(session.app, session.profile, region).get_version(deployed[-1].version)
            content = version.content if isinstance(version.content, bytes) else str(version.content).encode()
            headers |= {
                "Content-Type": version.content_type or "application/json",
                "Version-Label": version.version_label or "",
            }
            session.seen_version = deployed[-1].version
        self.sessions[next_token] = session
        return 200, headers, content


class _ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError as exc:
        raise _ApiError(400, "BadRequestException", "body is not JSON") from exc
    return value if isinstance(value, dict) else {}


def _ok(value: dict[str, Any], status: int = 200) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(value).encode()


def _backend(region: str) -> Any:
    from moto.appconfig.models import appconfig_backends

    return appconfig_backends[ACCOUNT_ID][region]


def _moto_app(ref: str, region: str) -> Any:
    backend = _backend(region)
    for app in backend.applications.values():
        if ref in (app.id, app.name):
            return app
    raise _ApiError(404, "ResourceNotFoundException", f"application {ref} not found")


def _profile(app_id: str, ref: str, region: str) -> Any:
    for profile in _moto_app(app_id, region).config_profiles.values():
        if ref in (profile.id, profile.name):
            return profile
    raise _ApiError(404, "ResourceNotFoundException", f"configuration profile {ref} not found")


def _validate(validators: Iterable[dict[str, str]], content: Any) -> None:
    import jsonschema  # type: ignore[import-untyped]  # dev/test dependency of the local server only, never of the functions

    text = content.decode() if isinstance(content, bytes) else str(content)
    for validator in validators:
        if validator.get("Type") != "JSON_SCHEMA":
            continue
        try:
            jsonschema.validate(json.loads(text), json.loads(validator["Content"]))
        except (ValueError, jsonschema.ValidationError) as exc:
            message = getattr(exc, "message", "content is not JSON")
            raise _ApiError(400, "BadRequestException", f"configuration failed validation: {message}") from None


def wsgi_middleware(app: Callable[..., Iterable[bytes]], local: AppConfigLocal) -> Callable[..., Iterable[bytes]]:
    """Serve what `local` handles; pass everything else to moto."""

    def handle(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if not local.handles(method, path):
            return app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        region = _region(environ.get("HTTP_AUTHORIZATION", ""))
        status, headers, payload = local(method, path, environ.get("QUERY_STRING", ""), body, region)
        start_response(
            f"{status} {'OK' if status < 300 else 'Error'}", [*headers.items(), ("Content-Length", str(len(payload)))]
        )
        return [payload]

    return handle


def _region(authorization: str) -> str:
    # SigV4: Credential=KEY/DATE/REGION/SERVICE/aws4_request
    match = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/", authorization)
    return match.group(1) if match else "us-east-1"
