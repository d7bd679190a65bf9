"""Credentials from Secrets Manager through Powertools Parameters (local server), and start-up errors."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters

from wrapguard.genesys.credentials import load_credentials
from wrapguard.settings import ApplySettings, SettingsError, load_settings
from wrapguard_local.handlers import load_handler

pytestmark = pytest.mark.integration
BASE = {"FAILURES_TABLE_NAME": "failures", "STAGED_CODES_TABLE_NAME": "staged", "LEASE_TABLE_NAME": "leases"}


def test_secret_is_read_through_parameters_and_cached(local_aws: str) -> None:
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
    parameters.clear_caches()  # type: ignore[no-untyped-call]  # what a new container sees
    assert load_credentials(settings).client_secret.get_secret_value() == "rotated"


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
