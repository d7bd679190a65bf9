"""The data action contract: what Architect sends to ApplyWrapupFunction and what it maps back.

Outside the domain: the handler parses the contract into the domain's `ApplyRequest`
(`to_request`) and maps the domain's answer back (`ApplyWrapupOutput.answer`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .domain.model import ApplyRequest, ApplyResult, NotAnAgent, Outcome
from .identifiers import canonical_uuid

__all__ = ["ApplyWrapupInput", "ApplyWrapupOutput", "InvalidInputError", "Outcome"]


class InvalidInputError(ValueError):
    """Malformed data action input. Raised to Lambda so the Architect action takes its Failure path."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.fields = [field for field, _ in problems]
        super().__init__("Invalid input: " + "; ".join(f"{field}: {problem}" for field, problem in problems))

    @classmethod
    def from_validation_error(cls, exc: ValidationError) -> InvalidInputError:
        problems = []
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"]) or str(error.get("ctx", {}).get("field", "input"))
            message = error["msg"].removeprefix("Value error, ")
            if not error["loc"] and ":" in message:  # model-level checks put the field first
                field, message = (part.strip() for part in message.split(":", 1))
            problems.append((field, message))
        return cls(problems)


def _uuid_or_none(value: Any) -> Any:
    # Architect passes unset optional inputs as empty strings.
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, str):
        return canonical_uuid(value)
    raise ValueError("must be a UUID (8-4-4-4-12 hex digits)")


class ApplyWrapupInput(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, str_strip_whitespace=True)

    conversation_id: str = Field(alias="conversationId")
    participant_id: str | None = Field(default=None, alias="participantId")
    user_id: str | None = Field(default=None, alias="userId")
    wrapup_code_id: str | None = Field(default=None, alias="wrapupCodeId")
    wrapup_code_name: str | None = Field(default=None, alias="wrapupCodeName", max_length=255)
    notes: str | None = Field(default=None, max_length=4000)

    @field_validator("conversation_id", mode="before")
    @classmethod
    def _required_uuid(cls, value: Any) -> Any:
        result = _uuid_or_none(value)
        if result is None:
            raise ValueError("is required")
        return result

    @field_validator("participant_id", "user_id", "wrapup_code_id", mode="before")
    @classmethod
    def _optional_uuid(cls, value: Any) -> Any:
        return _uuid_or_none(value)

    @field_validator("wrapup_code_name", "notes", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and value.strip() == "" else value

    @model_validator(mode="after")
    def _exactly_one_code(self) -> ApplyWrapupInput:
        if (self.wrapup_code_id is None) == (self.wrapup_code_name is None):
            raise ValueError("wrapupCodeId: give exactly one of wrapupCodeId or wrapupCodeName")
        return self

    @classmethod
    def parse(cls, event: Any) -> ApplyWrapupInput:
        if not isinstance(event, dict):
            raise InvalidInputError([("input", "expected a JSON object")])
        try:
            return cls.model_validate(event)
        except ValidationError as exc:
            raise InvalidInputError.from_validation_error(exc) from None

    def to_request(self) -> ApplyRequest:
        return ApplyRequest(
            conversation_id=self.conversation_id,
            participant_id=self.participant_id,
            user_id=self.user_id,
            wrapup_code_id=self.wrapup_code_id,
            wrapup_code_name=self.wrapup_code_name,
            notes=self.notes,
        )


class ApplyWrapupOutput(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    outcome: Outcome
    conversation_id: str = Field(alias="conversationId")
    participant_id: str | None = Field(default=None, alias="participantId")
    wrapup_code_id: str | None = Field(default=None, alias="wrapupCodeId")
    wrapup_code_name: str | None = Field(default=None, alias="wrapupCodeName")
    winning_code_id: str | None = Field(default=None, alias="winningCodeId")
    winning_code_name: str | None = Field(default=None, alias="winningCodeName")
    failure_reason: str | None = Field(default=None, alias="failureReason")
    message: str | None = None

    @classmethod
    def answer(cls, result: ApplyResult | NotAnAgent) -> ApplyWrapupOutput:
        """The contract's answer; a participant that takes no wrap-up is bad input (the flow's Failure path)."""
        if isinstance(result, NotAnAgent):
            problem = f"is not an agent participant (purpose {result.purpose})"
            raise InvalidInputError([("participantId", problem)])
        return cls(
            outcome=result.outcome,
            conversation_id=result.conversation_id,
            participant_id=result.participant_id,
            wrapup_code_id=result.wrapup_code_id,
            wrapup_code_name=result.wrapup_code_name,
            winning_code_id=result.winning_code_id,
            winning_code_name=result.winning_code_name,
            failure_reason=result.failure_reason.value if result.failure_reason else None,
            message=result.message,
        )

    def to_response(self) -> dict[str, Any]:
        # Flat, camelCase, no nulls: Architect maps each key to a flow variable.
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")
