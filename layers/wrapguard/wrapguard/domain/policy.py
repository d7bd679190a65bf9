"""The wrap-up policy: per queue, whether wrapguard writes at all (its mode), which code the event path
applies when nothing was staged, whether it may replace the agent's own, and which codes are placeholders.

Modes (README "Rolling out"): `enforce` writes; `observe` decides exactly as `enforce` but sends no PATCH
and keeps what it would have written; `off` does not act (the reconciler still counts compliance).
Precedence: a queue's `mode`, else the policy's top-level `mode`, else the stack's default (template
parameter `DefaultMode`, which a new stack sets to `observe`).

This model is the one definition of the policy document: `policy_json_schema()` is the JSON Schema the
stack's AppConfig validator and `wrapguard-setup policy validate` use, so what the functions accept, what
the CLI accepts and what AppConfig accepts cannot drift (tests/unit/test_policy.py checks the template).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Queue ids are Genesys UUIDs; codes are ids or names (names may hold any printable text).
MAX_QUEUES = 5000  # ~1 MB AppConfig hosted configuration limit / ~200 bytes per queue entry


class Mode(StrEnum):
    ENFORCE = "enforce"
    OBSERVE = "observe"
    OFF = "off"


class QueuePolicy(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        frozen=True,
        # The validator below, as JSON Schema, so AppConfig's validator refuses what the model refuses.
        json_schema_extra={"not": {"required": ["defaultCodeId", "defaultCodeName"]}},
    )

    mode: Mode | None = None
    default_code_id: str | None = Field(default=None, alias="defaultCodeId", min_length=1, max_length=100)
    default_code_name: str | None = Field(default=None, alias="defaultCodeName", min_length=1, max_length=200)
    overwrite_agent_code: bool = Field(default=False, alias="overwriteAgentCode")

    @model_validator(mode="after")
    def _one_code_at_most(self) -> QueuePolicy:
        if self.default_code_id and self.default_code_name:
            raise ValueError("give defaultCodeId or defaultCodeName, not both")
        return self


class WrapupPolicy(BaseModel):
    """The policy document (JSON, camelCase) as the functions read it from the runtime store."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    mode: Mode | None = None
    default: QueuePolicy | None = None
    queues: dict[str, QueuePolicy] = Field(default_factory=dict, max_length=MAX_QUEUES)
    # Codes whose presence counts as missing; None keeps the stack's PLACEHOLDER_WRAPUP_CODES.
    placeholder_codes: frozenset[str] | None = Field(default=None, alias="placeholderCodes")

    def for_queue(self, queue_id: str | None) -> QueuePolicy | None:
        if queue_id and queue_id in self.queues:
            return self.queues[queue_id]
        return self.default

    def mode_for(self, queue_id: str | None, stack_default: Mode) -> Mode:
        """The queue's policy's mode (its own entry, else `default` for queues not listed), else the
        policy's top-level mode, else the stack's (module doc: precedence)."""
        rule = self.for_queue(queue_id)
        if rule is not None and rule.mode is not None:
            return rule.mode
        return self.mode or stack_default

    def without_enforce(self, stack_default: Mode) -> WrapupPolicy:
        """This policy with every `enforce` it would act in turned into `observe` (`off` stays off): what a
        container acts on while it cannot know whether the operator pulled the kill switch."""

        def withheld(mode: Mode | None) -> Mode | None:
            return Mode.OBSERVE if mode is Mode.ENFORCE else mode

        queues = {queue: rule.model_copy(update={"mode": withheld(rule.mode)}) for queue, rule in self.queues.items()}
        default = self.default.model_copy(update={"mode": withheld(self.default.mode)}) if self.default else None
        return self.model_copy(
            update={"mode": withheld(self.mode or stack_default), "queues": queues, "default": default}
        )

    def to_document(self) -> dict[str, Any]:
        """The JSON document (camelCase, unset fields left out) as stored and shown."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)


def policy_json_schema() -> dict[str, Any]:
    """The JSON Schema of the policy document (draft 2020-12), as AppConfig's validator holds it."""
    return WrapupPolicy.model_json_schema(by_alias=True, mode="validation")


def policy_json_schema_text() -> str:
    return json.dumps(policy_json_schema(), sort_keys=True, separators=(",", ":"))
