"""The SigV4 signer against botocore's, and the direct Secrets Manager call's answers to AWS errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from unittest import mock

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from pydantic import SecretStr

from wrapguard.secretsmanager import CONTENT_TYPE, TARGET, DirectSecretsManager, SecretReadError, sigv4_headers
from wrapguard.settings import AwsSettings

NOW = datetime(2026, 11, 26, 9, 30, 15, tzinfo=UTC)


def botocore_authorization(url: str, body: bytes, token: str | None, region: str) -> dict[str, str]:
    request = AWSRequest(
        method="POST", url=url, data=body, headers={"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET}
    )
    with mock.patch("botocore.auth.get_current_datetime", return_value=NOW.replace(tzinfo=None)):
        SigV4Auth(
            Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token), "secretsmanager", region
        ).add_auth(request)
    return {name.lower(): value for name, value in request.headers.items()}


@pytest.mark.parametrize(
    ("url", "token", "region"),
    [
        ("https://secretsmanager.eu-west-1.amazonaws.com/", "FwoGZXIvYXdzE//session+token==", "eu-west-1"),
        ("https://secretsmanager.us-east-1.amazonaws.com/", None, "us-east-1"),
        ("http://127.0.0.1:5123/", "t", "us-east-1"),
    ],
)
def test_signature_matches_botocore(url: str, token: str | None, region: str) -> None:
    body = json.dumps({"SecretId": "wrapguard/genesys-client"}).encode()
    ours = sigv4_headers(
        method="POST",
        url=url,
        headers={"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET},
        body=body,
        access_key="AKIDEXAMPLE",
        secret_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        session_token=token,
        region=region,
        service="secretsmanager",
        now=NOW,
    )
    theirs = botocore_authorization(url, body, token, region)
    assert ours["authorization"] == theirs["authorization"]
    assert ours["x-amz-date"] == theirs["x-amz-date"] == "20261126T093015Z"
    assert ours.get("x-amz-security-token") == theirs.get("x-amz-security-token")


def direct(handler: httpx.MockTransport) -> tuple[DirectSecretsManager, httpx.Client]:
    manager = DirectSecretsManager(
        access_key="AKID",
        secret_key=SecretStr("sk"),
        session_token=SecretStr("tok"),
        region="us-east-1",
        endpoint="https://secretsmanager.us-east-1.amazonaws.com",
        sleep=lambda _: None,
    )
    return manager, httpx.Client(transport=handler)


def test_reads_the_secret_string_with_the_json_protocol() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"Name": "n", "SecretString": '{"clientId": "a"}'})

    manager, client = direct(httpx.MockTransport(answer))
    assert manager.secret_string("wrapguard/genesys-client", client) == '{"clientId": "a"}'
    (request,) = seen
    assert request.headers["x-amz-target"] == "secretsmanager.GetSecretValue"
    assert request.headers["x-amz-security-token"] == "tok"
    assert json.loads(request.content) == {"SecretId": "wrapguard/genesys-client"}


def test_throttling_is_retried_then_reported_with_aws_error_code() -> None:
    calls = []

    def throttled(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(400, json={"__type": "ThrottlingException", "message": "Rate exceeded"})

    manager, client = direct(httpx.MockTransport(throttled))
    with pytest.raises(SecretReadError, match="ThrottlingException") as raised:
        manager.secret_string("s", client)
    assert len(calls) == manager.max_attempts and raised.value.code == "ThrottlingException"


def test_not_found_is_not_retried_and_binary_secrets_are_refused() -> None:
    calls = []

    def missing(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(400, json={"__type": "com.amazonaws#ResourceNotFoundException", "Message": "x"})

    manager, client = direct(httpx.MockTransport(missing))
    with pytest.raises(SecretReadError) as raised:
        manager.secret_string("s", client)
    assert raised.value.code == "ResourceNotFoundException" and len(calls) == 1
    manager, client = direct(httpx.MockTransport(lambda _: httpx.Response(200, json={"SecretBinary": "AAEC"})))
    with pytest.raises(SecretReadError, match="SecretString"):
        manager.secret_string("s", client)


def test_direct_path_only_with_static_credentials_and_no_fips() -> None:
    base = {"aws_access_key_id": "AKID", "aws_secret_access_key": "sk", "aws_region": "eu-west-1"}
    manager = DirectSecretsManager.from_settings(AwsSettings.model_validate(base))
    assert manager is not None and manager.endpoint == "https://secretsmanager.eu-west-1.amazonaws.com"
    china = DirectSecretsManager.from_settings(AwsSettings.model_validate({**base, "aws_region": "cn-north-1"}))
    assert china is not None and china.endpoint.endswith(".amazonaws.com.cn")
    assert DirectSecretsManager.from_settings(AwsSettings(aws_region="eu-west-1")) is None
    assert (
        DirectSecretsManager.from_settings(AwsSettings.model_validate({**base, "aws_use_fips_endpoint": "true"}))
        is None
    )
    local = AwsSettings.model_validate({**base, "aws_endpoint_url": "http://127.0.0.1:5000"})
    assert DirectSecretsManager.from_settings(local).endpoint == "http://127.0.0.1:5000"  # type: ignore[union-attr]
