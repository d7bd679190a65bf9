"""Secrets Manager GetSecretValue over json_api (no boto3 on the cold path: docs/benchmarks.md)."""

from __future__ import annotations

from ..domain.deadline import Deadline
from .json_api import JsonApi

TARGET_PREFIX = "secretsmanager"


class SecretReadError(RuntimeError):
    """Secrets Manager answered, but without a SecretString (a binary secret). Never quotes the answer."""


class SecretsManager:
    def __init__(self, api: JsonApi) -> None:
        self._api = api

    def secret_string(self, secret_id: str, *, deadline: Deadline) -> str:
        """The secret's current SecretString; AWS errors raise json_api.AwsRequestError."""
        answer = self._api.call("GetSecretValue", {"SecretId": secret_id}, deadline=deadline)
        value = answer.get("SecretString")
        if not isinstance(value, str):
            raise SecretReadError("Secrets Manager answered without a SecretString (binary or garbled secret)")
        return value
