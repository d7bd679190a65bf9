"""What the event path acts on, as domain values: eventbridge/ parses Genesys events into these."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AgentEvent:
    """Fields shared by the conversation events of one agent participant."""

    conversation_id: str
    participant_id: str
    user_id: str | None = None
    queue_id: str | None = None
    media_type: str | None = None
    direction: str | None = None


@dataclass(frozen=True)
class AgentEnded(AgentEvent):
    """The agent's session ended (`user.end`): the wrap-up window opens."""

    disconnect_type: str | None = None

    @property
    def transferred(self) -> bool:
        # TRANSFER, CONSULT_TRANSFER, FORWARD_TRANSFER, ... (docs/genesys-api-notes.md s8)
        return "TRANSFER" in (self.disconnect_type or "").upper()


@dataclass(frozen=True)
class WrapupReported(AgentEvent):
    """A wrap-up code was set (`wrapup`), or after-call work ended (`acw`, `acw_ended`)."""

    wrapup_code: str | None = None
    acw_ended: bool = False
