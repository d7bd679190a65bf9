"""Write a wrap-up code to a participant whose window is open, and learn what Genesys holds afterwards.

- A refusal (400/409/422) is classified by re-reading, never by status alone: the platform's status
  and error code for a closed window are unpublished (docs/genesys-api-notes.md s3, s11).
- A PATCH that timed out or answered 5xx may still have taken effect, so it is never sent again
  blindly: the participant is re-read first and the PATCH repeated only while no code is set.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools import Logger

from .. import SERVICE
from .deadline import Deadline
from .failures import Failure, FailureReason, FailureSource, Subject, build_failure
from .model import Participant, UpstreamError, UpstreamFailure, UpstreamKind, WrapupWrite
from .ports import GenesysPort
from .window import WindowState, window_state

logger = Logger(service=SERVICE, child=True)

# PATCHes sent after the first one whose outcome was unknown (each only after a re-read shows no code).
MAX_RESENDS = 1


@dataclass(frozen=True)
class WriteResult:
    """`applied`, or the failure to record (not yet recorded), or the code another writer set first."""

    applied: bool
    failure: Failure | None = None
    current_code_id: str | None = None


@dataclass
class WrapupWriter:
    genesys: GenesysPort

    def write(
        self,
        subject: Subject,
        notes: str | None,
        source: FailureSource,
        *,
        before: str | None = None,
        deadline: Deadline,
    ) -> WriteResult:
        """PATCH the code; `before` is the code the participant held when the writer decided (read
        under the lease), so an unanswered PATCH is not mistaken for another writer's code."""
        assert subject.wrapup_code_id is not None
        body = WrapupWrite(code_id=subject.wrapup_code_id, code_name=subject.wrapup_code_name, notes=notes)
        for resend in range(MAX_RESENDS + 1):
            try:
                self.genesys.apply_wrapup(subject.conversation_id, subject.participant_id, body, deadline=deadline)
            except UpstreamError as exc:
                error = exc.failure
                if error.kind is UpstreamKind.REFUSED:
                    return WriteResult(False, self._classify_refusal(subject, error, source, deadline=deadline))
                if not error.outcome_unknown:
                    return WriteResult(False, build_failure(subject, source, error=error))
                last_try = resend == MAX_RESENDS
                settled = self._settle_unknown(
                    subject, error, source, before=before, last_try=last_try, deadline=deadline
                )
                if settled is not None:
                    return settled
                continue
            logger.info(
                "wrap-up applied",
                extra={"participant_id": subject.participant_id, "wrapup_code_id": subject.wrapup_code_id},
            )
            return WriteResult(True)
        raise AssertionError("unreachable: the last try always settles")  # pragma: no cover

    def _settle_unknown(
        self,
        subject: Subject,
        exc: UpstreamFailure,
        source: FailureSource,
        *,
        before: str | None,
        last_try: bool,
        deadline: Deadline,
    ) -> WriteResult | None:
        """After a PATCH with an unknown outcome: what Genesys holds now, or None to send it again."""
        try:
            fresh = self._reread(subject, deadline=deadline)
        except UpstreamError:
            return WriteResult(False, build_failure(subject, source, error=exc))
        current = fresh.wrapup_code_id if fresh else None
        if current == subject.wrapup_code_id:
            logger.info("wrap-up applied (confirmed by re-reading after an unanswered PATCH)")
            return WriteResult(True)
        if current is not None and current != before:
            return WriteResult(False, current_code_id=current)  # set by someone else meanwhile (the agent)
        if fresh is None or window_state(fresh) is not WindowState.OPEN:
            return WriteResult(False, build_failure(subject, source, reason=FailureReason.WINDOW_CLOSED, error=exc))
        return WriteResult(False, build_failure(subject, source, error=exc)) if last_try else None

    def _classify_refusal(
        self, subject: Subject, exc: UpstreamFailure, source: FailureSource, *, deadline: Deadline
    ) -> Failure:
        """Learn why Genesys refused: re-read the participant once, then check the code's validity."""
        reason = FailureReason.UPSTREAM_ERROR
        try:
            fresh = self._reread(subject, deadline=deadline)
            if fresh is None or window_state(fresh) is WindowState.CLOSED:
                reason = FailureReason.WINDOW_CLOSED
            else:
                valid = self.genesys.participant_wrapup_codes(
                    subject.conversation_id, subject.participant_id, deadline=deadline
                )
                if subject.wrapup_code_id not in {c.id for c in valid}:
                    reason = FailureReason.INVALID_CODE
        except UpstreamError as reread:
            logger.warning("could not re-read after a refused apply", extra={"error": str(reread)})
        return build_failure(subject, source, reason=reason, error=exc)

    def _reread(self, subject: Subject, *, deadline: Deadline) -> Participant | None:
        conversation = self.genesys.get_conversation(subject.conversation_id, deadline=deadline)
        return conversation.participant(subject.participant_id)
