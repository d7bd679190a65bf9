"""EventBridge envelopes as the Genesys Cloud partner event source delivers them (docs/genesys-api-notes.md s8)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .world import Conversation, Participant

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


def conversation_event(conv: Conversation, p: Participant, topic: str) -> dict[str, Any]:
    """The event Genesys emits for participant `p` on `topic` (user.end, acw, wrapup), from its current state."""
    cid, pid = conv.id, p.id
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "eventTime": int(now.timestamp() * 1000),
        "conversationId": cid,
        "participantId": pid,
        "sessionId": p.comm_id,
        "mediaType": conv.media_type.upper(),
        "direction": "INBOUND",
        "provider": "Edge",
        "ani": "tel:+13175550100",
        "dnis": "tel:+13175550199",
    }
    if p.queue_id:
        body["queueId"] = p.queue_id
    if topic == "user.end":
        body.update(
            {
                "userId": p.user_id,
                "disconnectType": "CLIENT",
                "divisionId": "7a1a6a92-4d8b-4d2f-9a3c-1f1f1f1f1f1f",
                "interactingDurationMs": 61000,
                "heldDurationMs": 0,
            }
        )
    elif topic in {"acw", "wrapup"}:
        if topic == "acw":
            body["userId"] = p.user_id
        if p.wrapup:
            body["wrapupCode"] = p.wrapup["code"]
            if p.wrapup.get("notes"):
                body["wrapupNotes"] = p.wrapup["notes"]
        if p.acw_start and p.acw_end:
            body["wrapupDurationMs"] = int((p.acw_end - p.acw_start).total_seconds() * 1000)
    return eventbridge_event(topic, cid, body, when=now)
