"""The Genesys client credentials from Secrets Manager over the aws/ boundary (local server): cached,
re-read after their cache age and at once when the token grant refuses them (a rotated secret, D1)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest

from tests.support.world import CLIENT_ID, CLIENT_SECRET, World
from wrapguard.aws import wiring
from wrapguard.domain.deadline import Deadline
from wrapguard.genesys.credentials import SecretCredentials
from wrapguard.settings import AwsSettings, SettingsError, load_settings
from wrapguard_local.handlers import FakeLambdaContext, load_handler

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def secret(name: str, client_secret: str) -> str:
    return json.dumps({"clientId": CLIENT_ID, "clientSecret": client_secret})


def source(name: str, clock: Clock, max_age: float = 300.0) -> SecretCredentials:
    return SecretCredentials(
        wiring.secrets_manager(load_settings(AwsSettings)), name, max_age_seconds=max_age, clock=clock
    )


def test_secret_is_cached_for_its_age_then_read_again_and_refreshed_at_once(local_aws: str) -> None:
    name = f"wrapguard/{uuid.uuid4().hex[:8]}"
    client = boto3.client("secretsmanager")
    client.create_secret(Name=name, SecretString=secret(name, "top-secret-1"))
    clock = Clock()
    credentials = source(name, clock)
    first = credentials.current(deadline=Deadline.after(10))
    assert first.client_secret.get_secret_value() == "top-secret-1" and "top-secret-1" not in repr(first)
    client.put_secret_value(SecretId=name, SecretString=secret(name, "rotated-2"))
    assert credentials.current(deadline=Deadline.after(10)).client_secret.get_secret_value() == "top-secret-1"
    clock.now += 301  # past the cache age: read again
    assert credentials.current(deadline=Deadline.after(10)).client_secret.get_secret_value() == "rotated-2"
    client.put_secret_value(SecretId=name, SecretString=secret(name, "rotated-3"))
    assert credentials.refresh(deadline=Deadline.after(10)).client_secret.get_secret_value() == "rotated-3"
    assert credentials.current(deadline=Deadline.after(10)).client_secret.get_secret_value() == "rotated-3"


def test_a_warm_data_action_picks_up_a_rotated_secret(
    function_env: dict[str, Any], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D1: after a rotation the token grant answers invalid_client; the client reads the secret again
    at once and the same warm container applies the code (before: `failed` until Lambda recycled it)."""
    name = f"wrapguard/{uuid.uuid4().hex[:8]}"
    client = boto3.client("secretsmanager")
    client.create_secret(Name=name, SecretString=secret(name, CLIENT_SECRET))
    monkeypatch.delenv("GENESYS_CLIENT_ID")
    monkeypatch.delenv("GENESYS_CLIENT_SECRET")
    monkeypatch.setenv("GENESYS_CREDENTIALS_SECRET", name)
    handler = load_handler("apply_wrapup")
    cid, pid = world.call_in_acw()
    event = {"conversationId": cid, "participantId": pid, "wrapupCodeId": world.resolved}
    assert handler.lambda_handler(event, FakeLambdaContext())["outcome"] == "applied"
    # Rotation: the new secret in Secrets Manager and at Genesys; the old one and its tokens stop working.
    client.put_secret_value(SecretId=name, SecretString=secret(name, "rotated-Do-Not-Log-2"))
    world.sim.add_client(CLIENT_ID, "rotated-Do-Not-Log-2")
    world.sim.revoke_tokens()
    cid, pid = world.call_in_acw()
    event = {"conversationId": cid, "participantId": pid, "wrapupCodeId": world.resolved}
    assert handler.lambda_handler(event, FakeLambdaContext())["outcome"] == "applied"


def test_missing_secret_names_the_variable(local_aws: str) -> None:
    with pytest.raises(SettingsError, match=r"GENESYS_CREDENTIALS_SECRET: .*ResourceNotFoundException"):
        source("wrapguard/does-not-exist", Clock()).current(deadline=Deadline.after(10))


def test_malformed_secret_names_the_variable_not_the_value(local_aws: str) -> None:
    name = f"wrapguard/{uuid.uuid4().hex[:8]}"
    boto3.client("secretsmanager").create_secret(Name=name, SecretString=json.dumps({"id": "leaky-value"}))
    with pytest.raises(SettingsError, match="GENESYS_CREDENTIALS_SECRET") as raised:
        source(name, Clock()).current(deadline=Deadline.after(10))
    assert "leaky-value" not in str(raised.value)


def test_handler_fails_at_start_up_naming_the_missing_setting(
    function_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STAGED_CODES_TABLE_NAME")
    with pytest.raises(SettingsError, match="STAGED_CODES_TABLE_NAME"):
        load_handler("apply_wrapup")


def test_a_data_action_without_static_keys_signs_with_container_credentials(
    function_env: dict[str, Any], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lambda SnapStart / container runtimes: no AWS keys in the environment, only the container
    credentials endpoint (a local HTTP server here). The handler reads them, and applies and records."""
    import threading
    from datetime import UTC, datetime, timedelta
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[str | None] = []

    class Endpoint(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization"))
            body = json.dumps(
                {
                    "AccessKeyId": "ASIACONTAINER",
                    "SecretAccessKey": "container-secret",
                    "Token": "container-session",
                    "Expiration": (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", f"http://127.0.0.1:{server.server_port}/creds")
        monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "snapstart-token")
        handler = load_handler("apply_wrapup")
        applied = world.call_in_acw()
        closed = world.call_in_acw()
        world.sim.complete_acw(*closed)
        for (cid, pid), outcome in ((applied, "applied"), (closed, "failed")):
            event = {"conversationId": cid, "participantId": pid, "wrapupCodeId": world.resolved}
            assert handler.lambda_handler(event, FakeLambdaContext())["outcome"] == outcome
        assert seen == ["snapstart-token"]  # fetched once, then cached until near its Expiration
    finally:
        server.shutdown()
        server.server_close()
