"""Baseline for the cold-start benchmark: a handler that does the same job with the official SDK."""

from typing import Any

import PureCloudPlatformClientV2  # type: ignore[import-not-found]
from aws_lambda_powertools import Logger

logger = Logger()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    api = PureCloudPlatformClientV2.ConversationsApi()
    body = PureCloudPlatformClientV2.MediaParticipantRequest()
    body.wrapup = PureCloudPlatformClientV2.WrapupInput()
    body.wrapup.code = event["wrapupCodeId"]
    api.patch_conversation_participant(event["conversationId"], event["participantId"], body)
    return {"outcome": "applied"}
