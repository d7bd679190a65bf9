from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from genesys_simulator import Fault
from tests.support.fakes import InMemoryFailures, InMemoryLeases, InMemoryStaging, deadline, leases, unavailable
from tests.support.world import World
from wrapguard.domain.codes import CodeCatalog
from wrapguard.domain.errors import StorageUnavailable
from wrapguard.domain.event_rules import EventRules, RetryableEventError
from wrapguard.domain.events import AgentEnded, WrapupReported
from wrapguard.domain.failures import FailureReason, FailureSource, Subject, build_failure
from wrapguard.domain.policy import WrapupPolicy
from wrapguard.domain.staging import ANY_AGENT, StagedCode
from wrapguard.eventbridge.models import AcwEvent, UserEndEvent
from wrapguard.eventbridge.processing import EventProcessor, MalformedEventError

EVENTS = Path(__file__).resolve().parents[2] / "events"


class Harness:
    def __init__(self, world: World, policy: dict[str, Any] | None = None) -> None:
        self.world = world
        self.genesys = world.gateway()
        self.failures = InMemoryFailures()
        self.staging = InMemoryStaging()
        self.leases = InMemoryLeases()
        self.rules = EventRules(
            self.genesys,
            self.failures,
            self.staging,
            CodeCatalog(self.genesys),
            WrapupPolicy.model_validate(policy or {}),
            leases("eventbridge", self.leases),
        )
        self.processor = EventProcessor(self.rules, persistence=None)

    def stage(self, cid: str, code: str, target: str = ANY_AGENT, name: str | None = None) -> None:
        self.staging.put(
            StagedCode(
                conversation_id=cid,
                target=target,
                wrapup_code_id=code,
                wrapup_code_name=name,
                staged_at=datetime.now(UTC),
            ),
            deadline=deadline(),
        )

    def feed(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self.processor.handle(e, deadline=deadline()).to_response() for e in events]


@pytest.fixture
def h(world: World) -> Harness:
    return Harness(world)


def test_sample_events_parse() -> None:
    kinds = {}
    for path in sorted(EVENTS.glob("eventbridge-*.json")):
        from aws_lambda_powertools.utilities.parser import parse

        from wrapguard.eventbridge.models import BODY_MODELS, GenesysEventBridgeEvent, Topic

        event = parse(event=json.loads(path.read_text()), model=GenesysEventBridgeEvent)
        topic = event.topic()
        assert topic is not None
        body = BODY_MODELS[Topic(topic[1])].model_validate(event.detail.event_body)
        kinds[path.name] = type(body)
    assert kinds["eventbridge-user-end.json"] is UserEndEvent
    assert kinds["eventbridge-acw-missing-wrapup.json"] is AcwEvent


def test_staged_code_applied_when_agent_ends_then_verified(h: Harness) -> None:
    w = h.world
    cid, pid = w.sim.new_call(w.support_queue)
    h.stage(cid, w.escalated)
    (ended,) = h.feed(w.sim.agent_disconnect(cid, pid))
    assert ended["action"] == "applied" and ended["origin"] == "staged"
    assert w.sim.applied_code(cid, pid) == w.escalated
    assert h.staging.items == {}
    results = h.feed(w.sim.complete_acw(cid, pid))
    assert results[-1]["action"] == "verified"
    assert h.failures.items == {}


def test_code_staged_for_any_agent_follows_a_transfer(h: Harness) -> None:
    w = h.world
    cid = w.sim.start_conversation()
    h.stage(cid, w.escalated)  # staged in the IVR, before any agent
    first = w.sim.route_to_agent(cid, w.support_queue)
    (first_end,) = w.sim.agent_disconnect(cid, first)
    first_end["detail"]["eventBody"]["disconnectType"] = "TRANSFER"
    assert h.feed([first_end])[0]["action"] == "applied"
    second = w.sim.route_to_agent(cid, w.support_queue)
    assert h.feed(w.sim.agent_disconnect(cid, second))[0]["action"] == "applied"
    assert w.sim.applied_code(cid, first) == w.sim.applied_code(cid, second) == w.escalated
    assert h.staging.items == {}  # consumed by the agent who ended the interaction


def test_warm_path_is_read_plus_apply(h: Harness) -> None:
    w = h.world
    warm_cid, warm_pid = w.sim.new_call(w.support_queue)
    h.stage(warm_cid, w.resolved)
    h.feed(w.sim.agent_disconnect(warm_cid, warm_pid))
    cid, pid = w.sim.new_call(w.support_queue)
    h.stage(cid, w.resolved)
    events = w.sim.agent_disconnect(cid, pid)
    w.sim.reset_counters()
    h.feed(events)
    assert dict(w.sim.counters) == {"get_conversation": 1, "patch_participant": 1}


def test_policy_default_by_name_when_nothing_staged(world: World) -> None:
    h = Harness(world, {"queues": {world.support_queue: {"defaultCodeName": "Resolved"}}})
    cid, pid = world.sim.new_call(world.support_queue)
    (result,) = h.feed(world.sim.agent_disconnect(cid, pid))
    assert result["action"] == "applied" and result["origin"] == "policy"
    assert world.sim.applied_code(cid, pid) == world.resolved


def test_no_staged_code_and_no_policy_does_nothing(h: Harness) -> None:
    w = h.world
    cid, pid = w.sim.new_call(w.support_queue)
    (result,) = h.feed(w.sim.agent_disconnect(cid, pid))
    assert result["action"] == "nothing_to_apply"
    assert w.sim.counters["patch_participant"] == 0


def test_agent_choice_is_not_overwritten_unless_policy_says_so(world: World) -> None:
    for overwrite, expected_code in ((False, world.escalated), (True, world.resolved)):
        h = Harness(world, {"default": {"defaultCodeId": world.resolved, "overwriteAgentCode": overwrite}})
        cid, pid = world.sim.new_call(world.support_queue)
        events = world.sim.agent_disconnect(cid, pid)
        world.sim.conversations[cid].participant(pid).wrapup = {"code": world.escalated}  # type: ignore[union-attr]
        (result,) = h.feed(events)
        assert result["action"] == ("applied" if overwrite else "agent_coded")
        assert world.sim.applied_code(cid, pid) == expected_code


def test_agent_skipped_wrapup_is_recorded_missing(h: Harness) -> None:
    w = h.world
    cid, pid = w.sim.new_call(w.support_queue)
    h.feed(w.sim.agent_disconnect(cid, pid))
    (result,) = h.feed(w.sim.skip_acw(cid, pid))
    assert result["action"] == "missing_wrapup"
    item = h.failures.items[(cid, pid)]
    assert item["reason"] == "missing_wrapup" and item["source"] == "eventbridge"


def test_acw_event_with_code_needs_no_genesys_call(h: Harness) -> None:
    w = h.world
    cid, pid = w.sim.new_call(w.support_queue)
    w.sim.agent_disconnect(cid, pid)
    events = w.sim.complete_acw(cid, pid, agent_code=w.resolved)
    w.sim.reset_counters()
    results = h.feed(events)
    assert [r["action"] for r in results] == ["verified", "verified"]
    assert sum(w.sim.counters.values()) == 0


def test_reordered_acw_before_user_end_counts_once(h: Harness) -> None:
    w = h.world
    cid, pid = w.sim.new_call(w.support_queue)
    h.stage(cid, w.resolved)
    user_end = w.sim.agent_disconnect(cid, pid)
    acw = w.sim.skip_acw(cid, pid)
    assert h.feed(acw)[0]["action"] == "missing_wrapup"
    late = h.feed(user_end)[0]
    assert late["action"] == "already_recorded"
    item = h.failures.items[(cid, pid)]
    assert item["attempts"] == 1 and item["reason"] == "missing_wrapup"
    assert item["wrapup_code_id"] == w.resolved  # the reviewer sees what was intended
    assert w.sim.counters["patch_participant"] == 0


def test_staged_code_invalid_by_the_time_the_window_opens(h: Harness) -> None:
    w = h.world
    cid, pid = w.sim.new_call(w.support_queue)
    h.stage(cid, w.escalated)
    w.sim.queues[w.support_queue].remove(w.escalated)  # admin removed the code from the queue meanwhile
    (result,) = h.feed(w.sim.agent_disconnect(cid, pid))
    assert result["action"] == "failed" and result["reason"] == "invalid_code"
    assert h.failures.items[(cid, pid)]["http_status"] == 400


def test_transient_failure_is_recorded_and_raised_for_retry(h: Harness) -> None:
    w = h.world
    cid, pid = w.sim.new_call(w.support_queue)
    h.stage(cid, w.resolved)
    events = w.sim.agent_disconnect(cid, pid)
    w.sim.inject(Fault(endpoint="patch_participant", status=503, times=-1))
    with pytest.raises(RetryableEventError):
        h.feed(events)
    assert h.failures.items[(cid, pid)]["reason"] == "upstream_error"
    w.sim.clear_faults()
    (retry,) = h.feed(events)
    assert retry["action"] == "applied"
    assert h.failures.items[(cid, pid)]["status"] == "resolved"


@pytest.mark.parametrize("status", [401, 403, 404, 429])
def test_refusals_that_are_not_decisions_are_retried_not_saved(h: Harness, status: int) -> None:
    """A 401 (after the token refresh), 403, 404 or 429 says nothing final about the wrap-up: retry."""
    w = h.world
    cid, pid = w.sim.new_call(w.support_queue)
    h.stage(cid, w.resolved)
    events = w.sim.agent_disconnect(cid, pid)
    w.sim.inject(Fault(endpoint="get_conversation", status=status, times=-1))
    with pytest.raises(RetryableEventError):
        h.feed(events)
    w.sim.clear_faults()
    (retry,) = h.feed(events)
    assert retry["action"] == "applied" and w.sim.applied_code(cid, pid) == w.resolved


def test_user_end_before_the_read_shows_acw_is_retried(h: Harness) -> None:
    w = h.world
    cid, pid = w.sim.new_call(w.support_queue)
    h.stage(cid, w.resolved)
    early = w.sim.event(cid, pid, "user.end")  # still connected in the conversation read
    with pytest.raises(RetryableEventError, match="not in after-call work"):
        h.feed([early])


def test_unknown_topics_are_ignored(h: Harness) -> None:
    w = h.world
    cid, pid = w.sim.new_call(w.support_queue)
    event = w.sim.event(cid, pid, "user.end")
    event["detail"]["topicName"] = event["detail"]["topicName"].replace("user.end", "customer.start")
    assert h.feed([event])[0]["action"] == "ignored"
    assert sum(w.sim.counters.values()) == 0


def test_malformed_body_with_ids_is_recorded(h: Harness) -> None:
    w = h.world
    cid, pid = w.sim.new_call(w.support_queue)
    event = copy.deepcopy(w.sim.event(cid, pid, "user.end"))
    event["detail"]["eventBody"]["eventTime"] = "not-a-number"
    (result,) = h.feed([event])
    assert result["action"] == "malformed_recorded" and "eventTime" in result["fields"]
    assert h.failures.items[(cid, pid)]["reason"] == "upstream_error"


def test_malformed_event_without_ids_raises_for_the_dlq(h: Harness) -> None:
    with pytest.raises(MalformedEventError, match="detail"):
        h.feed([{"version": "0", "detail-type": "x", "source": "y"}])


@pytest.mark.parametrize("placeholders", [frozenset({"ININ-WRAP-UP-TIMEOUT"}), frozenset()])
def test_acw_ending_with_only_a_placeholder_code(world: World, placeholders: frozenset[str]) -> None:
    h = Harness(world)
    h.rules.placeholders = placeholders
    w = h.world
    cid, pid = w.sim.new_call(w.support_queue)
    h.feed(w.sim.agent_disconnect(cid, pid))
    # An earlier failure, which a real code would resolve and a placeholder must not.
    earlier = build_failure(
        Subject(cid, pid), FailureSource.DATA_ACTION, reason=FailureReason.WINDOW_CLOSED, message="m"
    )
    h.failures.record(earlier, deadline=deadline())
    wrapup_event, acw_event = w.sim.complete_acw(cid, pid, agent_code="ININ-WRAP-UP-TIMEOUT")
    results = h.feed([wrapup_event, acw_event])
    item = h.failures.items[(cid, pid)]
    if placeholders:
        # The wrapup event alone decides nothing; the end of after-call work records the placeholder.
        assert [r["action"] for r in results] == ["nothing_to_apply", "missing_wrapup"]
        assert results[1]["reason"] == "placeholder_code"
        assert (item["reason"], item["found_code"], item["status"]) == (
            "placeholder_code",
            "ININ-WRAP-UP-TIMEOUT",
            "open",
        )
        assert (item["media_type"], item["direction"], item["queue_id"]) == ("voice", "inbound", w.support_queue)
        assert item["conversation_end"] is not None
    else:
        assert [r["action"] for r in results] == ["verified", "verified"]
        assert item["status"] == "resolved"


# --- our own tables failing (issue 15 defect 3): recorded, then raised so the event is retried --------
@pytest.mark.parametrize(
    ("table", "operation", "reason"),
    [
        ("lease", "leases.acquire", "upstream_error"),
        ("staging", "staging.find", "upstream_error"),
        ("lease", "leases.acquire", "timeout"),
    ],
)
def test_a_storage_failure_on_agent_end_is_recorded_and_retried(
    h: Harness, table: str, operation: str, reason: str
) -> None:
    w = h.world
    cid, pid = w.sim.new_call(w.support_queue)
    h.stage(cid, w.escalated)
    w.sim.agent_disconnect(cid, pid)
    failure = unavailable(operation, "DeadlineExceeded" if reason == "timeout" else "ThrottlingException")
    if table == "lease":
        h.leases.fail = failure
    else:
        h.staging.fail = failure
    with pytest.raises(RetryableEventError, match=operation):
        h.rules.on_agent_end(AgentEnded(cid, pid), deadline=deadline())
    item = h.failures.items[(cid, pid)]
    assert item["reason"] == reason and operation in item["message"]
    assert w.sim.apply_count(cid, pid) == 0
    h.leases.fail = h.staging.fail = None  # the retry finds the tables back: nothing was lost
    assert h.rules.on_agent_end(AgentEnded(cid, pid), deadline=deadline()).action.value == "applied"


def test_a_storage_failure_at_the_end_of_acw_is_recorded_and_retried(h: Harness) -> None:
    w = h.world
    cid, pid = w.sim.new_call(w.support_queue)
    w.sim.agent_disconnect(cid, pid)
    w.sim.complete_acw(cid, pid)
    h.staging.fail = unavailable("staging.find")
    with pytest.raises(RetryableEventError):
        h.rules.on_wrapup_done(WrapupReported(cid, pid, acw_ended=True), deadline=deadline())
    assert "staging.find" in h.failures.items[(cid, pid)]["message"]


def test_a_storage_failure_that_cannot_be_recorded_is_raised_as_is(h: Harness) -> None:
    w = h.world
    cid, pid = w.sim.new_call(w.support_queue)
    w.sim.agent_disconnect(cid, pid)
    h.leases.fail = unavailable("leases.acquire")
    h.failures.fail_writes = True
    with pytest.raises(StorageUnavailable):
        h.rules.on_agent_end(AgentEnded(cid, pid), deadline=deadline())
    assert h.failures.items == {}
