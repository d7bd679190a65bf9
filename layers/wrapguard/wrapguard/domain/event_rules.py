"""What the EventBridge path does with each conversation detail event.

- user.end (agent's session ended, window opens): apply the staged code, else the queue policy's
  default; never overwrite a code the agent already set unless the policy says so.
- acw (after-call work ended) and wrapup: verify that a code is present; if not, record
  `missing_wrapup`. A code that is present resolves any open failure for that participant.

Transient failures (rate limited, 5xx, timeout, window not open *yet*) are recorded and then raised,
so Lambda retries and, when retries run out, the event lands in the dead-letter queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..contracts import ApplyWrapupOutput, Outcome
from ..eventbridge.models import AcwEvent, ConversationDetailEvent, UserEndEvent
from ..genesys.errors import GenesysError
from ..genesys.models import Conversation, Participant
from ..settings import WrapupPolicy
from .apply import WrapupService, queue_of
from .codes import CodeCatalog
from .failures import Failure, FailureReason, FailureSource, failure_from_error
from .staging import ANY_AGENT, StagedCode
from .window import WindowState, window_state

TRANSIENT_REASONS = frozenset({FailureReason.RATE_LIMITED, FailureReason.UPSTREAM_ERROR, FailureReason.TIMEOUT})


class RetryableEventError(Exception):
    """Raised so Lambda retries the event (and, when retries run out, sends it to the DLQ)."""


class Action(StrEnum):
    APPLIED = "applied"
    ALREADY_APPLIED = "already_applied"
    AGENT_CODED = "agent_coded"
    NOTHING_TO_APPLY = "nothing_to_apply"
    NOT_AN_AGENT = "not_an_agent"
    FAILED = "failed"
    VERIFIED = "verified"
    MISSING_WRAPUP = "missing_wrapup"
    ALREADY_RECORDED = "already_recorded"


@dataclass
class Intended:
    code_id: str | None
    code_name: str | None
    notes: str | None
    origin: str  # "staged" or "policy"
    staged: StagedCode | None = None


@dataclass
class EventRules:
    wrapup: WrapupService
    policy: WrapupPolicy

    def __post_init__(self) -> None:
        self.wrapup.source = FailureSource.EVENTBRIDGE

    @property
    def genesys(self) -> Any:
        return self.wrapup.genesys

    # --- user.end -------------------------------------------------------------------------------
    def on_agent_end(self, event: UserEndEvent) -> dict[str, Any]:
        cid, pid = event.conversation_id, event.participant_id
        read = self._read_agent(event)
        if isinstance(read, dict):
            return read
        conversation, participant = read
        queue_id = queue_of(conversation, participant) or event.queue_id
        intended = self._intended(cid, participant, queue_id)
        if intended is None:
            return self._done(Action.NOTHING_TO_APPLY, cid, pid)

        current = participant.wrapup_code_id
        state = window_state(participant)
        try:
            code = self._resolve(intended, cid, participant, queue_id)
        except GenesysError as exc:
            return self._error(exc, cid, pid, participant.user_id, queue_id, code=intended.code_id)
        if code is None:
            failure = Failure(
                conversation_id=cid,
                participant_id=pid,
                reason=FailureReason.INVALID_CODE,
                source=FailureSource.EVENTBRIDGE,
                wrapup_code_name=intended.code_name,
                wrapup_code_id=intended.code_id,
                user_id=participant.user_id,
                queue_id=queue_id,
                message=f"{intended.origin} wrap-up code is not valid for queue {queue_id}",
            )
            return self._record(failure, Action.FAILED)
        code_id, code_name = code

        if current == code_id:
            self._clear(intended, event)
            return self._done(Action.ALREADY_APPLIED, cid, pid, code_id=code_id)
        if current and not self._may_overwrite(queue_id):
            self._clear(intended, event)
            return self._done(Action.AGENT_CODED, cid, pid, code_id=current)
        if state is WindowState.NOT_OPEN:
            # user.end arrived but the read still shows the agent connected: let Lambda retry.
            raise RetryableEventError(f"participant {pid} of {cid} is not in after-call work yet")
        if state is WindowState.CLOSED:
            failure = Failure(
                conversation_id=cid,
                participant_id=pid,
                reason=FailureReason.WINDOW_CLOSED,
                source=FailureSource.EVENTBRIDGE,
                wrapup_code_id=code_id,
                wrapup_code_name=code_name or None,
                user_id=participant.user_id,
                queue_id=queue_id,
                message=f"wrap-up window closed before the {intended.origin} code could be applied",
            )
            # A late user.end (after acw) must not double-count what acw already recorded.
            recorded = self.wrapup.failures.record_if_absent(failure)
            return self._done(
                Action.FAILED if recorded else Action.ALREADY_RECORDED, cid, pid, reason=FailureReason.WINDOW_CLOSED
            )

        result = ApplyWrapupOutput(
            outcome=Outcome.FAILED,
            conversation_id=cid,
            participant_id=pid,
            wrapup_code_id=code_id,
            wrapup_code_name=code_name or None,
        )
        result = self.wrapup.apply_now(result, participant, queue_id, notes=intended.notes)
        if result.outcome is Outcome.APPLIED:
            self._clear(intended, event)
            self.wrapup.failures.resolve_open(cid, pid, f"applied {intended.origin} code by the event function")
            return self._done(Action.APPLIED, cid, pid, code_id=code_id, origin=intended.origin)
        reason = FailureReason(result.failure_reason or FailureReason.UPSTREAM_ERROR)
        if reason in TRANSIENT_REASONS:
            raise RetryableEventError(f"{reason.value}: {result.message}")
        return self._done(Action.FAILED, cid, pid, reason=reason)

    # --- acw / wrapup ---------------------------------------------------------------------------
    def on_wrapup_done(self, event: AcwEvent, *, acw_ended: bool) -> dict[str, Any]:
        cid, pid = event.conversation_id, event.participant_id
        code = event.wrapup_code
        participant: Participant | None = None
        if code is None and acw_ended:
            # Empty fields may be omitted from events (UNCONFIRMED): confirm from the conversation.
            read = self._read_agent(event)
            if isinstance(read, dict):
                return read
            participant = read[1]
            code = participant.wrapup_code_id
        if code:
            self.wrapup.failures.resolve_open(cid, pid, f"wrap-up code {code} present at the end of after-call work")
            return self._done(Action.VERIFIED, cid, pid, code_id=code)
        if not acw_ended:
            return self._done(Action.NOTHING_TO_APPLY, cid, pid)
        staged = self.wrapup.staging.find(cid, pid, event.user_id)
        failure = Failure(
            conversation_id=cid,
            participant_id=pid,
            reason=FailureReason.MISSING_WRAPUP,
            source=FailureSource.EVENTBRIDGE,
            user_id=event.user_id or (participant.user_id if participant else None),
            queue_id=event.queue_id,
            wrapup_code_id=staged.wrapup_code_id if staged else None,
            wrapup_code_name=staged.wrapup_code_name if staged else None,
            message="after-call work ended without a wrap-up code",
        )
        return self._record(failure, Action.MISSING_WRAPUP)

    # --- helpers --------------------------------------------------------------------------------
    def _read_agent(self, event: ConversationDetailEvent) -> tuple[Conversation, Participant] | dict[str, Any]:
        """The conversation and the event's agent participant, or the finished result when there is none."""
        cid, pid = event.conversation_id, event.participant_id
        try:
            conversation = self.genesys.get_conversation(cid)
        except GenesysError as exc:
            return self._error(exc, cid, pid, event.user_id, event.queue_id, code=None)
        participant = conversation.participant(pid)
        if participant is None or not participant.is_agent:
            return self._done(Action.NOT_AN_AGENT, cid, pid)
        return conversation, participant

    def _intended(self, cid: str, participant: Participant, queue_id: str | None) -> Intended | None:
        staged = self.wrapup.staging.find(cid, participant.id, participant.user_id)
        if staged is not None:
            return Intended(staged.wrapup_code_id, staged.wrapup_code_name, staged.notes, "staged", staged)
        rule = self.policy.for_queue(queue_id)
        if rule is None or not (rule.default_code_id or rule.default_code_name):
            return None
        return Intended(rule.default_code_id, rule.default_code_name, None, "policy")

    def _may_overwrite(self, queue_id: str | None) -> bool:
        rule = self.policy.for_queue(queue_id)
        return rule is not None and rule.overwrite_agent_code

    def _resolve(
        self, intended: Intended, cid: str, participant: Participant, queue_id: str | None
    ) -> tuple[str, str] | None:
        """Names are resolved among the queue's codes; ids are judged by Genesys on apply."""
        if intended.code_id:
            name = (
                intended.code_name or self.wrapup.catalog.name_of(cid, participant.id, queue_id, intended.code_id) or ""
            )
            return intended.code_id, name
        codes = self.wrapup.catalog.valid_codes(cid, participant.id, queue_id)
        found = CodeCatalog.find(codes, code_id=None, code_name=intended.code_name)
        return (found.id, found.name) if found else None

    def _clear(self, intended: Intended, event: UserEndEvent) -> None:
        """Consume the staged code, except a code staged for any agent when this agent transferred the
        call: the agent who takes it over gets the same code when their session ends."""
        if intended.staged is None:
            return
        transferred = "TRANSFER" in (event.disconnect_type or "").upper()
        if transferred and intended.staged.target == ANY_AGENT:
            return
        self.wrapup.staging.delete(intended.staged)

    def _error(
        self, exc: GenesysError, cid: str, pid: str, user_id: str | None, queue_id: str | None, *, code: str | None
    ) -> dict[str, Any]:
        failure = failure_from_error(
            exc,
            conversation_id=cid,
            participant_id=pid,
            source=FailureSource.EVENTBRIDGE,
            user_id=user_id,
            queue_id=queue_id,
            wrapup_code_id=code,
        )
        result = self._record(failure, Action.FAILED)
        if failure.reason in TRANSIENT_REASONS:
            raise RetryableEventError(f"{failure.reason.value}: {exc}") from exc
        return result

    def _record(self, failure: Failure, action: Action) -> dict[str, Any]:
        self.wrapup.record_failure(failure)
        return self._done(action, failure.conversation_id, failure.participant_id, reason=failure.reason)

    @staticmethod
    def _done(action: Action, cid: str, pid: str, **extra: Any) -> dict[str, Any]:
        result = {"action": action.value, "conversationId": cid, "participantId": pid}
        result.update({k: (v.value if isinstance(v, StrEnum) else v) for k, v in extra.items() if v is not None})
        return result
