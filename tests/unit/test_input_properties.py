"""Property-based tests of what reaches wrapguard from outside: the data action input and the event envelope.

Whatever arrives, the only errors are typed ones (InvalidInputError naming fields; MalformedEventError
or RetryableEventError on the event path), and input that is rejected writes nothing: no failure
record, no staged code, no Genesys call.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.fakes import InMemoryFailures, InMemoryStaging, leases
from tests.support.world import World
from wrapguard.contracts import ApplyWrapupInput, ApplyWrapupOutput, InvalidInputError
from wrapguard.domain.apply import WrapupService
from wrapguard.domain.codes import CodeCatalog
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.event_rules import EventRules, RetryableEventError
from wrapguard.domain.policy import WrapupPolicy
from wrapguard.eventbridge.processing import EventProcessor, MalformedEventError
from wrapguard.identifiers import is_uuid

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
EVENTS = Path(__file__).resolve().parents[2] / "events"
INPUT_FIELDS = {"conversationId", "participantId", "userId", "wrapupCodeId", "wrapupCodeName", "notes", "input"}
UUID_LIKE = st.one_of(
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
    st.uuids().map(lambda u: "{" + str(u) + "}"),
    st.uuids().map(lambda u: "+" + u.hex),
    st.uuids().map(lambda u: str(u).replace("-", "_")),
    st.uuids().map(lambda u: str(u) + "\n"),
    st.uuids().map(lambda u: "urn:uuid:" + str(u)),
    st.text(max_size=40),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30) | UUID_LIKE,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


@given(
    st.one_of(
        st.dictionaries(st.sampled_from(sorted(INPUT_FIELDS - {"input"})), JSON_VALUES, max_size=6),
        JSON_VALUES,
    )
)
@SETTINGS
def test_data_action_input_is_parsed_or_rejected_naming_fields(raw: Any) -> None:
    try:
        request = ApplyWrapupInput.parse(raw)
    except InvalidInputError as exc:
        assert exc.fields and set(exc.fields) <= INPUT_FIELDS | {f"{f}.{i}" for f in INPUT_FIELDS for i in range(9)}
        assert "Traceback" not in str(exc)
        return
    for value in (request.conversation_id, request.participant_id, request.user_id, request.wrapup_code_id):
        assert value is None or (is_uuid(value) and value == value.lower())
    assert (request.wrapup_code_id is None) != (request.wrapup_code_name is None)


@given(st.dictionaries(st.sampled_from(sorted(INPUT_FIELDS - {"input"})), JSON_VALUES, max_size=6))
@SETTINGS
def test_rejected_data_action_input_writes_nothing(world: World, raw: dict[str, Any]) -> None:
    genesys = world.gateway()
    failures, staging = InMemoryFailures(), InMemoryStaging()
    service = WrapupService(genesys, failures, staging, CodeCatalog(genesys), leases())
    world.sim.reset_counters()
    try:
        request = ApplyWrapupInput.parse(raw)
    except InvalidInputError:
        assert failures.items == {} and staging.items == {} and sum(world.sim.counters.values()) == 0
        return
    try:
        ApplyWrapupOutput.answer(
            service.apply(request.to_request(), deadline=Deadline.unbounded())
        )  # well-formed ids of conversations the simulator does not know
    except InvalidInputError as exc:
        assert exc.fields == ["participantId"]
        assert failures.items == {} and staging.items == {}


def _sample_events() -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in sorted(EVENTS.glob("eventbridge-*.json"))]


PATHS = [
    ("detail",),
    ("detail", "topicName"),
    ("detail", "eventBody"),
    ("detail", "eventBody", "conversationId"),
    ("detail", "eventBody", "participantId"),
    ("detail", "eventBody", "eventTime"),
    ("detail", "eventBody", "wrapupCode"),
    ("detail", "eventBody", "userId"),
    ("detail", "eventBody", "queueId"),
    ("detail-type",),
    ("source",),
    ("time",),
    ("id",),
]


@given(
    st.integers(min_value=0, max_value=len(_sample_events()) - 1),
    st.lists(st.tuples(st.sampled_from(PATHS), st.one_of(st.just(...), JSON_VALUES)), min_size=1, max_size=4),
)
@SETTINGS
def test_any_event_envelope_gives_a_result_or_a_typed_error(
    world: World, index: int, mutations: list[tuple[tuple[str, ...], Any]]
) -> None:
    event: Any = copy.deepcopy(_sample_events()[index])
    for path, value in mutations:
        parent = event
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict):
            if value is ...:
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = value
    genesys = world.gateway()
    failures, staging = InMemoryFailures(), InMemoryStaging()
    rules = EventRules(genesys, failures, staging, CodeCatalog(genesys), WrapupPolicy(), leases("eventbridge"))
    try:
        result = EventProcessor(rules, persistence=None).handle(event, deadline=Deadline.unbounded())
    except MalformedEventError:
        assert failures.items == {} and staging.items == {}  # not attributable: the DLQ keeps it
        return
    except RetryableEventError:
        return  # e.g. a conversation the simulator does not know yet: recorded and retried
    assert result.action.value
    assert all(is_uuid(cid) and is_uuid(pid) for cid, pid in failures.items)


@pytest.mark.parametrize("suffix", ["\n", " ", "x"])
def test_topic_with_anything_after_it_is_not_handled(world: World, suffix: str) -> None:
    event = _sample_events()[0]
    event["detail"]["topicName"] += suffix
    genesys = world.gateway()
    failures = InMemoryFailures()
    rules = EventRules(genesys, failures, InMemoryStaging(), CodeCatalog(genesys), WrapupPolicy(), leases())
    assert (
        EventProcessor(rules, persistence=None).handle(event, deadline=Deadline.unbounded()).action.value == "ignored"
    )
    assert failures.items == {}
