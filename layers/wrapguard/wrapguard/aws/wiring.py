"""Builds the AWS clients of a process from the standard AWS variables (settings.AwsSettings).

Lambda processes pass nothing else: credentials come from `provider_from_environment`. The CLIs pass
`BotoSessionCredentials()` (a workstation profile or SSO) and the session's region.
"""

from __future__ import annotations

import httpx

from ..settings import AwsSettings, SettingsError, load_settings
from .credentials import CredentialProvider, provider_from_environment
from .dynamodb import TARGET_PREFIX as DYNAMODB_TARGET
from .dynamodb import DynamoDB
from .json_api import JsonApi, Timeouts, endpoint_for
from .secretsmanager import TARGET_PREFIX as SECRETS_TARGET
from .secretsmanager import SecretsManager


def _region(aws: AwsSettings, region: str | None) -> str:
    chosen = region or aws.region
    if not chosen:
        raise SettingsError("AWS_REGION: not set (needed to sign AWS requests)")
    return chosen


def _fips(aws: AwsSettings) -> bool:
    return (aws.aws_use_fips_endpoint or "").strip().lower() == "true"


def dynamodb(
    aws: AwsSettings,
    *,
    credentials: CredentialProvider | None = None,
    region: str | None = None,
    timeouts: Timeouts | None = None,
    http: httpx.Client | None = None,
) -> DynamoDB:
    chosen = _region(aws, region)
    endpoint = (
        aws.aws_endpoint_url_dynamodb or aws.aws_endpoint_url or endpoint_for("dynamodb", chosen, fips=_fips(aws))
    )
    api = JsonApi(
        service="dynamodb",
        target_prefix=DYNAMODB_TARGET,
        json_version="1.0",
        endpoint=endpoint,
        region=chosen,
        credentials=credentials or provider_from_environment(aws),
        timeouts=timeouts,
        http=http,
    )
    return DynamoDB(api)


def secrets_manager(
    aws: AwsSettings,
    *,
    credentials: CredentialProvider | None = None,
    region: str | None = None,
    http: httpx.Client | None = None,
) -> SecretsManager:
    chosen = _region(aws, region)
    endpoint = (
        aws.aws_endpoint_url_secrets_manager
        or aws.aws_endpoint_url
        or endpoint_for("secretsmanager", chosen, fips=_fips(aws))
    )
    api = JsonApi(
        service="secretsmanager",
        target_prefix=SECRETS_TARGET,
        json_version="1.1",
        endpoint=endpoint,
        region=chosen,
        credentials=credentials or provider_from_environment(aws),
        # A secret read happens once per cache age; a slower answer than DynamoDB's is normal.
        timeouts=Timeouts(connect=1.0, read=3.0),
        http=http,
    )
    return SecretsManager(api)


def local_db() -> DynamoDB:
    """DynamoDB as the environment describes it (AWS_ENDPOINT_URL for the local server): local tools."""
    return dynamodb(load_settings(AwsSettings))
