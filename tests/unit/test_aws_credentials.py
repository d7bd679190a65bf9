"""Credential providers: static keys first, then the container endpoint (a real local HTTP server), cached
and refreshed before Expiration; nothing else in a Lambda process."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from wrapguard.aws.credentials import (
    ContainerCredentials,
    CredentialsUnavailable,
    StaticCredentials,
    provider_from_environment,
)
from wrapguard.domain.deadline import Deadline
from wrapguard.settings import AwsSettings

T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


class Endpoint:
    """A container credentials endpoint: checks the Authorization header, hands out numbered keys."""

    def __init__(self, token: str, lifetime: timedelta) -> None:
        self.token = token
        self.lifetime = lifetime
        self.now = T0
        self.calls: list[str | None] = []
        self.status = 200

    def answer(self, authorization: str | None) -> tuple[int, dict[str, Any]]:
        self.calls.append(authorization)
        if authorization != self.token:
            return 401, {"message": "bad token"}
        if self.status != 200:
            return self.status, {}
        n = len(self.calls)
        return 200, {
            "AccessKeyId": f"ASIA{n}",
            "SecretAccessKey": f"secret-{n}",
            "Token": f"session-{n}",
            "Expiration": (self.now + self.lifetime).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


@pytest.fixture
def endpoint() -> Iterator[tuple[Endpoint, str]]:
    state = Endpoint("container-token", timedelta(hours=1))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = state.answer(self.headers.get("Authorization"))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_port}/v1/credentials"
    finally:
        server.shutdown()
        server.server_close()


def test_static_keys_come_first() -> None:
    env = AwsSettings.model_validate(
        {
            "aws_access_key_id": "AKID",
            "aws_secret_access_key": "sk",
            "aws_session_token": "st",
            "aws_container_credentials_full_uri": "http://127.0.0.1:1/never",
        }
    )
    provider = provider_from_environment(env)
    assert isinstance(provider, StaticCredentials)
    creds = provider.credentials(deadline=Deadline.after(1))
    assert creds.access_key_id == "AKID" and creds.session_token is not None
    assert "sk" not in repr(creds) and "st" not in repr(creds)


def test_neither_static_keys_nor_container_endpoint_is_an_error_naming_the_variables() -> None:
    with pytest.raises(CredentialsUnavailable, match="AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        provider_from_environment(AwsSettings())


def test_container_endpoint_with_token_is_cached_then_refreshed_before_expiration(
    endpoint: tuple[Endpoint, str],
) -> None:
    state, uri = endpoint
    env = AwsSettings.model_validate(
        {"aws_container_credentials_full_uri": uri, "aws_container_authorization_token": "container-token"}
    )
    provider = provider_from_environment(env)
    assert isinstance(provider, ContainerCredentials)
    provider._now = lambda: state.now
    first = provider.credentials(deadline=Deadline.after(5))
    assert first.access_key_id == "ASIA1" and first.secret_access_key.get_secret_value() == "secret-1"
    state.now = T0 + timedelta(minutes=50)  # still more than the refresh margin before expiry
    assert provider.credentials(deadline=Deadline.after(5)).access_key_id == "ASIA1"
    assert len(state.calls) == 1
    state.now = T0 + timedelta(minutes=56)  # inside the margin: fetched again
    assert provider.credentials(deadline=Deadline.after(5)).access_key_id == "ASIA2"
    assert state.calls == ["container-token", "container-token"]


def test_token_file_is_read_on_every_fetch(endpoint: tuple[Endpoint, str], tmp_path: Path) -> None:
    state, uri = endpoint
    token_file = tmp_path / "token"
    token_file.write_text("old-token\n")
    state.token = "old-token"
    provider = ContainerCredentials(uri, token_file=token_file, now=lambda: state.now)
    assert provider.credentials(deadline=Deadline.after(5)).access_key_id == "ASIA1"
    token_file.write_text("new-token")  # the runtime rotated it
    state.token = "new-token"
    state.now = T0 + timedelta(hours=2)
    assert provider.credentials(deadline=Deadline.after(5)).access_key_id == "ASIA2"


def test_refused_or_unreachable_endpoint_is_a_typed_error_without_secrets(endpoint: tuple[Endpoint, str]) -> None:
    _, uri = endpoint
    wrong = ContainerCredentials(uri, token=SecretStr("not-the-token"))
    with pytest.raises(CredentialsUnavailable, match="HTTP 401") as raised:
        wrong.credentials(deadline=Deadline.after(5))
    assert "not-the-token" not in str(raised.value)
    with pytest.raises(CredentialsUnavailable, match="unreachable"):
        ContainerCredentials("http://127.0.0.1:1/x").credentials(deadline=Deadline.after(5))
    with pytest.raises(CredentialsUnavailable, match="no time"):
        ContainerCredentials(uri, token=SecretStr("container-token")).credentials(deadline=Deadline.after(0))
