"""Where the OAuth client credentials come from: Secrets Manager in AWS, environment variables locally."""

from __future__ import annotations

import json
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from ..secretsmanager import DirectSecretsManager, SecretReadError
from ..settings import AwsSettings, GenesysSettings, SettingsError, load_settings


class ClientCredentials(BaseModel):
    # The secret is a SecretStr so that repr(), logs and error messages show '**********'.
    model_config = ConfigDict(populate_by_name=True, frozen=True)

    client_id: str = Field(alias="clientId", min_length=1)
    client_secret: SecretStr = Field(alias="clientSecret", min_length=1)


# secret name -> (monotonic expiry, SecretString): a warm container re-reads at most every max_age.
_cache: dict[str, tuple[float, str]] = {}


def clear_cache() -> None:
    """Forget cached secrets (what a new container sees)."""
    _cache.clear()


def load_credentials(
    settings: GenesysSettings, *, max_age_seconds: int = 300, aws: AwsSettings | None = None
) -> ClientCredentials:
    if settings.genesys_credentials_secret:
        raw = _secret_json(settings.genesys_credentials_secret, max_age_seconds, aws or load_settings(AwsSettings))
        try:
            return ClientCredentials.model_validate(_accept_snake_case(raw))
        except ValidationError:
            # Deliberately not echoing pydantic's message: it would include the secret's input values.
            raise SettingsError(
                "GENESYS_CREDENTIALS_SECRET: the secret must be JSON with clientId and clientSecret"
            ) from None
    assert settings.genesys_client_id and settings.genesys_client_secret  # enforced by the settings model
    return ClientCredentials(client_id=settings.genesys_client_id, client_secret=settings.genesys_client_secret)


def _through_parameters(name: str, max_age_seconds: int) -> Any:
    # boto3's credential chain and endpoints, through Powertools Parameters. Imported here: it pulls
    # in boto3 (secretsmanager.py says why).
    from aws_lambda_powertools.utilities import parameters

    return parameters.get_secret(name, transform="json", max_age=max_age_seconds)


def _secret_json(name: str, max_age_seconds: int, aws: AwsSettings) -> Any:
    direct = DirectSecretsManager.from_settings(aws)
    if direct is None:  # no static credentials in the environment (or FIPS endpoints)
        return _through_parameters(name, max_age_seconds)
    cached = _cache.get(name)
    if cached is None or time.monotonic() >= cached[0]:
        try:
            value = direct.secret_string(name)
        except SecretReadError as exc:
            if exc.code in {"ResourceNotFoundException", "AccessDeniedException", "DecryptionFailure"}:
                raise SettingsError(f"GENESYS_CREDENTIALS_SECRET: {exc}") from None
            if exc.status is None:
                # Our own request reached nothing (an endpoint only boto3 is configured for, e.g. a
                # proxy or an in-process AWS mock): boto3 decides; if it cannot either, it raises.
                return _through_parameters(name, max_age_seconds)
            raise
        cached = (time.monotonic() + max_age_seconds, value)
        _cache[name] = cached
    try:
        return json.loads(cached[1])
    except ValueError:
        raise SettingsError(
            "GENESYS_CREDENTIALS_SECRET: the secret must be JSON with clientId and clientSecret"
        ) from None


def _accept_snake_case(raw: Any) -> Any:
    if isinstance(raw, dict):
        return {
            "clientId": raw.get("clientId", raw.get("client_id")),
            "clientSecret": raw.get("clientSecret", raw.get("client_secret")),
        }
    return raw
