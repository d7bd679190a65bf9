"""Pydantic models of the Genesys Cloud resources wrapguard reads and writes.

Field names follow the vendor's published models (platform-client-sdk-python): Conversation,
Participant, Call/Callback/Email/Message, AfterCallWork, Wrapup, WrapupInput, WrapupCode, ErrorBody.
Unknown fields are ignored so that new API fields never break parsing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class GenesysModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class ErrorBody(GenesysModel):
    """The ErrorBody Genesys returns with non-2xx answers (kept verbatim for reviewers)."""

    message: str | None = None
    code: str | None = None
    status: int | None = None
    context_id: str | None = Field(default=None, alias="contextId")
    message_with_params: str | None = Field(default=None, alias="messageWithParams")
    details: list[dict[str, Any]] = Field(default_factory=list)


class Wrapup(GenesysModel):
    code: str | None = None
    name: str | None = None
    notes: str | None = None
    tags: list[str] = Field(default_factory=list)
    duration_seconds: int | None = Field(default=None, alias="durationSeconds")
    end_time: datetime | None = Field(default=None, alias="endTime")
    provisional: bool | None = None


class WrapupInput(GenesysModel):
    """Body of `wrapup` in MediaParticipantRequest. `code` is the wrap-up code *id*."""

    code: str
    name: str | None = None
    notes: str | None = None

    def request_body(self) -> dict[str, Any]:
        return {"wrapup": self.model_dump(by_alias=True, exclude_none=True)}


class AfterCallWork(GenesysModel):
    start_time: datetime | None = Field(default=None, alias="startTime")
    end_time: datetime | None = Field(default=None, alias="endTime")
    # unknown | notApplicable | skipped | pending | complete
    state: str | None = None


class Communication(GenesysModel):
    """One media communication of a participant (Call, Callback, Email, Message, ...)."""

    id: str
    state: str | None = None
    disconnect_type: str | None = Field(default=None, alias="disconnectType")
    disconnected_time: datetime | None = Field(default=None, alias="disconnectedTime")
    wrapup: Wrapup | None = None
    after_call_work: AfterCallWork | None = Field(default=None, alias="afterCallWork")
    after_call_work_required: bool | None = Field(default=None, alias="afterCallWorkRequired")
    direction: str | None = None  # inbound | outbound (Call, Callback, Email, Message)


# Participant media arrays -> the media type names analytics uses (docs/genesys-api-notes.md s7).
MEDIA_TYPES = {
    "calls": "voice",
    "callbacks": "callback",
    "chats": "chat",
    "cobrowsesessions": "cobrowse",
    "emails": "email",
    "messages": "message",
    "screenshares": "screenshare",
    "social_expressions": "socialexpression",
    "videos": "video",
}

MEDIA_FIELDS = (
    "calls",
    "callbacks",
    "chats",
    "cobrowsesessions",
    "emails",
    "messages",
    "screenshares",
    "socialExpressions",
    "videos",
)


class Participant(GenesysModel):
    id: str
    start_time: datetime | None = Field(default=None, alias="startTime")
    end_time: datetime | None = Field(default=None, alias="endTime")
    connected_time: datetime | None = Field(default=None, alias="connectedTime")
    name: str | None = None
    user_id: str | None = Field(default=None, alias="userId")
    queue_id: str | None = Field(default=None, alias="queueId")
    purpose: str | None = None
    start_acw_time: datetime | None = Field(default=None, alias="startAcwTime")
    end_acw_time: datetime | None = Field(default=None, alias="endAcwTime")
    wrapup_required: bool | None = Field(default=None, alias="wrapupRequired")
    wrapup_prompt: str | None = Field(default=None, alias="wrapupPrompt")
    wrapup_skipped: bool | None = Field(default=None, alias="wrapupSkipped")
    wrapup: Wrapup | None = None
    calls: list[Communication] = Field(default_factory=list)
    callbacks: list[Communication] = Field(default_factory=list)
    chats: list[Communication] = Field(default_factory=list)
    cobrowsesessions: list[Communication] = Field(default_factory=list)
    emails: list[Communication] = Field(default_factory=list)
    messages: list[Communication] = Field(default_factory=list)
    screenshares: list[Communication] = Field(default_factory=list)
    social_expressions: list[Communication] = Field(default_factory=list, alias="socialExpressions")
    videos: list[Communication] = Field(default_factory=list)

    @property
    def communications(self) -> list[Communication]:
        return [
            *self.calls,
            *self.callbacks,
            *self.chats,
            *self.cobrowsesessions,
            *self.emails,
            *self.messages,
            *self.screenshares,
            *self.social_expressions,
            *self.videos,
        ]

    @property
    def media_type(self) -> str | None:
        """The participant's media in analytics' lower-case names (voice, chat, email...)."""
        return next((media for attr, media in MEDIA_TYPES.items() if getattr(self, attr)), None)

    @property
    def direction(self) -> str | None:
        return next((c.direction.lower() for c in self.communications if c.direction), None)

    @property
    def is_agent(self) -> bool:
        # ACD-routed agents have purpose "agent"; agent-initiated interactions show the agent as "user"
        # (a purpose other people's user participants share, so that one must carry a userId).
        return self.purpose == "agent" or (self.purpose == "user" and self.user_id is not None)

    @property
    def wrapup_code_id(self) -> str | None:
        """The code currently set on the participant, from the participant or its latest communication."""
        if self.wrapup and self.wrapup.code:
            return self.wrapup.code
        for comm in reversed(self.communications):
            if comm.wrapup and comm.wrapup.code:
                return comm.wrapup.code
        return None


class Conversation(GenesysModel):
    id: str
    start_time: datetime | None = Field(default=None, alias="startTime")
    end_time: datetime | None = Field(default=None, alias="endTime")
    participants: list[Participant] = Field(default_factory=list)

    def participant(self, participant_id: str) -> Participant | None:
        return next((p for p in self.participants if p.id == participant_id), None)


class WrapupCode(GenesysModel):
    id: str
    name: str


class WrapupCodePage(GenesysModel):
    entities: list[WrapupCode] = Field(default_factory=list)
    page_size: int | None = Field(default=None, alias="pageSize")
    page_number: int | None = Field(default=None, alias="pageNumber")
    page_count: int | None = Field(default=None, alias="pageCount")
    total: int | None = None


class TokenResponse(GenesysModel):
    access_token: str = Field(min_length=1)
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int = 86400
