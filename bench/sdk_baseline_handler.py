"""Baseline: the data action's job done with the official Genesys SDK, as its users would write it.

Secret from Secrets Manager (boto3, as the runtime provides it), client-credentials token, read
the conversation, PATCH the participant's wrap-up: the same requests wrapguard's first call makes.
"""

import json
import os
from typing import Any

import boto3
import PureCloudPlatformClientV2  # type: ignore[import-not-found]
from aws_lambda_powertools import Logger

logger = Logger()
secrets = boto3.client("secretsmanager")
_api: Any = None


def conversations() -> Any:
    global _api  # noqa: PLW0603 - per-container client, as the SDK's examples keep it
    if _api is None:
        secret = secrets.get_secret_value(SecretId=os.environ["GENESYS_CREDENTIALS_SECRET"])
        credentials = json.loads(secret["SecretString"])
        client = PureCloudPlatformClientV2.api_client.ApiClient(host=os.environ["GENESYS_API_URL"])
        client.get_client_credentials_token(credentials["clientId"], credentials["clientSecret"])
        _api = PureCloudPlatformClientV2.ConversationsApi(client)
    return _api


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    api = conversations()
    conversation = api.get_conversation(event["conversationId"])
    participant = next(p for p in conversation.participants if p.id == event["participantId"])
    body = PureCloudPlatformClientV2.MediaParticipantRequest()
    body.wrapup = PureCloudPlatformClientV2.WrapupInput()
    body.wrapup.code = event["wrapupCodeId"]
    api.patch_conversation_participant(event["conversationId"], participant.id, body)
    return {"outcome": "applied"}
