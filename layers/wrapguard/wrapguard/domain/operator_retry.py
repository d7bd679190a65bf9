"""A reviewer's retry, run by the data action function: the same apply as a flow's, then the review.

`wrapguard-review retry` sends an OperatorRetryRequest (operator_requests.py); the function answers it
here, with its own deadline, lease clock and Genesys client. The failure is read first (a reviewed
failure is retried only with `force`), the code applied through WrapupService - holding the
participant's lease as source `review`, recording a new failure under the failure's own source - and
the failure marked resolved once the code is on the participant. A participant not yet in after-call
work is reported, not staged: a reviewer retries into an open window only.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from ..contracts import ApplyWrapupInput, InvalidInputError
from ..operator_requests import OperatorRetryAnswer, OperatorRetryRequest, RetryOutcome
from .apply import WrapupService
from .deadline import Deadline
from .failures import UNRESOLVED_PARTICIPANT, FailureSource, FailureStatus
from .lease import ParticipantLeases
from .model import ApplyResult, NotAnAgent, Outcome
from .staging import StagedCode


class Reviewed(Protocol):
    @property
    def outcome(self) -> str: ...


class ReviewedFailures(Protocol):
    def get(self, conversation_id: str, participant_id: str, *, deadline: Deadline) -> dict[str, Any] | None: ...

    def set_status(
        self,
        conversation_id: str,
        participant_id: str,
        status: FailureStatus,
        *,
        note: str,
        reviewer: str,
        deadline: Deadline,
        force: bool = False,
    ) -> Reviewed: ...


class _NotInAfterCallWork(Exception):
    pass


class _NoStaging:
    """Staging refused: the agent is still talking, so there is no window to retry into yet."""

    def put(self, staged: StagedCode, *, deadline: Deadline) -> None:
        raise _NotInAfterCallWork("the agent is not in after-call work yet; nothing was applied")

    def find(
        self, conversation_id: str, participant_id: str, user_id: str | None, *, deadline: Deadline
    ) -> StagedCode | None:
        return None

    def delete(self, staged: StagedCode, *, deadline: Deadline) -> None:
        return None


_DONE = {Outcome.APPLIED: RetryOutcome.APPLIED, Outcome.ALREADY_APPLIED: RetryOutcome.ALREADY_APPLIED}
_OTHER = {Outcome.SUPERSEDED: RetryOutcome.SUPERSEDED, Outcome.FAILED: RetryOutcome.FAILED}


def operator_retry(
    request: OperatorRetryRequest,
    *,
    service: WrapupService,
    failures: ReviewedFailures,
    leases: ParticipantLeases,
    deadline: Deadline,
) -> OperatorRetryAnswer:
    cid, pid = request.conversation_id, request.participant_id

    def answer(outcome: RetryOutcome, message: str | None = None, **extra: Any) -> OperatorRetryAnswer:
        return OperatorRetryAnswer(conversation_id=cid, participant_id=pid, outcome=outcome, message=message, **extra)

    item = failures.get(cid, pid, deadline=deadline)
    if item is None:
        return answer(RetryOutcome.NOT_FOUND, "no failure recorded for this participant")
    if item.get("status") != FailureStatus.OPEN.value and not request.force:
        return answer(RetryOutcome.ALREADY_REVIEWED, f"already {item.get('status')}; retry with force")
    source = FailureSource(item.get("source", FailureSource.DATA_ACTION.value))
    result = _apply(request, replace(service, staging=_NoStaging(), leases=leases, source=source), deadline)
    if isinstance(result, str):
        return answer(RetryOutcome.NOT_APPLIED, result)
    if result.outcome not in _DONE:
        return answer(
            _OTHER.get(result.outcome, RetryOutcome.NOT_APPLIED),
            result.message,
            failure_reason=result.failure_reason.value if result.failure_reason else None,
            winning_code_id=result.winning_code_id,
            winning_code_name=result.winning_code_name,
        )
    review = failures.set_status(
        cid,
        pid,
        FailureStatus.RESOLVED,
        note=f"{result.outcome.value} by wrapguard-review retry",
        reviewer=request.requested_by,
        force=True,  # the code is on the participant now; the history keeps any earlier review
        deadline=deadline.for_failure_write(),
    )
    return answer(_DONE[result.outcome], result.message, resolved=review.outcome == "updated")


def _apply(request: OperatorRetryRequest, service: WrapupService, deadline: Deadline) -> ApplyResult | str:
    """The apply's result, or why nothing was sent (bad code id, agent still talking, not an agent)."""
    pid = request.participant_id
    try:
        apply_input = ApplyWrapupInput.parse(
            {
                "conversationId": request.conversation_id,
                "participantId": None if pid == UNRESOLVED_PARTICIPANT else pid,
                "wrapupCodeId": request.code_id,
                "wrapupCodeName": request.code_name,
            }
        )
        result = service.apply(apply_input.to_request(), deadline=deadline)
    except (InvalidInputError, _NotInAfterCallWork) as exc:
        return str(exc)
    if isinstance(result, NotAnAgent):
        return f"participant is not an agent (purpose {result.purpose})"
    return result
