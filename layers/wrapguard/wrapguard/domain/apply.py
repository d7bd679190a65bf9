"""The data action: apply (or stage) a wrap-up code for an agent participant, and record every failure.

One request goes through named steps: find the participant -> resolve the code -> (holding the
participant's lease) decide -> write. Each step returns its value, or the `Failure` that ends the
request; `apply` records that failure once, through the shared record-and-log path, and answers
`failed`. A named participant that is not an agent is answered with `NotAnAgent` (bad input).

Precedence inside one wrap-up window (README "Precedence"): an explicit request replaces the agent's
own code, but never a code wrapguard applied first (from another request, a staged or a policy code):
the later request is `superseded`, told the winning code, and recorded.

When one of wrapguard's own tables fails (`StorageUnavailable`: lease, staging, failure table), the
request is answered `failed` and the failure recorded; if that record cannot be written either, the
error propagates (the Lambda fails, so the flow takes its Failure path and nothing is lost silently).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from .codes import CodeCatalog
from .deadline import Deadline
from .errors import StorageUnavailable
from .failures import (
    UNRESOLVED_PARTICIPANT,
    Failure,
    FailureReason,
    FailureRecorder,
    FailureSource,
    Subject,
    build_failure,
    record_failure,
    storage_failure,
)
from .lease import Hold, LeaseBusyError, ParticipantLeases
from .model import (
    ApplyRequest,
    ApplyResult,
    Conversation,
    NotAnAgent,
    Outcome,
    Participant,
    UpstreamError,
    WrapupCode,
)
from .ports import GenesysPort, StagedCodeStore
from .staging import StagedCode, staging_key
from .window import WindowState, find_agent_participant, window_state
from .writer import WrapupWriter


def queue_of(conversation: Conversation, participant: Participant | None) -> str | None:
    if participant and participant.queue_id:
        return participant.queue_id
    acd = [p for p in conversation.participants if p.purpose == "acd" and p.queue_id]
    return acd[-1].queue_id if acd else None


@dataclass(frozen=True)
class Located:
    """The conversation as read, the agent participant (None before an agent joins) and its window."""

    conversation: Conversation
    participant: Participant | None
    queue_id: str | None
    state: WindowState
    subject: Subject


@dataclass
class WrapupService:
    genesys: GenesysPort
    failures: FailureRecorder
    staging: StagedCodeStore
    catalog: CodeCatalog
    leases: ParticipantLeases
    source: FailureSource = FailureSource.DATA_ACTION
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    clock: Callable[[], float] = time.time
    writer: WrapupWriter = field(init=False)

    def __post_init__(self) -> None:
        self.writer = WrapupWriter(self.genesys)

    def apply(self, request: ApplyRequest, *, deadline: Deadline) -> ApplyResult | NotAnAgent:
        subject = Subject(
            conversation_id=request.conversation_id,
            participant_id=request.participant_id or UNRESOLVED_PARTICIPANT,
            user_id=request.user_id,
            wrapup_code_id=request.wrapup_code_id,
            wrapup_code_name=request.wrapup_code_name,
        )
        try:
            answer = self._answer(request, subject, deadline)
        except StorageUnavailable as exc:  # our own table failed: answered and recorded like any failure
            answer = storage_failure(subject, self.source, exc)
        return self._failed(answer, deadline=deadline) if isinstance(answer, Failure) else answer

    def _answer(
        self, request: ApplyRequest, subject: Subject, deadline: Deadline
    ) -> ApplyResult | NotAnAgent | Failure:
        read_at = self.clock()
        found = self._find_participant(request, subject, deadline)
        if not isinstance(found, Located):
            return found
        code = self._resolve_code(request, found, deadline)
        if isinstance(code, Failure):
            return code
        subject = found.subject.with_code(code.id, code.name or None)
        if found.participant is None:  # no agent yet (IVR, queue): nobody else writes a wrap-up
            return self._stage(request, subject, deadline)
        return self._decide_holding_lease(request, found, subject, read_at, deadline)

    # --- steps ----------------------------------------------------------------------------------
    def _find_participant(
        self, request: ApplyRequest, subject: Subject, deadline: Deadline
    ) -> Located | NotAnAgent | Failure:
        cid = request.conversation_id
        try:
            conversation = self.genesys.get_conversation(cid, deadline=deadline)
        except UpstreamError as exc:
            return build_failure(subject, self.source, error=exc.failure)
        if request.participant_id:
            participant = conversation.participant(request.participant_id)
            if participant is None:
                message = f"participant {request.participant_id} is not on conversation {cid}"
                return build_failure(subject, self.source, reason=FailureReason.NOT_FOUND, message=message)
            if not participant.is_agent:
                # A customer's (or IVR's, ACD's) participant takes no wrap-up: the flow passed the wrong
                # id. Rejected like malformed input, so the flow takes its Failure path; nothing written.
                return NotAnAgent(participant.id, participant.purpose)
        else:
            participant = find_agent_participant(conversation, request.user_id)
            if participant is None and conversation.end_time is not None:
                who = f"agent {request.user_id}" if request.user_id else "an agent participant"
                message = f"conversation {cid} ended without {who}"
                return build_failure(subject, self.source, reason=FailureReason.NOT_FOUND, message=message)
        queue_id = queue_of(conversation, participant)
        if participant is not None:
            subject = replace(subject, participant_id=participant.id, user_id=participant.user_id)
        subject = replace(subject, queue_id=queue_id).seen_in(conversation, participant)
        # No agent yet (IVR, queue) counts as "not open": the code is staged.
        state = window_state(participant) if participant is not None else WindowState.NOT_OPEN
        return Located(conversation, participant, queue_id, state, subject)

    def _resolve_code(self, request: ApplyRequest, found: Located, deadline: Deadline) -> WrapupCode | Failure:
        """The code to use, or an `invalid_code` failure when it is not valid here.

        With an id and a participant past its conversation we do not pre-validate or look the name
        up (read + apply only): Genesys judges the id, and the name is returned when this container
        already knows it. Names, and codes staged for later, are checked against the participant's
        (or, before an agent joins, the queue's) codes.
        """
        participant, queue_id = found.participant, found.queue_id
        if request.wrapup_code_id and participant is not None and found.state is not WindowState.NOT_OPEN:
            name = self.catalog.known_name(queue_id, request.wrapup_code_id) or request.wrapup_code_name
            return WrapupCode(id=request.wrapup_code_id, name=name or "")
        try:
            pid = participant.id if participant else None
            codes = self.catalog.valid_codes(request.conversation_id, pid, queue_id, deadline=deadline)
            if not codes and request.wrapup_code_id:
                # Nothing to validate against (no queue, no participant yet): accept the id as given.
                return WrapupCode(id=request.wrapup_code_id, name="")
            if not codes and request.wrapup_code_name and participant is None and queue_id is None:
                # Still in the IVR: resolve the name among the org's codes; the apply validates it later.
                codes = self.genesys.org_wrapup_codes(request.wrapup_code_name, deadline=deadline)
        except UpstreamError as exc:
            return build_failure(found.subject, self.source, error=exc.failure)
        code = CodeCatalog.find(codes, code_id=request.wrapup_code_id, code_name=request.wrapup_code_name)
        if code is None:
            message = _invalid_code_message(request, queue_id)
            return build_failure(found.subject, self.source, reason=FailureReason.INVALID_CODE, message=message)
        return code

    def _decide_holding_lease(
        self, request: ApplyRequest, found: Located, subject: Subject, read_at: float, deadline: Deadline
    ) -> ApplyResult | Failure:
        try:
            with self.leases.hold(subject.conversation_id, subject.participant_id, deadline=deadline) as hold:
                if hold.stale(read_at):  # another writer finished after our read: read again
                    reread = self._reread(found, subject, deadline)
                    if isinstance(reread, Failure):
                        return reread
                    found = reread
                return self._decide(request, found, subject, hold, deadline)
        except LeaseBusyError as busy:
            return build_failure(subject, self.source, reason=FailureReason.TIMEOUT, message=str(busy))

    def _reread(self, found: Located, subject: Subject, deadline: Deadline) -> Located | Failure:
        try:
            conversation = self.genesys.get_conversation(subject.conversation_id, deadline=deadline)
        except UpstreamError as exc:
            return build_failure(subject, self.source, error=exc.failure)
        participant = conversation.participant(subject.participant_id)
        if participant is None:  # pragma: no cover - participants are never removed from a conversation
            return found
        return replace(found, conversation=conversation, participant=participant, state=window_state(participant))

    def _decide(
        self, request: ApplyRequest, found: Located, subject: Subject, hold: Hold, deadline: Deadline
    ) -> ApplyResult | Failure:
        participant = found.participant
        assert participant is not None
        current = participant.wrapup_code_id
        if current == subject.wrapup_code_id:
            if found.state is WindowState.OPEN:
                hold.applied(current)  # the flow was told this code: later writers must keep it
            return _result(Outcome.ALREADY_APPLIED, subject)
        if found.state is WindowState.NOT_OPEN:
            return self._stage(request, subject, deadline)
        if found.state is WindowState.CLOSED:
            message = f"wrap-up window of participant {participant.id} is closed; Genesys accepts no code now"
            return build_failure(subject, self.source, reason=FailureReason.WINDOW_CLOSED, message=message)
        if current is not None and hold.state.wrapguard_code(current):
            return self._superseded(subject, current, hold.state.applied_by, deadline)
        return self._write(request, subject, hold, current, deadline)

    def _write(
        self, request: ApplyRequest, subject: Subject, hold: Hold, current: str | None, deadline: Deadline
    ) -> ApplyResult | Failure:
        written = self.writer.write(subject, request.notes, self.source, before=current, deadline=deadline)
        if written.failure is not None:
            return written.failure
        if not written.applied:
            assert written.current_code_id is not None
            return self._superseded(subject, written.current_code_id, None, deadline)
        hold.applied(subject.wrapup_code_id)
        return _result(Outcome.APPLIED, subject)

    def _superseded(self, subject: Subject, winner: str, winner_source: str | None, deadline: Deadline) -> ApplyResult:
        """The request lost to a code set first in this window: report the winner, record the lost intent."""
        by = f" by {winner_source}" if winner_source else ""
        message = f"wrap-up code {winner} was applied first{by}; wrapguard does not replace it"
        lost = build_failure(subject, self.source, reason=FailureReason.SUPERSEDED, message=message)
        record_failure(self.failures, lost, deadline=deadline)
        return replace(
            _result(Outcome.SUPERSEDED, subject),
            winning_code_id=winner,
            winning_code_name=self.catalog.known_name(subject.queue_id, winner),
            failure_reason=FailureReason.SUPERSEDED,
            message=message,
        )

    def _stage(self, request: ApplyRequest, subject: Subject, deadline: Deadline) -> ApplyResult:
        assert subject.wrapup_code_id is not None
        participant_id = None if subject.participant_id == UNRESOLVED_PARTICIPANT else subject.participant_id
        staged = StagedCode(
            conversation_id=subject.conversation_id,
            target=staging_key(participant_id, request.user_id),
            wrapup_code_id=subject.wrapup_code_id,
            wrapup_code_name=subject.wrapup_code_name,
            notes=request.notes,
            staged_at=self.now(),
            source=self.source.value,
        )
        self.staging.put(staged, deadline=deadline)
        message = "wrap-up window not open yet; code staged for when the agent reaches after-call work"
        return replace(_result(Outcome.STAGED, subject), message=message)

    def _failed(self, failure: Failure, *, deadline: Deadline) -> ApplyResult:
        record_failure(self.failures, failure, deadline=deadline)
        subject = Subject(failure.conversation_id, failure.participant_id).with_code(
            failure.wrapup_code_id, failure.wrapup_code_name
        )
        return replace(_result(Outcome.FAILED, subject), failure_reason=failure.reason, message=failure.message)


def _result(outcome: Outcome, subject: Subject) -> ApplyResult:
    return ApplyResult(
        outcome=outcome,
        conversation_id=subject.conversation_id,
        participant_id=None if subject.participant_id == UNRESOLVED_PARTICIPANT else subject.participant_id,
        wrapup_code_id=subject.wrapup_code_id,
        wrapup_code_name=subject.wrapup_code_name or None,
    )


def _invalid_code_message(request: ApplyRequest, queue_id: str | None) -> str:
    what = f"id {request.wrapup_code_id}" if request.wrapup_code_id else f"name '{request.wrapup_code_name}'"
    where = f"queue {queue_id}" if queue_id else "this participant"
    return f"wrap-up code {what} is not valid for {where}"
