"""Credentials from Secrets Manager (local server): signed httpx call, Powertools Parameters fallback, errors."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters

from wrapguard.genesys import credentials as credentials_module
from wrapguard.genesys.credentials import load_credentials
from wrapguard.settings import ApplySettings, AwsSettings, SettingsError, load_settings
from wrapguard_local.handlers import load_handler

pytestmark = pytest.mark.integration
BASE = {"FAILURES_TABLE_NAME": "failures", "STAGED_CODES_TABLE_NAME": "staged", "LEASE_TABLE_NAME": "leases"}


def test_secret_is_read_with_a_signed_request_and_cached(local_aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_boto3(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the direct call, not boto3, reads the secret when the environment has credentials")

    monkeypatch.setattr(parameters, "get_secret", no_boto3)
    name = f"wrapguard/{uuid.uuid4().hex[:8]}"
    client = boto3.client("secretsmanager")
    client.create_secret(Name=name, SecretString=json.dumps({"clientId": "cid", "clientSecret": "top-secret-1"}))
    settings = load_settings(ApplySettings, {**BASE, "GENESYS_CREDENTIALS_SECRET": name})
    credentials = load_credentials(settings)
    assert credentials.client_id == "cid"
    assert credentials.client_secret.get_secret_value() == "top-secret-1"
    assert "top-secret-1" not in repr(credentials)
    client.put_secret_value(SecretId=name, SecretString=json.dumps({"clientId": "cid", "clientSecret": "rotated"}))
    assert load_credentials(settings).client_secret.get_secret_value() == "top-secret-1"  # cached (max_age)
    credentials_module.clear_cache()  # what a new container sees
    assert load_credentials(settings).client_secret.get_secret_value() == "rotated"


def test_without_environment_credentials_parameters_reads_the_secret(
    local_aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"wrapguard/{uuid.uuid4().hex[:8]}"
    boto3.client("secretsmanager").create_secret(
        Name=name, SecretString=json.dumps({"client_id": "cid", "client_secret": "via-boto3"})
    )
    settings = load_settings(ApplySettings, {**BASE, "GENESYS_CREDENTIALS_SECRET": name})
    # e.g. a container credentials provider: not something the direct call handles, so boto3 does.
    no_static_keys = AwsSettings(aws_region="us-east-1", aws_endpoint_url=local_aws)
    credentials = load_credentials(settings, aws=no_static_keys)
    assert credentials.client_secret.get_secret_value() == "via-boto3"
    parameters.clear_caches()  # type: ignore[no-untyped-call]


def test_missing_secret_names_the_variable(local_aws: str) -> None:
    settings = load_settings(ApplySettings, {**BASE, "GENESYS_CREDENTIALS_SECRET": "wrapguard/does-not-exist"})
    with pytest.raises(SettingsError, match=r"GENESYS_CREDENTIALS_SECRET: .*ResourceNotFoundException"):
        load_credentials(settings, max_age_seconds=0)


def test_malformed_secret_names_the_variable_not_the_value(local_aws: str) -> None:
    name = f"wrapguard/{uuid.uuid4().hex[:8]}"
    boto3.client("secretsmanager").create_secret(Name=name, SecretString=json.dumps({"id": "leaky-value"}))
    settings = load_settings(ApplySettings, {**BASE, "GENESYS_CREDENTIALS_SECRET": name})
    with pytest.raises(SettingsError, match="GENESYS_CREDENTIALS_SECRET") as raised:
        load_credentials(settings, max_age_seconds=0)
    assert "leaky-value" not in str(raised.value)


def test_handler_fails_at_start_up_naming_the_missing_setting(
    function_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STAGED_CODES_TABLE_NAME")
    with pytest.raises(SettingsError, match="STAGED_CODES_TABLE_NAME"):
        load_handler("apply_wrapup")
