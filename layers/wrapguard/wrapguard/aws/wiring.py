"""Builds the AWS clients of a process from the standard AWS variables (settings.AwsSettings).

Lambda processes pass nothing else: credentials come from `provider_from_environment`, built once per
process and shared by every client (one container-credentials cache and fetch, not one per client).
The CLIs pass `BotoSessionCredentials()` (a workstation profile or SSO) and the session's region.
"""

from __future__ import annotations

import threading

import httpx

from ..settings import AwsSettings, SettingsError, load_settings
from .credentials import CredentialProvider, provider_from_environment
from .dynamodb import TARGET_PREFIX as DYNAMODB_TARGET
from .dynamodb import DynamoDB
from .firehose import TARGET_PREFIX as FIREHOSE_TARGET
from .firehose import Firehose
from .json_api import JsonApi, Timeouts, endpoint_for
from .secretsmanager import TARGET_PREFIX as SECRETS_TARGET
from .secretsmanager import SecretsManager


def _region(aws: AwsSettings, region: str | None) -> str:
    chosen = region or aws.region
    if not chosen:
        raise SettingsError("AWS_REGION: not set (needed to sign AWS requests)")
    return chosen


_provider_lock = threading.Lock()
_providers: dict[tuple[object, ...], CredentialProvider] = {}  # at most one: the current environment's


def process_credentials(aws: AwsSettings) -> CredentialProvider:
    """This process's provider from the environment: built once, rebuilt only if the variables changed."""
    # SecretStr compares by value and never shows it.
    key: tuple[object, ...] = (
        aws.aws_access_key_id,
        aws.aws_secret_access_key,
        aws.aws_session_token,
        aws.aws_container_authorization_token,
        aws.aws_container_credentials_full_uri,
        aws.aws_container_credentials_relative_uri,
        aws.aws_container_authorization_token_file,
    )
    with _provider_lock:
        if key not in _providers:
            _providers.clear()
            _providers[key] = provider_from_environment(aws)
        return _providers[key]


def _fips(aws: AwsSettings) -> bool:
    return (aws.aws_use_fips_endpoint or "").strip().lower() == "true"


def _json_api(
    aws: AwsSettings,
    *,
    service: str,
    target_prefix: str,
    json_version: str,
    endpoint_override: str | None,
    credentials: CredentialProvider | None,
    region: str | None,
    timeouts: Timeouts | None,
    http: httpx.Client | None,
) -> JsonApi:
    """One service's client over the one transport: its endpoint (override, AWS_ENDPOINT_URL, or the
    region's), and the process's credentials unless others are given."""
    chosen = _region(aws, region)
    return JsonApi(
        service=service,
        target_prefix=target_prefix,
        json_version=json_version,
        endpoint=endpoint_override or aws.aws_endpoint_url or endpoint_for(service, chosen, fips=_fips(aws)),
        region=chosen,
        credentials=credentials or process_credentials(aws),
        timeouts=timeouts,
        http=http,
    )


def dynamodb(
    aws: AwsSettings,
    *,
    credentials: CredentialProvider | None = None,
    region: str | None = None,
    timeouts: Timeouts | None = None,
    http: httpx.Client | None = None,
) -> DynamoDB:
    return DynamoDB(
        _json_api(
            aws,
            service="dynamodb",
            target_prefix=DYNAMODB_TARGET,
            json_version="1.0",
            endpoint_override=aws.aws_endpoint_url_dynamodb,
            credentials=credentials,
            region=region,
            timeouts=timeouts,
            http=http,
        )
    )


def secrets_manager(
    aws: AwsSettings,
    *,
    credentials: CredentialProvider | None = None,
    region: str | None = None,
    http: httpx.Client | None = None,
) -> SecretsManager:
    return SecretsManager(
        _json_api(
            aws,
            service="secretsmanager",
            target_prefix=SECRETS_TARGET,
            json_version="1.1",
            endpoint_override=aws.aws_endpoint_url_secrets_manager,
            credentials=credentials,
            region=region,
            # A secret read happens once per cache age; a slower answer than DynamoDB's is normal.
            timeouts=Timeouts(connect=1.0, read=3.0),
            http=http,
        )
    )


def firehose(
    aws: AwsSettings,
    *,
    credentials: CredentialProvider | None = None,
    region: str | None = None,
    http: httpx.Client | None = None,
) -> Firehose:
    return Firehose(
        _json_api(
            aws,
            service="firehose",
            target_prefix=FIREHOSE_TARGET,
            json_version="1.1",
            endpoint_override=aws.aws_endpoint_url_firehose,
            credentials=credentials,
            region=region,
            # A batch of up to 500 records is a larger request than a DynamoDB item.
            timeouts=Timeouts(connect=1.0, read=3.0),
            http=http,
        )
    )


def local_db() -> DynamoDB:
    """DynamoDB as the environment describes it (AWS_ENDPOINT_URL for the local server): local tools."""
    return dynamodb(load_settings(AwsSettings))
