"""AppConfigData (rest-json), the two calls the functions' policy reader makes (policy_source.py).

Same signer, credentials, timeouts and error codes as json_api.py; no retry here: a token is single-use,
so an attempt whose answer was lost must not be resent with it. The reader starts a new session instead,
and otherwise keeps its policy until the next refresh (docs/runtime-policy.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx

from ..domain.deadline import Deadline
from ..policy_source import ConfigurationReadError, LatestConfiguration, PolicyLocation
from ..settings import AwsSettings
from .credentials import CredentialProvider, CredentialsUnavailable, provider_from_environment
from .json_api import DEADLINE_EXCEEDED, NO_ANSWER, NO_CREDENTIALS, UNREADABLE_ANSWER, Timeouts, endpoint_for
from .sigv4 import sigv4_headers

SIGNING_NAME = "appconfig"  # AppConfigData signs as appconfig


class AppConfigData:
    def __init__(
        self,
        *,
        endpoint: str,
        region: str,
        credentials: CredentialProvider,
        timeouts: Timeouts | None = None,
        http: httpx.Client | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._endpoint = endpoint.rstrip("/")
        self._region = region
        self._credentials = credentials
        self.timeouts = timeouts or Timeouts()
        self.http = http or httpx.Client()
        self._now = now

    @classmethod
    def from_settings(cls, aws: AwsSettings) -> AppConfigData:
        region = aws.region or "us-east-1"
        fips = (aws.aws_use_fips_endpoint or "").strip().lower() == "true"
        endpoint = (
            aws.aws_endpoint_url_appconfigdata
            or aws.aws_endpoint_url
            or endpoint_for("appconfigdata", region, fips=fips)
        )
        return cls(endpoint=endpoint, region=region, credentials=provider_from_environment(aws))

    def start_session(self, location: PolicyLocation, *, min_poll_seconds: int, deadline: Deadline) -> str:
        body = {
            "ApplicationIdentifier": location.application,
            "EnvironmentIdentifier": location.environment,
            "ConfigurationProfileIdentifier": location.profile,
            "RequiredMinimumPollIntervalInSeconds": min_poll_seconds,
        }
        response = self._send("POST", "/configurationsessions", json.dumps(body).encode(), deadline)
        try:
            token = response.json().get("InitialConfigurationToken")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise ConfigurationReadError(UNREADABLE_ANSWER, response.status_code)
        return token

    def latest(self, token: str, *, deadline: Deadline) -> LatestConfiguration:
        path = "/configuration?" + urlencode({"configuration_token": token})
        response = self._send("GET", path, b"", deadline)
        next_token = response.headers.get("Next-Poll-Configuration-Token")
        if not next_token:
            raise ConfigurationReadError(UNREADABLE_ANSWER, response.status_code)
        return LatestConfiguration(response.content, next_token, response.headers.get("Version-Label") or None)

    def _send(self, method: str, path: str, body: bytes, deadline: Deadline) -> httpx.Response:
        if not deadline.allows(self.timeouts.attempt):
            raise ConfigurationReadError(DEADLINE_EXCEEDED)
        try:
            credentials = self._credentials.credentials(deadline=deadline)
        except CredentialsUnavailable:
            raise ConfigurationReadError(NO_CREDENTIALS) from None
        url = self._endpoint + path
        headers = sigv4_headers(
            method=method,
            url=url,
            headers={"Content-Type": "application/json"} if body else {},
            body=body,
            access_key=credentials.access_key_id,
            secret_key=credentials.secret_access_key.get_secret_value(),
            session_token=credentials.session_token.get_secret_value() if credentials.session_token else None,
            region=self._region,
            service=SIGNING_NAME,
            now=self._now(),
        )
        timeout = httpx.Timeout(self.timeouts.read, connect=self.timeouts.connect)
        try:
            response = self.http.request(method, url, content=body or None, headers=headers, timeout=timeout)
        except httpx.TransportError:
            raise ConfigurationReadError(NO_ANSWER) from None
        if not response.is_success:
            code = response.headers.get("x-amzn-ErrorType", "").split(":")[0] or UNREADABLE_ANSWER
            raise ConfigurationReadError(code, response.status_code)  # AWS's message is never quoted
        return response
