"""A reviewer's retry, run by the data action function: the same apply as a flow's, then the review.

`wrapguard-review retry` sends an OperatorRetryRequest (operator_requests.py, the edge's model), which
the function turns into a `RetryRequest` and answers here, with its own deadline, lease clock and
Genesys client. The failure is read first (a reviewed failure is retried only with `force`), the code
applied through WrapupService - holding the participant's lease as source `review`, recording a new
failure under the failure's own source - and the failure marked resolved once the code is on the
participant. A participant not yet in after-call work is reported, not staged: a reviewer retries into
an open window only. The retry follows the queue's mode like every path (domain/modes.py): in observe
it answers `observed` (the code it would apply kept on the failure, source `review`; nothing written,
the failure stays open), in off `disabled`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

from .apply import WrapupService
from .deadline import Deadline
from .failures import UNRESOLVED_PARTICIPANT, FailureSource, FailureStatus
from .lease import ParticipantLeases
from .model import ApplyRequest, ApplyResult, NotAnAgent, Outcome
from .staging import StagedCode


@dataclass(frozen=True)
class RetryRequest:
    """Apply a failure's code again, now, and mark the failure resolved when the code is on the participant."""

    conversation_id: str
    participant_id: str  # the failure's key: an agent participant id or `unresolved`
    code_id: str | None
    code_name: str | None
    requested_by: str
    force: bool = False  # retry a failure already resolved or ignored


class RetryOutcome(StrEnum):
    APPLIED = "applied"
    ALREADY_APPLIED = "already_applied"
    SUPERSEDED = "superseded"  # another writer's code is on the participant (README "Precedence")
    FAILED = "failed"  # recorded in the failure table like any other apply
    NOT_APPLIED = "not_applied"  # nothing was sent: e.g. the agent is not in after-call work yet
    OBSERVED = "observed"  # the queue is in observe mode: the code it would apply is kept, nothing written
    DISABLED = "disabled"  # the queue is off: nothing done
    NOT_FOUND = "not_found"  # no failure with this key
    ALREADY_REVIEWED = "already_reviewed"  # resolved or ignored, and the request did not force


@dataclass(frozen=True)
class RetryAnswer:
    conversation_id: str
    participant_id: str
    outcome: RetryOutcome
    message: str | None = None
    failure_reason: str | None = None
    winning_code_id: str | None = None
    winning_code_name: str | None = None
    resolved: bool = False  # the failure was marked resolved

    @property
    def done(self) -> bool:
        return self.outcome in {RetryOutcome.APPLIED, RetryOutcome.ALREADY_APPLIED}


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
_OTHER = {
    Outcome.SUPERSEDED: RetryOutcome.SUPERSEDED,
    Outcome.FAILED: RetryOutcome.FAILED,
    Outcome.OBSERVED: RetryOutcome.OBSERVED,
    Outcome.DISABLED: RetryOutcome.DISABLED,
}


def operator_retry(
    request: RetryRequest,
    *,
    service: WrapupService,
    failures: ReviewedFailures,
    leases: ParticipantLeases,
    deadline: Deadline,
) -> RetryAnswer:
    cid, pid = request.conversation_id, request.participant_id

    def answer(outcome: RetryOutcome, message: str | None = None, **extra: Any) -> RetryAnswer:
        return RetryAnswer(conversation_id=cid, participant_id=pid, outcome=outcome, message=message, **extra)

    item = failures.get(cid, pid, deadline=deadline)
    if item is None:
        return answer(RetryOutcome.NOT_FOUND, "no failure recorded for this participant")
    if item.get("status") != FailureStatus.OPEN.value and not request.force:
        return answer(RetryOutcome.ALREADY_REVIEWED, f"already {item.get('status')}; retry with force")
    source = FailureSource(item.get("source", FailureSource.DATA_ACTION.value))
    retrying = replace(service, staging=_NoStaging(), leases=leases, source=source, observed_by=FailureSource.REVIEW)
    result = _apply(request, retrying, deadline)
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


def _apply(request: RetryRequest, service: WrapupService, deadline: Deadline) -> ApplyResult | str:
    """The apply's result, or why nothing was sent (agent still talking, not an agent)."""
    pid = request.participant_id
    apply = ApplyRequest(
        conversation_id=request.conversation_id,
        participant_id=None if pid == UNRESOLVED_PARTICIPANT else pid,
        wrapup_code_id=request.code_id,
        wrapup_code_name=request.code_name,
    )
    try:
        result = service.apply(apply, deadline=deadline)
    except _NotInAfterCallWork as exc:
        return str(exc)
    if isinstance(result, NotAnAgent):
        return f"participant is not an agent (purpose {result.purpose})"
    return result
