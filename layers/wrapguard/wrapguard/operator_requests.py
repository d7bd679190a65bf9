"""Operator requests: what `wrapguard-review retry` asks the deployed data action to do, and its answer.

The data action function answers two callers. Architect sends the data action contract (contracts.py);
a reviewer's CLI sends an `OperatorRetryRequest`, told apart by the field `wrapguardOperation`, which the
data action's input contract does not declare and refuses (`additionalProperties: false` in
cli/setup/data/apply-wrapup.json): Genesys forwards `${input.rawRequest}`, so a flow or anyone executing
the action could otherwise forge a reviewer's retry. A request that carries the field is validated
strictly (every field known, each typed); one without it is a data action request as before. The
function applies with its own deadline, lease clock and Genesys secret (issue 16, item 3), so none of
these is ever on a reviewer's workstation.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator, model_validator

from .contracts import InvalidInputError
from .domain.failures import UNRESOLVED_PARTICIPANT
from .domain.operator_retry import RetryAnswer, RetryOutcome, RetryRequest
from .identifiers import canonical_uuid

OPERATION_FIELD = "wrapguardOperation"


def is_operator_request(event: Any) -> bool:
    return isinstance(event, dict) and OPERATION_FIELD in event


class _Message(BaseModel):
    """What every operator request and answer shares: strict parsing into a typed error, and the
    JSON payload an Invoke carries."""

    @classmethod
    def parse(cls, event: Any) -> Self:
        """The message, or InvalidInputError naming each bad field (never echoing the values)."""
        try:
            return cls.model_validate(event)
        except ValidationError as exc:
            raise InvalidInputError.from_validation_error(exc) from None

    def to_payload(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class OperatorRetryRequest(_Message):
    """Apply a failure's code again, now, and mark the failure resolved when the code is on the participant."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    operation: Literal["retry"] = Field(default="retry", alias=OPERATION_FIELD)
    conversation_id: str = Field(alias="conversationId")
    participant_id: str = Field(alias="participantId")  # the failure's key: a UUID or `unresolved`
    code_id: str | None = Field(default=None, alias="codeId")  # a UUID, as the data action's wrapupCodeId
    code_name: str | None = Field(default=None, alias="codeName", min_length=1, max_length=200)
    requested_by: str = Field(alias="requestedBy", min_length=1, max_length=200)
    force: StrictBool = False  # retry a failure already resolved or ignored

    @field_validator("conversation_id", "code_id", mode="before")
    @classmethod
    def _uuid(cls, value: Any) -> Any:
        return canonical_uuid(value) if isinstance(value, str) else value

    @field_validator("participant_id", mode="before")
    @classmethod
    def _participant(cls, value: Any) -> Any:
        return value if value == UNRESOLVED_PARTICIPANT or not isinstance(value, str) else canonical_uuid(value)

    @model_validator(mode="after")
    def _one_code(self) -> OperatorRetryRequest:
        if (self.code_id is None) == (self.code_name is None):
            raise ValueError("codeId: give exactly one of codeId or codeName")
        return self

    def to_domain(self) -> RetryRequest:
        return RetryRequest(
            conversation_id=self.conversation_id,
            participant_id=self.participant_id,
            code_id=self.code_id,
            code_name=self.code_name,
            requested_by=self.requested_by,
            force=self.force,
        )


class OperatorRetryAnswer(_Message):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    conversation_id: str = Field(alias="conversationId")
    participant_id: str = Field(alias="participantId")
    outcome: RetryOutcome
    failure_reason: str | None = Field(default=None, alias="failureReason")
    winning_code_id: str | None = Field(default=None, alias="winningCodeId")  # superseded: the code Genesys holds
    winning_code_name: str | None = Field(default=None, alias="winningCodeName")
    message: str | None = Field(default=None, max_length=2000)
    resolved: StrictBool = False  # the failure was marked resolved

    @classmethod
    def of(cls, answer: RetryAnswer) -> OperatorRetryAnswer:
        return cls(
            conversation_id=answer.conversation_id,
            participant_id=answer.participant_id,
            outcome=answer.outcome,
            failure_reason=answer.failure_reason,
            winning_code_id=answer.winning_code_id,
            winning_code_name=answer.winning_code_name,
            message=answer.message,
            resolved=answer.resolved,
        )


class OperatorCodeCheckRequest(_Message):
    """Is this a wrap-up code of the org, valid for the participant (its queue)? `wrapguard-review resolve
    --code/--code-id` asks before recording a reviewer's code in the reporting ledger (docs/ledger.md).
    Read-only: nothing is applied or written."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    operation: Literal["check_code"] = Field(default="check_code", alias=OPERATION_FIELD)
    conversation_id: str = Field(alias="conversationId")
    participant_id: str = Field(alias="participantId")
    queue_id: str | None = Field(default=None, alias="queueId")
    code_id: str | None = Field(default=None, alias="codeId", min_length=1, max_length=128)
    code_name: str | None = Field(default=None, alias="codeName", min_length=1, max_length=200)
    requested_by: str = Field(alias="requestedBy", min_length=1, max_length=200)

    @field_validator("conversation_id", "participant_id", "queue_id", mode="before")
    @classmethod
    def _uuid(cls, value: Any) -> Any:
        return canonical_uuid(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_code(self) -> OperatorCodeCheckRequest:
        if (self.code_id is None) == (self.code_name is None):
            raise ValueError("codeId: give exactly one of codeId or codeName")
        return self


class OperatorCodeCheckAnswer(_Message):
    """`found`: the code (by id or name) is among the participant's valid codes; then its id and name."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    found: StrictBool
    code_id: str | None = Field(default=None, alias="codeId")
    code_name: str | None = Field(default=None, alias="codeName")


def operation_of(event: dict[str, Any]) -> Any:
    """The operator operation a request names (`retry` or `check_code`; anything else is refused by `retry`'s
    strict parse, which names the field)."""
    return event.get(OPERATION_FIELD)
