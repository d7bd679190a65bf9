"""Our request bodies, our pydantic models and the simulator's answers use only fields the vendor's
published models define, so the tests' simulator cannot drift into quirks of its own."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel

from genesys_simulator.state import _error
from tests.contract.vendor_models import json_fields
from tests.support.world import World, ended_call
from wrapguard.eventbridge import models as events
from wrapguard.genesys import analytics
from wrapguard.genesys import models as ours
from wrapguard.genesys.models import MEDIA_FIELDS, WrapupInput

pytestmark = pytest.mark.contract


def aliases(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


@pytest.mark.parametrize(
    ("model", "vendor"),
    [
        (ours.Conversation, "Conversation"),
        (ours.Participant, "Participant"),
        (ours.Communication, "Call"),
        (ours.AfterCallWork, "AfterCallWork"),
        (ours.Wrapup, "Wrapup"),
        (ours.WrapupInput, "WrapupInput"),
        (ours.WrapupCode, "WrapupCode"),
        (ours.WrapupCodePage, "WrapupCodeEntityListing"),
        (ours.ErrorBody, "ErrorBody"),
        (analytics.AnalyticsConversation, "AnalyticsConversation"),
        (analytics.AnalyticsParticipant, "AnalyticsParticipant"),
        (analytics.AnalyticsSession, "AnalyticsSession"),
        (analytics.AnalyticsSegment, "AnalyticsConversationSegment"),
        (analytics.DetailsQueryResponse, "AnalyticsConversationQueryResponse"),
        (analytics.AsyncJob, "AsyncQueryResponse"),
        (analytics.AsyncJobStatus, "AsyncQueryStatus"),
        (analytics.AsyncJobResults, "AnalyticsConversationAsyncQueryResponse"),
        (events.UserEndEvent, "UserEndDetailEventTopicUserEndEvent"),
        (events.AcwEvent, "AcwDetailEventTopicAfterCallWorkEvent"),
    ],
)
def test_our_models_only_use_vendor_fields(model: type[BaseModel], vendor: str) -> None:
    assert aliases(model) <= json_fields(vendor), aliases(model) - json_fields(vendor)


def test_wrapup_event_is_the_acw_body_without_user_id() -> None:
    assert aliases(events.WrapupEvent) - {"userId"} <= json_fields("WrapupDetailEventTopicWrapupEvent")
    assert "userId" not in json_fields("WrapupDetailEventTopicWrapupEvent")


def test_apply_request_body_is_a_media_participant_request() -> None:
    body = WrapupInput(code="c", name="n", notes="x").request_body()
    assert set(body) <= json_fields("MediaParticipantRequest")
    assert set(body["wrapup"]) <= json_fields("WrapupInput")


def keys_of(value: Any) -> set[str]:
    return set(value) if isinstance(value, dict) else set()


def test_simulator_answers_use_vendor_fields(world: World) -> None:
    cid, pid = world.call_in_acw()
    world.sim.complete_acw(cid, pid, agent_code=world.resolved)
    conversation = world.sim.conversations[cid].to_api()
    assert keys_of(conversation) <= json_fields("Conversation")
    for participant in conversation["participants"]:
        assert keys_of(participant) <= json_fields("Participant")
        for media in set(participant) & set(MEDIA_FIELDS):
            for comm in participant[media]:
                assert keys_of(comm) <= json_fields("Call")
                assert keys_of(comm.get("afterCallWork")) <= json_fields("AfterCallWork")
                assert keys_of(comm.get("wrapup")) <= json_fields("Wrapup")
        assert keys_of(participant.get("wrapup")) <= json_fields("Wrapup")
    assert keys_of(_error(409, "m", "c").body) <= json_fields("ErrorBody")


def test_simulator_analytics_and_events_use_vendor_fields(world: World) -> None:
    start = datetime.now(UTC) - timedelta(minutes=30)
    cid, pid = ended_call(world, start, coded=True)
    detail = world.sim.analytics_conversation(world.sim.conversations[cid])
    assert keys_of(detail) <= json_fields("AnalyticsConversation")
    for participant in detail["participants"]:
        assert keys_of(participant) <= json_fields("AnalyticsParticipant")
        for session in participant["sessions"]:
            assert keys_of(session) <= json_fields("AnalyticsSession")
            for segment in session["segments"]:
                assert keys_of(segment) <= json_fields("AnalyticsConversationSegment")
    bodies = {
        "user.end": "UserEndDetailEventTopicUserEndEvent",
        "acw": "AcwDetailEventTopicAfterCallWorkEvent",
        "wrapup": "WrapupDetailEventTopicWrapupEvent",
    }
    for topic, vendor in bodies.items():
        body = world.sim.event(cid, pid, topic)["detail"]["eventBody"]
        assert keys_of(body) <= json_fields(vendor), (topic, keys_of(body) - json_fields(vendor))
    assert json.dumps(detail)
