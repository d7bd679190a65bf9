"""Wrap-up compliance of ended conversations, from the Analytics conversation details (docs/genesys-api-notes.md s7).

Pure functions: one `ParticipantCheck` per agent participant that handled an ended conversation,
and the counts (checked, coded, missing, placeholder) over any grouping of them. A transferred
conversation has several agent participants, each checked on its own (each agent owes a code);
customers, IVR, ACD and external participants do not take wrap-up codes and are not counted.

A code listed as a placeholder (the platform's wrap-up timeout and, if configured, outbound system
codes: s13) is present but classifies nothing, so it counts as missing ("placeholder").
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from enum import StrEnum

from .model import ConversationDetails, DetailsParticipant, DetailsSegment

# Segments that do not mean the agent handled the interaction (e.g. rang but was not answered).
NOT_HANDLED_SEGMENTS = frozenset({"alert", "dialing", "contacting", "system"})
UNKNOWN = "-"  # dimension value when analytics gives none (a queue-less direct call, no media type)


class CheckOutcome(StrEnum):
    CODED = "coded"
    MISSING = "missing"
    PLACEHOLDER = "placeholder"  # only placeholder codes: counts as missing


@dataclass(frozen=True)
class ParticipantCheck:
    """What the reconciler found for one agent participant of an ended conversation."""

    conversation_id: str
    participant_id: str
    user_id: str | None
    queue_id: str | None
    media_type: str | None  # lower case, as analytics gives it (voice, chat, email, message...)
    direction: str | None  # lower case (inbound, outbound)
    conversation_end: datetime
    outcome: CheckOutcome
    code: str | None  # the real code when coded, the placeholder found when placeholder
    acw_skipped: bool = False

    @property
    def day(self) -> str:
        """The UTC day of the conversation's end: the day every figure is filed under (assumption:
        UTC days; a contact centre in another zone reads day boundaries shifted by its offset)."""
        return utc_day(self.conversation_end)

    @property
    def is_compliant(self) -> bool:
        return self.outcome is CheckOutcome.CODED


def utc_day(moment: datetime) -> str:
    """ISO date of `moment` in UTC (a naive time is taken as UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).date().isoformat()


def check_conversation(conversation: ConversationDetails, placeholders: Collection[str]) -> list[ParticipantCheck]:
    """One check per agent participant that handled the (ended) conversation; [] while it runs."""
    ended = conversation.conversation_end
    if ended is None:
        return []
    return [
        check
        for participant in conversation.participants
        if (check := _check(conversation.conversation_id, ended, participant, placeholders)) is not None
    ]


def _check(
    conversation_id: str, ended: datetime, participant: DetailsParticipant, placeholders: Collection[str]
) -> ParticipantCheck | None:
    # Only purpose "agent" (ACD-routed) is checked: the same rule as the missing wrap-up records.
    if participant.purpose != "agent":
        return None
    handled = [
        (session, segment)
        for session in participant.sessions
        for segment in session.segments
        if (segment.segment_type or "") not in NOT_HANDLED_SEGMENTS
    ]
    if not handled:
        return None
    segments = [s for session in participant.sessions for s in session.segments]
    codes = [s.wrap_up_code for s in segments if s.segment_type == "wrapup" and s.wrap_up_code]
    real = [c for c in codes if c not in placeholders]
    if real:
        outcome, code = CheckOutcome.CODED, real[-1]
    elif codes:
        outcome, code = CheckOutcome.PLACEHOLDER, codes[-1]
    else:
        outcome, code = CheckOutcome.MISSING, None
    session = handled[0][0]
    return ParticipantCheck(
        conversation_id=conversation_id,
        participant_id=participant.participant_id,
        user_id=participant.user_id,
        queue_id=_last_queue(segments),
        media_type=(session.media_type or "").lower() or None,
        direction=(session.direction or "").lower() or None,
        conversation_end=ended,
        outcome=outcome,
        code=code,
        acw_skipped=any(s.acw_skipped for s in participant.sessions),
    )


def _last_queue(segments: list[DetailsSegment]) -> str | None:
    return next((s.queue_id for s in reversed(segments) if s.queue_id), None)


@dataclass
class ComplianceCounts:
    checked: int = 0
    coded: int = 0
    missing: int = 0  # no code at all
    placeholder: int = 0  # only a placeholder code

    def add(self, outcome: CheckOutcome, times: int = 1) -> None:
        self.checked += times
        setattr(self, outcome.value, getattr(self, outcome.value) + times)

    def merge(self, other: ComplianceCounts) -> None:
        for name in COUNT_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def uncoded(self) -> int:
        """Missing in the issue's sense: nothing, or only a placeholder."""
        return self.missing + self.placeholder

    @property
    def compliance_rate(self) -> float | None:
        """Coded / checked, or None when nothing was checked (not 0 %, not 100 %)."""
        return self.coded / self.checked if self.checked else None


COUNT_FIELDS = tuple(f.name for f in fields(ComplianceCounts))


def tally(checks: Iterable[ParticipantCheck]) -> dict[tuple[str, str, str], ComplianceCounts]:
    """Counts per (queue, media type, day); unknown values are filed under UNKNOWN."""
    counts: dict[tuple[str, str, str], ComplianceCounts] = {}
    for check in checks:
        key = (check.queue_id or UNKNOWN, check.media_type or UNKNOWN, check.day)
        counts.setdefault(key, ComplianceCounts()).add(check.outcome)
    return counts
