from __future__ import annotations

from typing import Any

import pytest

from wrapguard.domain.model import Participant
from wrapguard.domain.window import WindowState, find_agent_participant, window_state
from wrapguard.genesys import models as wire
from wrapguard.genesys.gateway import conversation_of, participant_of


def agent(**fields: Any) -> Participant:
    body: dict[str, Any] = {"id": "p1", "purpose": "agent", "userId": "u1", "wrapupRequired": True}
    call = fields.pop("call", None)
    body.update(fields)
    if call is not None:
        body["calls"] = [{"id": "c1", **call}]
    return participant_of(wire.Participant.model_validate(body))


@pytest.mark.parametrize(
    ("participant", "expected"),
    [
        (agent(call={"state": "alerting"}), WindowState.NOT_OPEN),
        (agent(call={"state": "connected"}), WindowState.NOT_OPEN),
        (agent(call={"state": "disconnected", "afterCallWork": {"state": "pending"}}), WindowState.OPEN),
        (agent(call={"state": "disconnected"}), WindowState.OPEN),
        (agent(call={"state": "disconnected", "afterCallWork": {"state": "complete"}}), WindowState.CLOSED),
        (agent(call={"state": "disconnected", "afterCallWork": {"state": "skipped"}}), WindowState.CLOSED),
        (agent(call={"state": "terminated"}), WindowState.CLOSED),
        (agent(call={"state": "disconnected"}, endAcwTime="2026-01-01T00:00:00Z"), WindowState.CLOSED),
        (agent(call={"state": "disconnected"}, wrapupRequired=False), WindowState.CLOSED),
        (agent(), WindowState.NOT_OPEN),
        (agent(endTime="2026-01-01T00:00:00Z", startAcwTime="2026-01-01T00:00:00Z"), WindowState.OPEN),
        (agent(endTime="2026-01-01T00:00:00Z"), WindowState.CLOSED),
    ],
)
def test_window_state(participant: Participant, expected: WindowState) -> None:
    assert window_state(participant) is expected


def test_latest_communication_decides() -> None:
    p = participant_of(
        wire.Participant.model_validate(
            {
                "id": "p",
                "purpose": "agent",
                "userId": "u",
                "calls": [{"id": "a", "state": "terminated"}, {"id": "b", "state": "disconnected"}],
            }
        )
    )
    assert window_state(p) is WindowState.OPEN


def test_find_agent_participant_latest_and_by_user() -> None:
    conv = conversation_of(
        wire.Conversation.model_validate(
            {
                "id": "c",
                "participants": [
                    {"id": "cust", "purpose": "customer"},
                    {"id": "a1", "purpose": "agent", "userId": "u1", "startTime": "2026-01-01T00:01:00Z"},
                    {"id": "a2", "purpose": "agent", "userId": "u2", "startTime": "2026-01-01T00:05:00Z"},
                    {"id": "acd", "purpose": "acd", "queueId": "q"},
                    {"id": "x", "purpose": "user"},  # a user participant without userId: not an agent we can code
                ],
            }
        )
    )
    found = find_agent_participant(conv)
    assert found is not None and found.id == "a2"
    by_user = find_agent_participant(conv, "u1")
    assert by_user is not None and by_user.id == "a1"
    assert find_agent_participant(conv, "nobody") is None


def test_existing_code_read_from_participant_or_communication() -> None:
    p = agent(call={"state": "disconnected", "wrapup": {"code": "k1"}})
    assert p.wrapup_code_id == "k1"
    assert agent(wrapup={"code": "k2"}).wrapup_code_id == "k2"
