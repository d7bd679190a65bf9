"""Where the OAuth client credentials come from: Secrets Manager in AWS, environment variables locally."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from ..settings import GenesysSettings, SettingsError


class ClientCredentials(BaseModel):
    # The secret is a SecretStr so that repr(), logs and error messages show '**********'.
    model_config = ConfigDict(populate_by_name=True, frozen=True)

    client_id: str = Field(alias="clientId", min_length=1)
    client_secret: SecretStr = Field(alias="clientSecret", min_length=1)


def load_credentials(settings: GenesysSettings, *, max_age_seconds: int = 300) -> ClientCredentials:
    if settings.genesys_credentials_secret:
        # Imported here: Parameters pulls in boto3, which local runs with env credentials never need.
        from aws_lambda_powertools.utilities import parameters

        raw: Any = parameters.get_secret(settings.genesys_credentials_secret, transform="json", max_age=max_age_seconds)
        try:
            return ClientCredentials.model_validate(_accept_snake_case(raw))
        except ValidationError:
            # Deliberately not echoing pydantic's message: it would include the secret's input values.
            raise SettingsError(
                "GENESYS_CREDENTIALS_SECRET: the secret must be JSON with clientId and clientSecret"
            ) from None
    assert settings.genesys_client_id and settings.genesys_client_secret  # enforced by the settings model
    return ClientCredentials(client_id=settings.genesys_client_id, client_secret=settings.genesys_client_secret)


def _accept_snake_case(raw: Any) -> Any:
    if isinstance(raw, dict):
        return {
            "clientId": raw.get("clientId", raw.get("client_id")),
            "clientSecret": raw.get("clientSecret", raw.get("client_secret")),
        }
    return raw
