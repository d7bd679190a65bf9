"""EventBridge envelopes as the Genesys Cloud partner event source delivers them (docs/genesys-api-notes.md s8)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

DEFAULT_ORG_ID = "bb14bed0-f8f9-445d-b9d1-10cecb8569d6"


def eventbridge_event(
    topic: str,
    conversation_id: str,
    body: dict[str, Any],
    *,
    org_id: str = DEFAULT_ORG_ID,
    when: datetime | None = None,
) -> dict[str, Any]:
    """`topic` is the suffix after the conversation id, e.g. 'user.end', 'acw', 'wrapup'."""
    moment = when or datetime.now(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": f"v2.detail.events.conversation.{{id}}.{topic}",
        "source": f"aws.partner/genesys.com/cloud/{org_id}/wrapguard",
        "account": "123456789012",
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "topicName": f"v2.detail.events.conversation.{conversation_id}.{topic}",
            "version": "2",
            "eventBody": body,
            "metadata": {"CorrelationId": str(uuid.uuid4())},
            "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
        },
    }
