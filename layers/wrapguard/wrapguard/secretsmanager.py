"""Secrets Manager GetSecretValue over httpx, signed with AWS Signature Version 4: no boto3 on the cold path.

Why not boto3 (through Powertools Parameters): the data action reads its secret on its first call,
which a caller waits on; importing boto3 and building a client costs more than the rest of that
call together on Python 3.13 (docs/benchmarks.md, "Cold first call"). httpx and hashlib are
already loaded. The signature is the documented SigV4 algorithm; tests/unit/test_secretsmanager.py
checks it byte for byte against botocore's own signer, and the integration tests read real
secrets through it from the local AWS server.

`DirectSecretsManager.from_settings` returns None where this path is not known to be right:
no static credentials in the environment (e.g. a container credentials provider), or FIPS
endpoints asked for. The caller then uses Powertools Parameters (boto3) as before.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from .settings import AwsSettings

SERVICE = "secretsmanager"
TARGET = "secretsmanager.GetSecretValue"
CONTENT_TYPE = "application/x-amz-json-1.1"
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRYABLE_ERRORS = frozenset({"ThrottlingException", "InternalServiceError", "RequestTimeout"})


class SecretReadError(RuntimeError):
    """Secrets Manager refused or failed the read. Carries AWS's error code, never the secret."""

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def sigv4_headers(
    *,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    access_key: str,
    secret_key: str,
    session_token: str | None,
    region: str,
    service: str,
    now: datetime,
) -> dict[str, str]:
    """`headers` plus host, x-amz-date, the session token and the Authorization header (SigV4).

    Signs every header given (lower-cased, trimmed). The path must already be URI-encoded and
    there must be no query string: enough for the JSON protocol's `POST /`.
    """
    parts = urlsplit(url)
    if parts.query:
        raise ValueError("query strings are not supported")
    amz_date = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    signed = {name.lower(): " ".join(value.split()) for name, value in headers.items()}
    signed["host"] = _host(parts.scheme, parts.netloc)
    signed["x-amz-date"] = amz_date
    if session_token:
        signed["x-amz-security-token"] = session_token
    names = sorted(signed)
    canonical_request = "\n".join(
        [
            method.upper(),
            parts.path or "/",
            "",
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = f"AWS4{secret_key}".encode()
    for part in (amz_date[:8], region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    signed["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return signed


@dataclass(frozen=True)
class StaticCredentials:
    """The function role's credentials as Lambda puts them in the environment, for signing JSON requests."""

    access_key: str
    secret_key: SecretStr
    session_token: SecretStr | None
    region: str

    @classmethod
    def from_settings(cls, aws: AwsSettings) -> StaticCredentials | None:
        """None where signing ourselves is not known to be right: no static credentials, or FIPS."""
        fips = (aws.aws_use_fips_endpoint or "").strip().lower() == "true"
        if not (aws.aws_access_key_id and aws.aws_secret_access_key and aws.region) or fips:
            return None
        return cls(aws.aws_access_key_id, aws.aws_secret_access_key, aws.aws_session_token, aws.region)

    def json_headers(self, *, url: str, service: str, target: str, content_type: str, body: bytes) -> dict[str, str]:
        """Signed headers for a JSON-protocol `POST /` (X-Amz-Target) to `service`."""
        return sigv4_headers(
            method="POST",
            url=url,
            headers={"Content-Type": content_type, "X-Amz-Target": target},
            body=body,
            access_key=self.access_key,
            secret_key=self.secret_key.get_secret_value(),
            session_token=self.session_token.get_secret_value() if self.session_token else None,
            region=self.region,
            service=service,
            now=datetime.now(UTC),
        )


def _host(scheme: str, netloc: str) -> str:
    host = netloc.rsplit("@", 1)[-1]
    default_port = {"https": ":443", "http": ":80"}.get(scheme)
    return host[: -len(default_port)] if default_port and host.endswith(default_port) else host


def endpoint_for(region: str) -> str:
    # Public endpoints: secretsmanager.{region}.amazonaws.com, .amazonaws.com.cn in the China regions.
    # Other partitions (ISO) are reached through AWS_ENDPOINT_URL_SECRETS_MANAGER.
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{SERVICE}.{region}.{suffix}"


@dataclass(frozen=True)
class DirectSecretsManager:
    access_key: str
    secret_key: SecretStr
    session_token: SecretStr | None
    region: str
    endpoint: str
    timeout_seconds: float = 5.0
    max_attempts: int = 3
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def from_settings(cls, aws: AwsSettings) -> DirectSecretsManager | None:
        credentials = StaticCredentials.from_settings(aws)
        if credentials is None:
            return None
        return cls(
            access_key=credentials.access_key,
            secret_key=credentials.secret_key,
            session_token=credentials.session_token,
            region=credentials.region,
            endpoint=(aws.aws_endpoint_url_secrets_manager or aws.aws_endpoint_url or endpoint_for(credentials.region)),
        )

    def secret_string(self, secret_id: str, http: httpx.Client | None = None) -> str:
        """The secret's current SecretString. Raises SecretReadError (with AWS's error code)."""
        body = json.dumps({"SecretId": secret_id}).encode()
        own_client = http is None
        client = http or httpx.Client(timeout=self.timeout_seconds)
        try:
            for attempt in range(1, self.max_attempts + 1):
                try:
                    response = client.post(self.endpoint.rstrip("/") + "/", content=body, headers=self._signed(body))
                except httpx.TransportError as exc:
                    if attempt == self.max_attempts:
                        raise SecretReadError(f"Secrets Manager unreachable ({type(exc).__name__})") from None
                else:
                    if response.status_code == 200:
                        return _secret_string(response)
                    error = _error_code(response)
                    if response.status_code not in RETRYABLE_STATUSES and error not in RETRYABLE_ERRORS:
                        raise SecretReadError(
                            f"Secrets Manager refused GetSecretValue: {error or 'error'} (HTTP {response.status_code})",
                            code=error,
                            status=response.status_code,
                        )
                    if attempt == self.max_attempts:
                        raise SecretReadError(
                            f"Secrets Manager failed GetSecretValue: {error or 'error'} (HTTP {response.status_code})",
                            code=error,
                            status=response.status_code,
                        )
                self.sleep(0.1 * 2 ** (attempt - 1))
            raise AssertionError("unreachable")  # pragma: no cover
        finally:
            if own_client:
                client.close()

    def _signed(self, body: bytes) -> dict[str, str]:
        credentials = StaticCredentials(self.access_key, self.secret_key, self.session_token, self.region)
        url = self.endpoint.rstrip("/") + "/"
        return credentials.json_headers(url=url, service=SERVICE, target=TARGET, content_type=CONTENT_TYPE, body=body)


def _error_code(response: httpx.Response) -> str | None:
    # JSON protocol errors: {"__type": "[prefix#]ResourceNotFoundException", "Message": "..."}; the
    # message is not repeated (it may quote the request).
    try:
        kind = response.json().get("__type")
    except (ValueError, AttributeError):
        kind = None
    return str(kind).rsplit("#", 1)[-1] if kind else response.headers.get("x-amzn-ErrorType", "").split(":")[0] or None


def _secret_string(response: httpx.Response) -> str:
    try:
        value = response.json().get("SecretString")
    except (ValueError, AttributeError):
        value = None
    if not isinstance(value, str):
        raise SecretReadError("Secrets Manager answered without a SecretString (binary or garbled secret)")
    return value
