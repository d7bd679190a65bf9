"""Where a process's AWS credentials come from, behind one small protocol (`CredentialProvider`).

Chosen explicitly, in this order, by `provider_from_environment` (Lambda processes):
1. static keys in the environment: what Lambda sets for an ordinary function (the role's session);
2. the container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI` or `_RELATIVE_URI`, with
   `AWS_CONTAINER_AUTHORIZATION_TOKEN` or `_TOKEN_FILE`): what Lambda SnapStart and container runtimes
   use. Fetched over httpx, cached, fetched again `REFRESH_MARGIN` before `Expiration`.
Nothing else: a Lambda process with neither fails at once, naming the variables.

Workstation CLIs use `BotoSessionCredentials` (profiles, SSO), which imports boto3 lazily; only CLI
wiring constructs it. Secrets are SecretStr everywhere, so a repr or a log shows '**********'.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx
from pydantic import SecretStr

from ..domain.deadline import Deadline

# The relative URI is served on this link-local address (ECS and Lambda containers).
CONTAINER_HOST = "http://169.254.170.2"
# Fetch new credentials this long before the old ones expire (botocore uses 15 min advisory, 10 min
# mandatory for container credentials; 5 min leaves every in-flight call valid credentials).
REFRESH_MARGIN = timedelta(minutes=5)
CONTAINER_TIMEOUT_SECONDS = 1.0


class CredentialsUnavailable(RuntimeError):
    """No credentials could be had. Names variables and statuses only, never a key or token."""


@dataclass(frozen=True)
class AwsCredentials:
    access_key_id: str
    secret_access_key: SecretStr
    session_token: SecretStr | None = None
    expires_at: datetime | None = None  # None: static keys

    def fresh_at(self, now: datetime) -> bool:
        return self.expires_at is None or now < self.expires_at - REFRESH_MARGIN


class CredentialProvider(Protocol):
    def credentials(self, *, deadline: Deadline) -> AwsCredentials:
        """Credentials valid for at least the next few minutes (fetched within `deadline` if needed)."""
        ...


@dataclass(frozen=True)
class StaticCredentials:
    """Keys the runtime put in the environment (AWS_ACCESS_KEY_ID, ..._SECRET_ACCESS_KEY, ..._SESSION_TOKEN)."""

    value: AwsCredentials

    def credentials(self, *, deadline: Deadline) -> AwsCredentials:
        return self.value


class ContainerCredentials:
    """The container credentials endpoint, cached until `REFRESH_MARGIN` before Expiration; thread-safe."""

    def __init__(
        self,
        uri: str,
        *,
        token: SecretStr | None = None,
        token_file: Path | None = None,
        http: httpx.Client | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.uri = uri
        self._token = token
        self._token_file = token_file
        self._http = http or httpx.Client()
        self._now = now
        self._cached: AwsCredentials | None = None
        self._lock = threading.Lock()

    def credentials(self, *, deadline: Deadline) -> AwsCredentials:
        with self._lock:
            if self._cached is None or not self._cached.fresh_at(self._now()):
                self._cached = self._fetch(deadline)
            return self._cached

    def _authorization(self) -> str | None:
        # The token file is read on every fetch: the runtime rotates it.
        if self._token_file is not None:
            return self._token_file.read_text().strip()
        return self._token.get_secret_value() if self._token else None

    def _fetch(self, deadline: Deadline) -> AwsCredentials:
        seconds = min(CONTAINER_TIMEOUT_SECONDS, deadline.remaining())
        if seconds <= 0:
            raise CredentialsUnavailable("container credentials not fetched: the deadline left no time")
        authorization = self._authorization()
        headers = {"Authorization": authorization} if authorization else {}
        try:
            response = self._http.get(self.uri, headers=headers, timeout=seconds)
        except httpx.TransportError as exc:
            raise CredentialsUnavailable(f"container credentials endpoint unreachable ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise CredentialsUnavailable(f"container credentials endpoint answered HTTP {response.status_code}")
        try:
            return _parse(response.json())
        except (ValueError, KeyError, TypeError):
            raise CredentialsUnavailable("container credentials endpoint answered without credentials") from None


def _parse(answer: Any) -> AwsCredentials:
    expiration = str(answer["Expiration"]).replace("Z", "+00:00")
    return AwsCredentials(
        access_key_id=str(answer["AccessKeyId"]),
        secret_access_key=SecretStr(str(answer["SecretAccessKey"])),
        session_token=SecretStr(str(answer["Token"])) if answer.get("Token") else None,
        expires_at=datetime.fromisoformat(expiration).astimezone(UTC),
    )


class BotoSessionCredentials:
    """A workstation's boto3 Session (profiles, SSO, its own refresh): for the CLIs only, imported lazily."""

    def __init__(self, session: Any = None) -> None:
        if session is None:
            import boto3  # only CLI wiring constructs this provider

            session = boto3.Session()
        self._session = session

    @property
    def region(self) -> str | None:
        return self._session.region_name  # type: ignore[no-any-return]

    def credentials(self, *, deadline: Deadline) -> AwsCredentials:
        resolved = self._session.get_credentials()
        if resolved is None:
            raise CredentialsUnavailable("no AWS credentials in this workstation's boto3 session (profile, SSO)")
        frozen = resolved.get_frozen_credentials()  # refreshes SSO/assume-role credentials when due
        return AwsCredentials(
            access_key_id=frozen.access_key,
            secret_access_key=SecretStr(frozen.secret_key),
            session_token=SecretStr(frozen.token) if frozen.token else None,
        )


def provider_from_environment(env: EnvironmentCredentials, http: httpx.Client | None = None) -> CredentialProvider:
    """Static keys if the runtime set them, else the container endpoint; nothing else (module doc)."""
    if env.aws_access_key_id and env.aws_secret_access_key:
        return StaticCredentials(
            AwsCredentials(env.aws_access_key_id, env.aws_secret_access_key, env.aws_session_token)
        )
    uri = env.aws_container_credentials_full_uri or (
        CONTAINER_HOST + env.aws_container_credentials_relative_uri
        if env.aws_container_credentials_relative_uri
        else None
    )
    if uri:
        token_file = (
            Path(env.aws_container_authorization_token_file) if env.aws_container_authorization_token_file else None
        )
        return ContainerCredentials(uri, token=env.aws_container_authorization_token, token_file=token_file, http=http)
    raise CredentialsUnavailable(
        "no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or"
        " AWS_CONTAINER_CREDENTIALS_FULL_URI/AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
    )


class EnvironmentCredentials(Protocol):
    """The variables `provider_from_environment` reads (settings.AwsSettings has them)."""

    @property
    def aws_access_key_id(self) -> str | None: ...
    @property
    def aws_secret_access_key(self) -> SecretStr | None: ...
    @property
    def aws_session_token(self) -> SecretStr | None: ...
    @property
    def aws_container_credentials_full_uri(self) -> str | None: ...
    @property
    def aws_container_credentials_relative_uri(self) -> str | None: ...
    @property
    def aws_container_authorization_token(self) -> SecretStr | None: ...
    @property
    def aws_container_authorization_token_file(self) -> str | None: ...
