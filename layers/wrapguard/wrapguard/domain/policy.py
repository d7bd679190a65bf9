"""Which code the event path applies when nothing was staged, and whether it may replace the agent's own."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class QueuePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    default_code_id: str | None = Field(default=None, alias="defaultCodeId")
    default_code_name: str | None = Field(default=None, alias="defaultCodeName")
    overwrite_agent_code: bool = Field(default=False, alias="overwriteAgentCode")

    @model_validator(mode="after")
    def _one_code_at_most(self) -> QueuePolicy:
        if self.default_code_id and self.default_code_name:
            raise ValueError("give defaultCodeId or defaultCodeName, not both")
        return self


class WrapupPolicy(BaseModel):
    """Which code the event function applies when nothing was staged: per queue, else `default`."""

    model_config = ConfigDict(extra="forbid")

    queues: dict[str, QueuePolicy] = Field(default_factory=dict)
    default: QueuePolicy | None = None

    def for_queue(self, queue_id: str | None) -> QueuePolicy | None:
        if queue_id and queue_id in self.queues:
            return self.queues[queue_id]
        return self.default
