"""Apply (or stage) a wrap-up code for an agent participant, and record every failure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from .. import SERVICE
from ..contracts import ApplyWrapupInput, ApplyWrapupOutput, Outcome
from ..genesys.errors import GenesysError
from ..genesys.models import Conversation, Participant, WrapupCode, WrapupInput
from .codes import CodeCatalog
from .failures import (
    UNRESOLVED_PARTICIPANT,
    Failure,
    FailureReason,
    FailureSource,
    failure_from_error,
)
from .ports import FailureRecorder, GenesysPort, StagedCodeStore
from .staging import StagedCode, staging_key
from .window import WindowState, find_agent_participant, window_state

logger = Logger(service=SERVICE, child=True)

# Statuses after which we re-read the conversation to learn *why* the apply was refused, since the
# platform's status and error code for a closed window are unpublished (docs/genesys-api-notes.md s3, s11).
AMBIGUOUS_REFUSALS = frozenset({400, 409, 422})


def queue_of(conversation: Conversation, participant: Participant | None) -> str | None:
    if participant and participant.queue_id:
        return participant.queue_id
    acd = [p for p in conversation.participants if p.purpose == "acd" and p.queue_id]
    return acd[-1].queue_id if acd else None


@dataclass
class WrapupService:
    genesys: GenesysPort
    failures: FailureRecorder
    staging: StagedCodeStore
    catalog: CodeCatalog
    source: FailureSource = FailureSource.DATA_ACTION
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    # --- the data action ------------------------------------------------------------------------
    def apply(self, request: ApplyWrapupInput) -> ApplyWrapupOutput:
        cid = request.conversation_id
        result = ApplyWrapupOutput(
            outcome=Outcome.FAILED,
            conversation_id=cid,
            participant_id=request.participant_id,
            wrapup_code_id=request.wrapup_code_id,
            wrapup_code_name=request.wrapup_code_name,
        )
        try:
            conversation = self.genesys.get_conversation(cid)
        except GenesysError as exc:
            return self._failed(result, self._from_error(result, exc, None, None, user_id=request.user_id))

        if request.participant_id:
            participant = conversation.participant(request.participant_id)
            if participant is None:
                return self._failed(
                    result,
                    self._failure(
                        result,
                        FailureReason.NOT_FOUND,
                        f"participant {request.participant_id} is not on conversation {cid}",
                        user_id=request.user_id,
                    ),
                )
        else:
            participant = find_agent_participant(conversation, request.user_id)
            if participant is None and conversation.end_time is not None:
                who = f"agent {request.user_id}" if request.user_id else "an agent participant"
                return self._failed(
                    result,
                    self._failure(
                        result,
                        FailureReason.NOT_FOUND,
                        f"conversation {cid} ended without {who}",
                        user_id=request.user_id,
                    ),
                )
        queue_id = queue_of(conversation, participant)
        if participant is not None:
            result.participant_id = participant.id
        # No agent yet (IVR, queue) counts as "not open": the code is staged.
        state = window_state(participant) if participant is not None else WindowState.NOT_OPEN

        try:
            code = self._resolve_code(request, participant, queue_id, state)
        except GenesysError as exc:
            return self._failed(result, self._from_error(result, exc, participant, queue_id))
        if code is None:
            return self._failed(
                result,
                self._failure(
                    result,
                    FailureReason.INVALID_CODE,
                    _invalid_code_message(request, queue_id),
                    participant=participant,
                    queue_id=queue_id,
                ),
            )
        result.wrapup_code_id, result.wrapup_code_name = code.id, code.name or result.wrapup_code_name

        if participant is None:  # no agent yet: conversation is in IVR or queue
            return self._stage(result, request, queue_id)
        if participant.wrapup_code_id == code.id:
            result.outcome = Outcome.ALREADY_APPLIED
            return result
        if state is WindowState.CLOSED:
            return self._failed(
                result,
                self._failure(
                    result,
                    FailureReason.WINDOW_CLOSED,
                    f"wrap-up window of participant {participant.id} is closed; Genesys accepts no code now",
                    participant=participant,
                    queue_id=queue_id,
                ),
            )
        if state is WindowState.NOT_OPEN:
            return self._stage(result, request, queue_id)
        return self.apply_now(result, participant, queue_id, notes=request.notes)

    # --- shared with the event path -------------------------------------------------------------
    def apply_now(
        self, result: ApplyWrapupOutput, participant: Participant, queue_id: str | None, notes: str | None
    ) -> ApplyWrapupOutput:
        assert result.wrapup_code_id is not None
        try:
            self.genesys.apply_wrapup(
                result.conversation_id,
                participant.id,
                WrapupInput(code=result.wrapup_code_id, name=result.wrapup_code_name, notes=notes),
            )
        except GenesysError as exc:
            if exc.status in AMBIGUOUS_REFUSALS:
                return self._failed(result, self._classify_refusal(result, exc, participant, queue_id))
            return self._failed(result, self._from_error(result, exc, participant, queue_id))
        result.outcome = Outcome.APPLIED
        logger.info(
            "wrap-up applied",
            extra={"participant_id": participant.id, "wrapup_code_id": result.wrapup_code_id},
        )
        return result

    def _classify_refusal(
        self, result: ApplyWrapupOutput, exc: GenesysError, participant: Participant, queue_id: str | None
    ) -> Failure:
        """Learn why Genesys refused: re-read the participant once, then check the code's validity."""
        reason = FailureReason.UPSTREAM_ERROR
        try:
            fresh = self.genesys.get_conversation(result.conversation_id).participant(participant.id)
            if fresh is None or window_state(fresh) is WindowState.CLOSED:
                reason = FailureReason.WINDOW_CLOSED
            else:
                valid = self.genesys.participant_wrapup_codes(result.conversation_id, participant.id)
                if result.wrapup_code_id not in {c.id for c in valid}:
                    reason = FailureReason.INVALID_CODE
        except GenesysError as reread:
            logger.warning("could not re-read after a refused apply", extra={"error": str(reread)})
        return self._from_error(result, exc, participant, queue_id, reason=reason)

    # --- helpers --------------------------------------------------------------------------------
    def _resolve_code(
        self, request: ApplyWrapupInput, participant: Participant | None, queue_id: str | None, state: WindowState
    ) -> WrapupCode | None:
        """The code to use, or None when it is not valid here.

        With an id and a participant past its conversation we do not pre-validate (warm path: read +
        apply only); the name comes from the participant's code list, fetched once per queue per
        container and TTL, and Genesys judges the id. Names, and codes staged for later, are checked
        against the participant's (or, before an agent joins, the queue's) codes.
        """
        if request.wrapup_code_id and participant is not None and state is not WindowState.NOT_OPEN:
            name = self.catalog.name_of(request.conversation_id, participant.id, queue_id, request.wrapup_code_id)
            return WrapupCode(id=request.wrapup_code_id, name=name or "")
        codes = self.catalog.valid_codes(request.conversation_id, participant.id if participant else None, queue_id)
        if not codes and request.wrapup_code_id:
            # Nothing to validate against (no queue, no participant yet): accept the id as given.
            return WrapupCode(id=request.wrapup_code_id, name="")
        if not codes and request.wrapup_code_name and participant is None and queue_id is None:
            # Still in the IVR: resolve the name among the org's codes; the apply validates it later.
            codes = self.genesys.org_wrapup_codes(request.wrapup_code_name)
        return CodeCatalog.find(codes, code_id=request.wrapup_code_id, code_name=request.wrapup_code_name)

    def _stage(self, result: ApplyWrapupOutput, request: ApplyWrapupInput, queue_id: str | None) -> ApplyWrapupOutput:
        assert result.wrapup_code_id is not None
        self.staging.put(
            StagedCode(
                conversation_id=result.conversation_id,
                target=staging_key(result.participant_id, request.user_id),
                wrapup_code_id=result.wrapup_code_id,
                wrapup_code_name=result.wrapup_code_name or None,
                notes=request.notes,
                staged_at=self.now(),
                source=self.source.value,
            )
        )
        result.outcome = Outcome.STAGED
        result.message = "wrap-up window not open yet; code staged for when the agent reaches after-call work"
        return result

    def _failure(
        self,
        result: ApplyWrapupOutput,
        reason: FailureReason,
        message: str,
        *,
        participant: Participant | None = None,
        queue_id: str | None = None,
        user_id: str | None = None,
    ) -> Failure:
        return Failure(
            conversation_id=result.conversation_id,
            participant_id=result.participant_id or UNRESOLVED_PARTICIPANT,
            reason=reason,
            source=self.source,
            message=message,
            wrapup_code_id=result.wrapup_code_id,
            wrapup_code_name=result.wrapup_code_name or None,
            user_id=participant.user_id if participant else user_id,
            queue_id=queue_id,
        )

    def _from_error(
        self,
        result: ApplyWrapupOutput,
        exc: GenesysError,
        participant: Participant | None,
        queue_id: str | None,
        *,
        reason: FailureReason | None = None,
        user_id: str | None = None,
    ) -> Failure:
        return failure_from_error(
            exc,
            conversation_id=result.conversation_id,
            participant_id=result.participant_id or UNRESOLVED_PARTICIPANT,
            source=self.source,
            reason=reason,
            wrapup_code_id=result.wrapup_code_id,
            wrapup_code_name=result.wrapup_code_name or None,
            user_id=participant.user_id if participant else user_id,
            queue_id=queue_id,
        )

    def _failed(self, result: ApplyWrapupOutput, failure: Failure) -> ApplyWrapupOutput:
        self.record_failure(failure)
        result.outcome = Outcome.FAILED
        result.failure_reason = failure.reason.value
        result.message = failure.message
        return result

    def record_failure(self, failure: Failure) -> int:
        """Write (or merge) the failure record and log it; returns the attempt count.

        If the write fails the exception propagates: the invocation fails rather than losing it.
        """
        attempts = self.failures.record(failure)
        logger.warning(
            "wrap-up failure recorded",
            extra={
                "reason": failure.reason.value,
                "participant_id": failure.participant_id,
                "attempts": attempts,
                "http_status": failure.http_status,
                "genesys_error_code": failure.error_code,
            },
        )
        return attempts


def _invalid_code_message(request: ApplyWrapupInput, queue_id: str | None) -> str:
    what = f"id {request.wrapup_code_id}" if request.wrapup_code_id else f"name '{request.wrapup_code_name}'"
    where = f"queue {queue_id}" if queue_id else "this participant"
    return f"wrap-up code {what} is not valid for {where}"
