"""Is the agent participant's wrap-up window open?

"Reserved or completed" has no meaning in the public API (docs/genesys-api-notes.md s2), so the window is
derived from the vendor models (s11):
- open: the agent's latest communication is `disconnected` (not `terminated`) and after-call work
  is not finished (`afterCallWork.state` not complete/skipped/notApplicable, no `endAcwTime`);
- not open yet: the communication is still alerting/connected/dialing/...;
- closed: `terminated`, ACW complete/skipped/not applicable, or `endAcwTime` set.
"""

from __future__ import annotations

from enum import StrEnum

from .model import Conversation, Participant

CLOSED_ACW_STATES = frozenset({"complete", "skipped", "notApplicable"})
ENDED_STATES = frozenset({"disconnected", "terminated"})


class WindowState(StrEnum):
    NOT_OPEN = "not_open"
    OPEN = "open"
    CLOSED = "closed"


def window_state(participant: Participant) -> WindowState:
    comms = participant.communications
    if participant.end_acw_time is not None or participant.wrapup_skipped:
        return WindowState.CLOSED
    if not comms:
        # No media detail at all: fall back to participant timestamps.
        if participant.end_time is None:
            return WindowState.NOT_OPEN
        return WindowState.OPEN if participant.start_acw_time is not None else WindowState.CLOSED
    # A participant can hold several communications (e.g. consult); the wrap-up belongs to the last.
    comm = comms[-1]
    if comm.state == "terminated":
        return WindowState.CLOSED
    if comm.after_call_work and comm.after_call_work.state in CLOSED_ACW_STATES:
        return WindowState.CLOSED
    if comm.state == "disconnected" or participant.end_time is not None:
        if participant.wrapup_required is False and comm.after_call_work is None:
            # No wrap-up expected for this participant, and no ACW session started.
            return WindowState.CLOSED
        return WindowState.OPEN
    return WindowState.NOT_OPEN


def find_agent_participant(conversation: Conversation, user_id: str | None = None) -> Participant | None:
    """The most recent agent participant (optionally that user's): latest start time wins."""
    agents = [p for p in conversation.participants if p.is_agent and (user_id is None or p.user_id == user_id)]
    if not agents:
        return None
    # Participants are listed in join order; start time breaks ties for re-ordered answers.
    indexed = list(enumerate(agents))
    indexed.sort(key=lambda item: (item[1].start_time.timestamp() if item[1].start_time else 0.0, item[0]))
    return indexed[-1][1]
