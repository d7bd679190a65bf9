"""AWS Signature Version 4 for the JSON protocol's `POST /`: the one signer (checked against botocore's).

Why our own and not awscrt's: docs/benchmarks.md "SigV4 signer" has the figures (import and per-sign
time); tests/unit/test_sigv4.py checks every signature byte for byte against botocore's signer.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import urlsplit


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


def _host(scheme: str, netloc: str) -> str:
    host = netloc.rsplit("@", 1)[-1]
    default_port = {"https": ":443", "http": ":80"}.get(scheme)
    return host[: -len(default_port)] if default_port and host.endswith(default_port) else host
