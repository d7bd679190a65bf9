"""Envelope and eventBody models (docs/genesys-api-notes.md s8), parsed with Powertools Parser.

`detail-type` carries the topic *pattern* (`v2.detail.events.conversation.{id}.acw`) and
`detail.topicName` the concrete topic with the conversation id. `mediaType` is UPPER case here.
Whether Genesys omits empty fields is UNCONFIRMED, so every optional field may be absent.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..domain.events import AgentEnded, WrapupReported
from ..identifiers import UuidText

TOPIC = re.compile(r"v2\.detail\.events\.conversation\.(?P<cid>[0-9a-fA-F-]{36})\.(?P<kind>[a-z.]+)")


class Topic(StrEnum):
    USER_END = "user.end"  # the agent's (user's) session ended: the wrap-up window opens
    ACW = "acw"  # after-call work ended: verify that a code is present
    WRAPUP = "wrapup"  # a wrap-up code was set


class GenesysDetail(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    topic_name: str = Field(alias="topicName")
    version: str | None = None
    event_body: dict[str, Any] = Field(alias="eventBody")
    metadata: dict[str, Any] = Field(default_factory=dict)
    timestamp: str | None = None


class GenesysEventBridgeEvent(EventBridgeModel):
    detail: GenesysDetail

    def topic(self) -> tuple[str, str] | None:
        """(conversationId, kind) from the concrete topic name, or None for a topic we do not know."""
        match = TOPIC.fullmatch(self.detail.topic_name)
        return (match["cid"], match["kind"]) if match else None


class ConversationDetailEvent(BaseModel):
    """Fields shared by the conversation detail event bodies wrapguard uses."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    event_time: int | None = Field(default=None, alias="eventTime")  # epoch milliseconds; not acted on
    conversation_id: UuidText = Field(alias="conversationId")
    participant_id: UuidText = Field(alias="participantId")
    session_id: str | None = Field(default=None, alias="sessionId")
    media_type: str | None = Field(default=None, alias="mediaType")
    direction: str | None = None
    queue_id: str | None = Field(default=None, alias="queueId")
    user_id: str | None = Field(default=None, alias="userId")

    @field_validator("queue_id", "user_id", "session_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    def _agent_fields(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "participant_id": self.participant_id,
            "user_id": self.user_id,
            "queue_id": self.queue_id,
            "media_type": self.media_type,
            "direction": self.direction,
        }


class UserEndEvent(ConversationDetailEvent):
    disconnect_type: str | None = Field(default=None, alias="disconnectType")

    def to_domain(self) -> AgentEnded:
        return AgentEnded(**self._agent_fields(), disconnect_type=self.disconnect_type)


class AcwEvent(ConversationDetailEvent):
    wrapup_code: str | None = Field(default=None, alias="wrapupCode")
    wrapup_notes: str | None = Field(default=None, alias="wrapupNotes")
    wrapup_duration_ms: int | None = Field(default=None, alias="wrapupDurationMs")

    @field_validator("wrapup_code", mode="before")
    @classmethod
    def _blank_code_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    def to_domain(self, *, acw_ended: bool) -> WrapupReported:
        return WrapupReported(**self._agent_fields(), wrapup_code=self.wrapup_code, acw_ended=acw_ended)


class WrapupEvent(AcwEvent):
    """Same fields as the acw body, without userId."""


BODY_MODELS: dict[Topic, type[ConversationDetailEvent]] = {
    Topic.USER_END: UserEndEvent,
    Topic.ACW: AcwEvent,
    Topic.WRAPUP: WrapupEvent,
}
