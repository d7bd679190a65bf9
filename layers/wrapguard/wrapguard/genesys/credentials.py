"""Where the OAuth client credentials come from: a *source* the client asks on every token grant.

- `SecretCredentials`: the Secrets Manager secret (JSON clientId/clientSecret), read over aws/ (no
  boto3), cached for `max_age_seconds` per source, and re-read at once when the token grant is
  refused (`refresh`): a warm container picks up a rotated secret (issue 15, D1).
- `FixedCredentials`: environment variables (local runs, tests).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from ..aws.json_api import AwsRequestError
from ..aws.secretsmanager import SecretReadError, SecretsManager
from ..domain.deadline import Deadline
from ..settings import GenesysSettings, SettingsError

# Secrets Manager errors that a retry cannot fix: a misconfiguration, named as one.
_MISCONFIGURED = {"ResourceNotFoundException", "AccessDeniedException", "DecryptionFailure"}
_SHAPE = "GENESYS_CREDENTIALS_SECRET: the secret must be JSON with clientId and clientSecret"


class ClientCredentials(BaseModel):
    # The secret is a SecretStr so that repr(), logs and error messages show '**********'.
    model_config = ConfigDict(populate_by_name=True, frozen=True)

    client_id: str = Field(alias="clientId", min_length=1)
    client_secret: SecretStr = Field(alias="clientSecret", min_length=1)


class CredentialsSource(Protocol):
    def current(self, *, deadline: Deadline) -> ClientCredentials:
        """The credentials to use now (cached as the source sees fit)."""
        ...

    def refresh(self, *, deadline: Deadline) -> ClientCredentials:
        """Read them again at once: the token grant refused the ones `current` gave."""
        ...


class FixedCredentials:
    def __init__(self, credentials: ClientCredentials) -> None:
        self._credentials = credentials

    def current(self, *, deadline: Deadline) -> ClientCredentials:
        return self._credentials

    def refresh(self, *, deadline: Deadline) -> ClientCredentials:
        return self._credentials


class SecretCredentials:
    """The secret, cached for `max_age_seconds` (monotonic), re-read on `refresh`; thread-safe."""

    def __init__(
        self,
        secrets: SecretsManager,
        secret_id: str,
        *,
        max_age_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._secrets = secrets
        self._secret_id = secret_id
        self._max_age = max_age_seconds
        self._clock = clock
        self._cached: tuple[float, ClientCredentials] | None = None
        self._lock = threading.Lock()

    def current(self, *, deadline: Deadline) -> ClientCredentials:
        with self._lock:
            if self._cached is None or self._clock() >= self._cached[0]:
                self._cached = (self._clock() + self._max_age, self._read(deadline))
            return self._cached[1]

    def refresh(self, *, deadline: Deadline) -> ClientCredentials:
        with self._lock:
            self._cached = (self._clock() + self._max_age, self._read(deadline))
            return self._cached[1]

    def _read(self, deadline: Deadline) -> ClientCredentials:
        try:
            raw = self._secrets.secret_string(self._secret_id, deadline=deadline)
        except AwsRequestError as exc:
            if exc.code in _MISCONFIGURED:
                raise SettingsError(f"GENESYS_CREDENTIALS_SECRET: {exc}") from None
            raise
        except SecretReadError as exc:
            raise SettingsError(f"GENESYS_CREDENTIALS_SECRET: {exc}") from None
        try:
            return ClientCredentials.model_validate(_accept_snake_case(json.loads(raw)))
        except (ValueError, ValidationError):
            # Deliberately not echoing pydantic's message: it would include the secret's input values.
            raise SettingsError(_SHAPE) from None


def credentials_source(
    settings: GenesysSettings, secrets: Callable[[], SecretsManager], *, max_age_seconds: float = 300.0
) -> CredentialsSource:
    """The secret when GENESYS_CREDENTIALS_SECRET is set, else the environment's id and secret."""
    if settings.genesys_credentials_secret:
        return SecretCredentials(secrets(), settings.genesys_credentials_secret, max_age_seconds=max_age_seconds)
    assert settings.genesys_client_id and settings.genesys_client_secret  # enforced by the settings model
    return FixedCredentials(
        ClientCredentials(client_id=settings.genesys_client_id, client_secret=settings.genesys_client_secret)
    )


def _accept_snake_case(raw: Any) -> Any:
    if isinstance(raw, dict):
        return {
            "clientId": raw.get("clientId", raw.get("client_id")),
            "clientSecret": raw.get("clientSecret", raw.get("client_secret")),
        }
    return raw
