"""The one SigV4 signer, byte for byte against botocore's."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from wrapguard.aws.sigv4 import sigv4_headers

NOW = datetime(2026, 11, 26, 9, 30, 15, tzinfo=UTC)
KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def botocore_headers(
    url: str, body: bytes, headers: dict[str, str], token: str | None, region: str, service: str
) -> dict[str, str]:
    request = AWSRequest(method="POST", url=url, data=body, headers=headers)
    with mock.patch("botocore.auth.get_current_datetime", return_value=NOW.replace(tzinfo=None)):
        SigV4Auth(Credentials("AKIDEXAMPLE", KEY, token), service, region).add_auth(request)
    return {name.lower(): value for name, value in request.headers.items()}


@pytest.mark.parametrize(
    ("url", "token", "region", "service", "target", "version"),
    [
        (
            "https://secretsmanager.eu-west-1.amazonaws.com/",
            "FwoGZXIvYXdzE//session+token==",
            "eu-west-1",
            "secretsmanager",
            "secretsmanager.GetSecretValue",
            "1.1",
        ),
        (
            "https://dynamodb.us-east-1.amazonaws.com/",
            None,
            "us-east-1",
            "dynamodb",
            "DynamoDB_20120810.UpdateItem",
            "1.0",
        ),
        ("http://127.0.0.1:5123/", "t", "us-east-1", "dynamodb", "DynamoDB_20120810.Query", "1.0"),
        (
            "https://dynamodb.cn-north-1.amazonaws.com.cn:443/",
            "t",
            "cn-north-1",
            "dynamodb",
            "DynamoDB_20120810.GetItem",
            "1.0",
        ),
    ],
)
def test_signature_matches_botocore(
    url: str, token: str | None, region: str, service: str, target: str, version: str
) -> None:
    body = json.dumps({"TableName": "t", "Key": {"k": {"S": "é  spaced"}}}).encode()
    headers = {"Content-Type": f"application/x-amz-json-{version}", "X-Amz-Target": target}
    ours = sigv4_headers(
        method="POST",
        url=url,
        headers=headers,
        body=body,
        access_key="AKIDEXAMPLE",
        secret_key=KEY,
        session_token=token,
        region=region,
        service=service,
        now=NOW,
    )
    theirs = botocore_headers(url, body, headers, token, region, service)
    assert ours["authorization"] == theirs["authorization"]
    assert ours["x-amz-date"] == theirs["x-amz-date"] == "20261126T093015Z"
    assert ours.get("x-amz-security-token") == theirs.get("x-amz-security-token")


def test_query_strings_are_refused() -> None:
    with pytest.raises(ValueError, match="query"):
        sigv4_headers(
            method="POST",
            url="https://x/?a=1",
            headers={},
            body=b"",
            access_key="a",
            secret_key="b",
            session_token=None,
            region="r",
            service="s",
            now=NOW,
        )
