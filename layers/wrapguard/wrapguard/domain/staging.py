"""A code reserved by a flow before the agent's wrap-up window opens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

ANY_AGENT = "*"


def staging_key(participant_id: str | None, user_id: str | None) -> str:
    """Most specific key available: the participant, else the agent user, else any agent."""
    if participant_id:
        return participant_id
    if user_id:
        return f"user#{user_id}"
    return ANY_AGENT


class StagedCode(BaseModel):
    conversation_id: str
    target: str  # staging_key(...)
    wrapup_code_id: str
    wrapup_code_name: str | None = None
    notes: str | None = None
    staged_at: datetime
    source: str = "data_action"

    def matches(self, participant_id: str, user_id: str | None) -> bool:
        return self.target in {participant_id, ANY_AGENT} or (user_id is not None and self.target == f"user#{user_id}")


def most_specific(candidates: list[StagedCode], participant_id: str, user_id: str | None) -> StagedCode | None:
    ranked = {participant_id: 0, f"user#{user_id}": 1, ANY_AGENT: 2}
    matching = [c for c in candidates if c.matches(participant_id, user_id)]
    return min(matching, key=lambda c: (ranked.get(c.target, 3), -c.staged_at.timestamp()), default=None)
