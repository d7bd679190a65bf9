"""Our SigV4 signer (wrapguard/aws/sigv4.py) against the AWS-maintained awscrt signer: import time and
per-sign time (medians of several runs), and that both sign a DynamoDB request identically.

Run: .venv/bin/python bench/sigv4_awscrt.py   (needs `pip install awscrt`; not a project dependency)
Figures and the decision: docs/benchmarks.md, "SigV4 signer".
"""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime

RUNS = 7  # fresh interpreters for import time
SIGNS = 2000  # signatures per timing run
REPEATS = 5  # timing runs (median)
NOW = datetime(2026, 12, 4, 12, 0, 0, tzinfo=UTC)
URL, HOST, REGION = "https://dynamodb.eu-west-1.amazonaws.com/", "dynamodb.eu-west-1.amazonaws.com", "eu-west-1"
KEY, SECRET, TOKEN = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token"
BODY = json.dumps({"TableName": "wrapguard-LeaseTable", "Key": {"leaseKey": {"S": "c#p"}}}).encode()
HEADERS = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.UpdateItem"}


# What the data action has loaded anyway before it signs (its package and httpx): the signers' import
# figures are what each adds on top, in a fresh interpreter (what a cold start pays).
PRELOADED = "import wrapguard, wrapguard.domain.deadline, httpx, pydantic"


def import_seconds(statement: str) -> float:
    """Median wall time of `statement` after PRELOADED, each run in a fresh interpreter."""
    code = f"{PRELOADED}; import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(RUNS)
    ]
    return statistics.median(runs)


def ours() -> str:
    from wrapguard.aws.sigv4 import sigv4_headers

    return sigv4_headers(
        method="POST",
        url=URL,
        headers=HEADERS,
        body=BODY,
        access_key=KEY,
        secret_key=SECRET,
        session_token=TOKEN,
        region=REGION,
        service="dynamodb",
        now=NOW,
    )["authorization"]


def crt() -> str:
    # awscrt ships no type information, and is not installed by `make` (a measurement-only dependency).
    from awscrt.auth import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
        AwsCredentialsProvider,
        AwsSignatureType,
        AwsSigningAlgorithm,
        AwsSigningConfig,
        aws_sign_request,
    )
    from awscrt.http import HttpHeaders, HttpRequest  # type: ignore[import-untyped,import-not-found,unused-ignore]

    config = AwsSigningConfig(
        algorithm=AwsSigningAlgorithm.V4,
        signature_type=AwsSignatureType.HTTP_REQUEST_HEADERS,
        credentials_provider=AwsCredentialsProvider.new_static(KEY, SECRET, TOKEN),
        region=REGION,
        service="dynamodb",
        date=NOW,
    )
    headers = HttpHeaders([("host", HOST), *((k, v) for k, v in HEADERS.items())])
    request = HttpRequest("POST", "/", headers, io.BytesIO(BODY))
    signed = aws_sign_request(request, config).result()
    return str(signed.headers.get("authorization"))


def per_sign_microseconds(sign: object) -> float:
    assert callable(sign)
    sign()  # warm: imports and first-call set-up are the import figure's
    runs = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        for _ in range(SIGNS):
            sign()
        runs.append((time.perf_counter() - started) / SIGNS * 1e6)
    return statistics.median(runs)


def main() -> None:
    print(f"python {sys.version.split()[0]}")
    print(f"import on top of the data action's own modules (median of {RUNS} fresh interpreters):")
    print(f"  wrapguard.aws.sigv4   {import_seconds('import wrapguard.aws.sigv4') * 1000:7.1f} ms")
    print(f"  awscrt.auth + .http   {import_seconds('import awscrt.auth, awscrt.http') * 1000:7.1f} ms")
    print(f"per signature (median of {REPEATS} x {SIGNS}):")
    print(f"  ours                  {per_sign_microseconds(ours):7.1f} us")
    print(f"  awscrt                {per_sign_microseconds(crt):7.1f} us")
    print(f"same Authorization header: {ours() == crt()}")


if __name__ == "__main__":
    main()
