"""What the event path does with each conversation event.

- Agent ended (`user.end`; the window opens): find the agent participant -> choose the intended code
  (staged, else the queue policy's default) -> resolve it -> decide -> apply. Never overwrite a code
  the agent already set unless the policy says so.
- Wrap-up reported (`acw` = after-call work ended, `wrapup`): verify that a code is present; if not
  at the end of after-call work, record `missing_wrapup`, and `placeholder_code` when the only code
  is a placeholder (docs/genesys-api-notes.md s13). A real code resolves any open failure for that
  participant.

Only decisions (window closed, invalid code, missing wrap-up) are final results, saved by
idempotency. Everything else (401 after a token refresh, 403, 404, 429, 5xx, timeouts, unparsable
answers, the window not open *yet*, another writer holding the participant) is recorded and then
raised, so Lambda retries and, when retries run out, the event lands in the dead-letter queue.
A failure of wrapguard's own tables (`StorageUnavailable`) is recorded (when the failure table
still answers) and raised the same way: nothing is lost.

Each step returns its value, or the `EventResult` that ends the event's handling early.

The agent-end steps run holding the participant's lease (domain/lease.py), so a data action for the
same participant cannot interleave. A code wrapguard applied first in this window (an explicit data
action request) is kept: the staged or policy code is `superseded`, not applied over it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from .apply import queue_of
from .codes import CodeCatalog
from .deadline import Deadline
from .errors import StorageUnavailable
from .event_results import CodeOrigin, EventAction, EventResult
from .events import AgentEnded, AgentEvent, WrapupReported
from .failures import (
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
from .model import Participant, UpstreamError, UpstreamFailure
from .policy import WrapupPolicy
from .ports import GenesysPort, StagedCodeStore
from .staging import ANY_AGENT, StagedCode
from .window import WindowState, window_state
from .writer import WrapupWriter

SOURCE = FailureSource.EVENTBRIDGE
# Final outcomes; any other failure is raised for a retry after it is recorded.
DECISIONS = frozenset(
    {FailureReason.WINDOW_CLOSED, FailureReason.INVALID_CODE, FailureReason.MISSING_WRAPUP, FailureReason.SUPERSEDED}
)


class RetryableEventError(Exception):
    """Raised so Lambda retries the event (and, when retries run out, sends it to the DLQ)."""


@dataclass(frozen=True)
class Intended:
    """The code the event path means to apply, and where it came from."""

    code_id: str | None
    code_name: str | None
    notes: str | None
    origin: CodeOrigin
    staged: StagedCode | None = None


@dataclass
class EventRules:
    genesys: GenesysPort
    failures: FailureRecorder
    staging: StagedCodeStore
    catalog: CodeCatalog
    policy: WrapupPolicy
    leases: ParticipantLeases
    # Codes that count as missing (settings: PLACEHOLDER_WRAPUP_CODES).
    placeholders: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        self.writer = WrapupWriter(self.genesys)

    # --- agent ended ----------------------------------------------------------------------------
    def on_agent_end(self, event: AgentEnded, *, deadline: Deadline) -> EventResult:
        with self._storage_failures_recorded(event, deadline):
            try:
                with self.leases.hold(event.conversation_id, event.participant_id, deadline=deadline) as hold:
                    return self._agent_ended(event, hold, deadline)
            except LeaseBusyError as busy:
                raise RetryableEventError(str(busy)) from busy

    def _agent_ended(self, event: AgentEnded, hold: Hold, deadline: Deadline) -> EventResult:
        found = self._read_agent(event, deadline)
        if isinstance(found, EventResult):
            return found
        participant, subject = found
        subject = replace(subject, user_id=participant.user_id)
        intended = self._intended(subject, deadline)
        if isinstance(intended, EventResult):
            return intended
        resolved = self._resolve(intended, subject, deadline)
        if isinstance(resolved, EventResult):
            return resolved
        decided = self._decide(event, intended, participant, resolved, hold, deadline=deadline)
        if decided is not None:
            return decided
        return self._apply(event, intended, resolved, hold, before=participant.wrapup_code_id, deadline=deadline)

    def _intended(self, subject: Subject, deadline: Deadline) -> Intended | EventResult:
        staged = self.staging.find(subject.conversation_id, subject.participant_id, subject.user_id, deadline=deadline)
        if staged is not None:
            return Intended(staged.wrapup_code_id, staged.wrapup_code_name, staged.notes, CodeOrigin.STAGED, staged)
        rule = self.policy.for_queue(subject.queue_id)
        if rule is None or not (rule.default_code_id or rule.default_code_name):
            return _result(EventAction.NOTHING_TO_APPLY, subject)
        return Intended(rule.default_code_id, rule.default_code_name, None, CodeOrigin.POLICY)

    def _resolve(self, intended: Intended, subject: Subject, deadline: Deadline) -> Subject | EventResult:
        """Names are resolved among the queue's codes; ids are judged by Genesys on apply."""
        if intended.code_id:
            name = intended.code_name or self.catalog.known_name(subject.queue_id, intended.code_id)
            return subject.with_code(intended.code_id, name)
        try:
            codes = self.catalog.valid_codes(
                subject.conversation_id, subject.participant_id, subject.queue_id, deadline=deadline
            )
        except UpstreamError as exc:
            return self._error(exc.failure, subject.with_code(None, intended.code_name), deadline)
        found = CodeCatalog.find(codes, code_id=None, code_name=intended.code_name)
        if found is None:
            failure = build_failure(
                subject.with_code(None, intended.code_name),
                SOURCE,
                reason=FailureReason.INVALID_CODE,
                message=f"{intended.origin.value} wrap-up code is not valid for queue {subject.queue_id}",
            )
            return self._record(failure, EventAction.FAILED, deadline)
        return subject.with_code(found.id, found.name)

    def _decide(
        self,
        event: AgentEnded,
        intended: Intended,
        participant: Participant,
        subject: Subject,
        hold: Hold,
        *,
        deadline: Deadline,
    ) -> EventResult | None:
        """The result that ends the event's handling, or None when the intended code should be applied now."""
        current = participant.wrapup_code_id
        if current in self.placeholders:
            current = None  # a placeholder classifies nothing: the intended code may replace it
        if current == subject.wrapup_code_id:
            hold.applied(current)  # applied (by the agent or earlier): later writers must keep it
            self._consume(intended, event, deadline)
            return _result(EventAction.ALREADY_APPLIED, subject, code_id=current)
        if current and hold.state.wrapguard_code(current):
            # A request (data action) applied its code first: it outranks staged and policy codes.
            self._consume(intended, event, deadline)
            if intended.origin is CodeOrigin.STAGED:  # the staging flow's intent was not applied: say so
                message = f"staged code not applied: wrap-up code {current} was applied first and is kept"
                lost = build_failure(subject, SOURCE, reason=FailureReason.SUPERSEDED, message=message)
                record_failure(self.failures, lost, deadline=deadline)
            return _result(EventAction.SUPERSEDED, subject, code_id=current, origin=intended.origin)
        if current and not self._may_overwrite(subject.queue_id):
            self._consume(intended, event, deadline)
            return _result(EventAction.AGENT_CODED, subject, code_id=current)
        state = window_state(participant)
        if state is WindowState.NOT_OPEN:
            # user.end arrived but the read still shows the agent connected: let Lambda retry.
            raise RetryableEventError(f"participant {subject.participant_id} is not in after-call work yet")
        if state is WindowState.CLOSED:
            failure = build_failure(
                subject,
                SOURCE,
                reason=FailureReason.WINDOW_CLOSED,
                message=f"wrap-up window closed before the {intended.origin.value} code could be applied",
            )
            # A late user.end (after acw) must not double-count what acw already recorded.
            recorded = record_failure(self.failures, failure, deadline=deadline, only_if_absent=True)
            action = EventAction.FAILED if recorded else EventAction.ALREADY_RECORDED
            return _result(action, subject, reason=FailureReason.WINDOW_CLOSED)
        return None

    def _apply(
        self,
        event: AgentEnded,
        intended: Intended,
        subject: Subject,
        hold: Hold,
        *,
        before: str | None,
        deadline: Deadline,
    ) -> EventResult:
        written = self.writer.write(subject, intended.notes, SOURCE, before=before, deadline=deadline)
        if written.failure is None and not written.applied:
            # The PATCH went unanswered and the re-read shows the agent's own code: keep it.
            self._consume(intended, event, deadline)
            return _result(EventAction.AGENT_CODED, subject, code_id=written.current_code_id)
        if written.failure is None:
            hold.applied(subject.wrapup_code_id)
            self._consume(intended, event, deadline)
            self.failures.resolve_open(
                subject.conversation_id,
                subject.participant_id,
                f"applied {intended.origin.value} code by the event function",
                subject.wrapup_code_id or "",
                deadline=deadline,
            )
            return _result(EventAction.APPLIED, subject, code_id=subject.wrapup_code_id, origin=intended.origin)
        record_failure(self.failures, written.failure, deadline=deadline)
        if written.failure.reason not in DECISIONS:
            raise RetryableEventError(f"{written.failure.reason.value}: {written.failure.message}")
        return _result(EventAction.FAILED, subject, reason=written.failure.reason)

    # --- wrap-up reported -----------------------------------------------------------------------
    def on_wrapup_done(self, event: WrapupReported, *, deadline: Deadline) -> EventResult:
        with self._storage_failures_recorded(event, deadline):
            return self._wrapup_done(event, deadline)

    def _wrapup_done(self, event: WrapupReported, deadline: Deadline) -> EventResult:
        subject = _subject_of(event)
        code = event.wrapup_code
        if event.acw_ended and (code is None or code in self.placeholders):
            # Empty fields may be omitted from events (UNCONFIRMED): confirm from the conversation,
            # which also gives what the record carries for reporting.
            found = self._read_agent(event, deadline)
            if isinstance(found, EventResult):
                return found
            participant, read = found
            code = participant.wrapup_code_id or code
            subject = replace(
                read, user_id=subject.user_id or participant.user_id, queue_id=subject.queue_id or read.queue_id
            )
        if code and code not in self.placeholders:
            self.failures.resolve_open(
                subject.conversation_id,
                subject.participant_id,
                f"wrap-up code {code} present at the end of after-call work",
                code,
                deadline=deadline,
            )
            return _result(EventAction.VERIFIED, subject, code_id=code)
        if not event.acw_ended:
            return _result(EventAction.NOTHING_TO_APPLY, subject)
        staged = self.staging.find(subject.conversation_id, subject.participant_id, subject.user_id, deadline=deadline)
        if staged is not None:
            subject = subject.with_code(staged.wrapup_code_id, staged.wrapup_code_name)
        if code:
            failure = build_failure(
                subject,
                SOURCE,
                reason=FailureReason.PLACEHOLDER_CODE,
                message=f"after-call work ended with only the placeholder code {code}",
                found_code=code,
            )
        else:
            failure = build_failure(
                subject,
                SOURCE,
                reason=FailureReason.MISSING_WRAPUP,
                message="after-call work ended without a wrap-up code",
            )
        return self._record(failure, EventAction.MISSING_WRAPUP, deadline)

    # --- shared steps ---------------------------------------------------------------------------
    def _read_agent(self, event: AgentEvent, deadline: Deadline) -> tuple[Participant, Subject] | EventResult:
        """The event's agent participant and what a record about it carries, or the result when there is none."""
        subject = _subject_of(event)
        try:
            conversation = self.genesys.get_conversation(event.conversation_id, deadline=deadline)
        except UpstreamError as exc:
            return self._error(exc.failure, subject, deadline)
        participant = conversation.participant(event.participant_id)
        if participant is None or not participant.is_agent:
            return _result(EventAction.NOT_AN_AGENT, subject)
        queue_id = queue_of(conversation, participant) or event.queue_id
        return participant, replace(subject, queue_id=queue_id).seen_in(conversation, participant)

    def _may_overwrite(self, queue_id: str | None) -> bool:
        rule = self.policy.for_queue(queue_id)
        return rule is not None and rule.overwrite_agent_code

    def _consume(self, intended: Intended, event: AgentEnded, deadline: Deadline) -> None:
        """Consume the staged code, except a code staged for any agent when this agent transferred the
        call: the agent who takes it over gets the same code when their session ends."""
        if intended.staged is None:
            return
        if event.transferred and intended.staged.target == ANY_AGENT:
            return
        self.staging.delete(intended.staged, deadline=deadline)

    def _error(self, error: UpstreamFailure, subject: Subject, deadline: Deadline) -> EventResult:
        failure = build_failure(subject, SOURCE, error=error)
        result = self._record(failure, EventAction.FAILED, deadline)
        if failure.reason not in DECISIONS:
            raise RetryableEventError(f"{failure.reason.value}: {error.description}")
        return result

    def _record(self, failure: Failure, action: EventAction, deadline: Deadline) -> EventResult:
        record_failure(self.failures, failure, deadline=deadline)
        subject = Subject(failure.conversation_id, failure.participant_id)
        return _result(action, subject, reason=failure.reason)

    @contextmanager
    def _storage_failures_recorded(self, event: AgentEvent, deadline: Deadline) -> Iterator[None]:
        """One of our tables failed: record it (if the failure table answers) and raise for a retry."""
        try:
            yield
        except StorageUnavailable as exc:
            failure = storage_failure(_subject_of(event), SOURCE, exc)
            record_failure(self.failures, failure, deadline=deadline)
            raise RetryableEventError(f"{failure.reason.value}: {failure.message}") from exc


def _subject_of(event: AgentEvent) -> Subject:
    return Subject(
        event.conversation_id,
        event.participant_id,
        user_id=event.user_id,
        queue_id=event.queue_id,
        media_type=event.media_type.lower() if event.media_type else None,
        direction=event.direction.lower() if event.direction else None,
    )


def _result(
    action: EventAction,
    subject: Subject,
    *,
    code_id: str | None = None,
    reason: FailureReason | None = None,
    origin: CodeOrigin | None = None,
) -> EventResult:
    return EventResult(
        action=action,
        conversation_id=subject.conversation_id,
        participant_id=subject.participant_id,
        reason=reason,
        code_id=code_id,
        origin=origin,
    )
