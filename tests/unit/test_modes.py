"""Modes through every path (issue 17): observe decides as enforce and sends no PATCH; off does nothing.

The PATCH counter is the simulator's (`patch_participant`): an observe path that wrote anything fails here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from genesys_simulator import Fault
from tests.support.fakes import (
    InMemoryCheckpoints,
    InMemoryCompliance,
    InMemoryFailures,
    InMemoryStaging,
    deadline,
    leases,
    modes,
)
from tests.support.world import World
from wrapguard.contracts import ApplyWrapupInput, ApplyWrapupOutput
from wrapguard.domain.apply import WrapupService
from wrapguard.domain.codes import CodeCatalog
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.event_rules import EventRules
from wrapguard.domain.failures import FailureSource
from wrapguard.domain.modes import Mode
from wrapguard.domain.policy import WrapupPolicy
from wrapguard.domain.reconcile import Reconciler
from wrapguard.domain.staging import ANY_AGENT, StagedCode
from wrapguard.eventbridge.processing import EventProcessor
from wrapguard.genesys.gateway import AnalyticsGateway


def policy(document: dict[str, Any]) -> WrapupPolicy:
    return WrapupPolicy.model_validate(document)


class Paths:
    """The data action, the event path and a review retry over one world and one set of tables."""

    def __init__(self, world: World, document: dict[str, Any], default: Mode = Mode.ENFORCE) -> None:
        self.world = world
        self.genesys = world.gateway()
        self.failures = InMemoryFailures()
        self.staging = InMemoryStaging()
        self.compliance = InMemoryCompliance()
        self.document = document
        self.reads = 0
        ports: dict[str, Any] = {"policy": self.read_policy, "default_mode": default}
        catalog = CodeCatalog(self.genesys)
        self.service = WrapupService(
            self.genesys, self.failures, self.staging, catalog, leases(), would_apply=self.compliance, **ports
        )
        self.retry = WrapupService(
            self.genesys,
            self.failures,
            self.staging,
            catalog,
            leases("review"),
            source=FailureSource.DATA_ACTION,
            observed_by=FailureSource.REVIEW,
            would_apply=self.compliance,
            **ports,
        )
        rules = EventRules(
            self.genesys,
            self.failures,
            self.staging,
            catalog,
            leases=leases("eventbridge"),
            would_apply=self.compliance,
            **ports,
        )
        self.events = EventProcessor(rules, persistence=None)

    def read_policy(self, deadline: Deadline) -> WrapupPolicy:
        """The policy port: the document as it is now (a test may change it between calls)."""
        self.reads += 1
        return policy(self.document)

    def apply(self, service: WrapupService | None = None, **fields: str) -> dict[str, Any]:
        request = ApplyWrapupInput.parse(fields).to_request()
        return ApplyWrapupOutput.answer((service or self.service).apply(request, deadline=deadline())).to_response()

    def feed(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self.events.handle(e, deadline=deadline()).to_response() for e in events]

    def stage(self, cid: str, code: str) -> None:
        staged = StagedCode(conversation_id=cid, target=ANY_AGENT, wrapup_code_id=code, staged_at=datetime.now(UTC))
        self.staging.put(staged, deadline=deadline())

    def patches(self) -> int:
        return self.world.sim.counters["patch_participant"]


def observe_all(world: World) -> dict[str, Any]:
    return {"mode": "observe", "default": {"defaultCodeId": world.resolved}}


# --- the data action --------------------------------------------------------------------------------------
def test_data_action_in_observe_answers_the_code_it_would_apply_and_sends_no_patch(world: World) -> None:
    p = Paths(world, observe_all(world))
    cid, pid = world.call_in_acw()
    answer = p.apply(conversationId=cid, participantId=pid, wrapupCodeName="Escalated")
    assert answer["outcome"] == "observed"
    assert answer["wrapupCodeId"] == world.escalated and answer["wrapupCodeName"] == "Escalated"
    assert p.patches() == 0 and world.sim.applied_code(cid, pid) is None
    item = p.failures.items[(cid, pid)]
    assert item["status"] == "observed" and "reason" not in item
    assert (item["observedCodeId"], item["observedCodeName"], item["observedSource"]) == (
        world.escalated,
        "Escalated",
        "data_action",
    )
    # A second request for the participant: observed again, counted once.
    assert p.apply(conversationId=cid, participantId=pid, wrapupCodeId=world.escalated)["outcome"] == "observed"
    assert p.patches() == 0
    assert sum(f.get("wouldApply", 0) for f in p.compliance.figures.values()) == 1


def test_data_action_in_observe_decides_as_enforce_before_the_patch(world: World) -> None:
    """Staging, already_applied and a closed window answer as in enforce (and are recorded as in enforce)."""
    p = Paths(world, {"mode": "observe"})
    talking_cid, talking_pid = world.sim.new_call(world.support_queue)
    staged = p.apply(conversationId=talking_cid, participantId=talking_pid, wrapupCodeId=world.resolved)
    assert staged["outcome"] == "staged" and len(p.staging.items) == 1
    closed_cid, closed_pid = world.sim.new_call(world.support_queue)
    world.sim.agent_disconnect(closed_cid, closed_pid)
    world.sim.complete_acw(closed_cid, closed_pid)
    closed = p.apply(conversationId=closed_cid, participantId=closed_pid, wrapupCodeId=world.resolved)
    assert (closed["outcome"], closed["failureReason"]) == ("failed", "window_closed")
    assert p.failures.items[(closed_cid, closed_pid)]["status"] == "open"
    coded_cid, coded_pid = world.call_in_acw()
    world.sim.conversations[coded_cid].participant(coded_pid).wrapup = {"code": world.resolved}  # type: ignore[union-attr]
    assert p.apply(conversationId=coded_cid, participantId=coded_pid, wrapupCodeId=world.resolved)["outcome"] == (
        "already_applied"
    )
    assert p.patches() == 0 and p.compliance.figures == {}


def test_data_action_off_does_nothing_and_records_nothing(world: World) -> None:
    p = Paths(world, {"queues": {world.support_queue: {"mode": "off"}}})
    cid, pid = world.call_in_acw()
    answer = p.apply(conversationId=cid, participantId=pid, wrapupCodeName="No such code")
    assert answer["outcome"] == "disabled" and "failureReason" not in answer
    talking_cid, talking_pid = world.sim.new_call(world.support_queue)
    assert p.apply(conversationId=talking_cid, participantId=talking_pid, wrapupCodeId=world.resolved)["outcome"] == (
        "disabled"
    )
    assert p.patches() == 0 and p.failures.items == {} and p.staging.items == {} and p.compliance.figures == {}


def test_the_stack_default_applies_when_the_policy_names_no_mode(world: World) -> None:
    cid, pid = world.call_in_acw()
    observed = Paths(world, {}, default=Mode.OBSERVE)
    assert observed.apply(conversationId=cid, participantId=pid, wrapupCodeId=world.resolved)["outcome"] == "observed"
    enforced = Paths(world, {"mode": "enforce"}, default=Mode.OBSERVE)  # the policy's mode overrides the stack's
    assert enforced.apply(conversationId=cid, participantId=pid, wrapupCodeId=world.resolved)["outcome"] == "applied"
    assert world.sim.apply_count(cid, pid) == 1


# --- user.end ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("origin", ["staged", "policy"])
def test_user_end_in_observe_records_the_staged_or_policy_code_and_sends_no_patch(world: World, origin: str) -> None:
    p = Paths(world, observe_all(world))
    cid, pid = world.sim.new_call(world.support_queue)
    if origin == "staged":
        p.stage(cid, world.escalated)
    (ended,) = p.feed(world.sim.agent_disconnect(cid, pid))
    expected = world.escalated if origin == "staged" else world.resolved
    assert (ended["action"], ended["origin"], ended["code_id"]) == ("observed", origin, expected)
    assert p.patches() == 0 and world.sim.applied_code(cid, pid) is None
    assert p.staging.items == {}  # consumed, as enforce does after its write
    item = p.failures.items[(cid, pid)]
    assert (item["status"], item["observedCodeId"], item["observedSource"]) == ("observed", expected, "eventbridge")
    # After-call work ends uncoded: a real failure, which moves the item to open and keeps the observation.
    results = p.feed(world.sim.complete_acw(cid, pid))
    assert results[-1]["action"] == "missing_wrapup"
    item = p.failures.items[(cid, pid)]
    assert (item["status"], item["reason"], item["observedCodeId"]) == ("open", "missing_wrapup", expected)
    assert p.patches() == 0


def test_user_end_off_does_nothing(world: World) -> None:
    p = Paths(world, {"mode": "off", "default": {"defaultCodeId": world.resolved}})
    cid, pid = world.sim.new_call(world.support_queue)
    p.stage(cid, world.escalated)
    world.sim.inject(Fault(endpoint="get_conversation", status=503, times=-1))  # not even read: no failure to record
    (ended,) = p.feed(world.sim.agent_disconnect(cid, pid))
    assert ended["action"] == "disabled"
    assert p.feed(world.sim.complete_acw(cid, pid))[-1]["action"] == "disabled"
    assert world.sim.counters["get_conversation"] == 0
    assert p.patches() == 0 and p.failures.items == {} and p.compliance.figures == {}
    assert len(p.staging.items) == 1  # left as it was: off does not act


def test_one_queue_observed_and_one_enforced_in_the_same_run(world: World) -> None:
    document = {
        "default": {"defaultCodeId": world.resolved},
        "queues": {world.support_queue: {"mode": "observe", "defaultCodeId": world.resolved}},
        "mode": "enforce",
    }
    p = Paths(world, document, default=Mode.OBSERVE)
    observed_cid, observed_pid = world.sim.new_call(world.support_queue)
    enforced_cid, enforced_pid = world.sim.new_call(world.sales_queue)
    events = world.sim.agent_disconnect(observed_cid, observed_pid) + world.sim.agent_disconnect(
        enforced_cid, enforced_pid
    )
    assert [r["action"] for r in p.feed(events)] == ["observed", "applied"]
    assert world.sim.apply_count(observed_cid, observed_pid) == 0
    assert world.sim.apply_count(enforced_cid, enforced_pid) == 1
    assert p.patches() == 1
    assert set(p.failures.items) == {(observed_cid, observed_pid)}
    figures = p.compliance.figures
    assert [(queue, f["wouldApply"]) for (queue, _, _), f in figures.items()] == [(world.support_queue, 1)]


def test_switching_a_queue_to_enforce_takes_effect_on_the_next_call(world: World) -> None:
    p = Paths(world, {"queues": {world.support_queue: {"mode": "observe"}}})
    first_cid, first_pid = world.call_in_acw()
    assert p.apply(conversationId=first_cid, participantId=first_pid, wrapupCodeId=world.resolved)["outcome"] == (
        "observed"
    )
    p.document = {"queues": {world.support_queue: {"mode": "enforce"}}}  # the operator switched it
    second_cid, second_pid = world.call_in_acw()
    assert p.apply(conversationId=second_cid, participantId=second_pid, wrapupCodeId=world.resolved)["outcome"] == (
        "applied"
    )
    assert p.patches() == 1 and p.reads == 2  # read once per request


# --- review retry -----------------------------------------------------------------------------------------
def test_review_retry_in_observe_sends_no_patch_and_off_is_disabled(world: World) -> None:
    p = Paths(world, {"mode": "observe"})
    cid, pid = world.call_in_acw()
    answer = p.apply(p.retry, conversationId=cid, participantId=pid, wrapupCodeId=world.resolved)
    assert answer["outcome"] == "observed" and p.patches() == 0
    assert p.failures.items[(cid, pid)]["observedSource"] == "review"
    p.document = {"mode": "off"}
    assert p.apply(p.retry, conversationId=cid, participantId=pid, wrapupCodeId=world.resolved)["outcome"] == (
        "disabled"
    )
    assert p.patches() == 0


# --- the reconciler ---------------------------------------------------------------------------------------
class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_reconciler_counts_off_queues_records_none_and_counts_would_fix_once(world: World) -> None:
    start = datetime(2026, 11, 25, 8, tzinfo=UTC)
    document = {"queues": {world.sales_queue: {"mode": "off"}, world.support_queue: {"mode": "observe"}}}
    p = Paths(world, document)
    observed_cid, observed_pid = world.sim.new_call(world.support_queue, start=start)
    world.sim.agent_disconnect(observed_cid, observed_pid, at=start + timedelta(minutes=2))
    assert p.apply(conversationId=observed_cid, participantId=observed_pid, wrapupCodeId=world.resolved)["outcome"] == (
        "observed"
    )
    world.sim.complete_acw(observed_cid, observed_pid, at=start + timedelta(minutes=3))
    off_cid, off_pid = world.sim.new_call(world.sales_queue, start=start)
    world.sim.agent_disconnect(off_cid, off_pid, at=start + timedelta(minutes=2))
    world.sim.complete_acw(off_cid, off_pid, at=start + timedelta(minutes=3))

    class Counted:
        def __init__(self) -> None:
            self.checks: list[Any] = []

        def record(self, checks: Any, *, deadline: Deadline) -> Any:
            new = [c for c in checks if c not in self.checks]
            self.checks.extend(new)
            return type("R", (), {"new": new})()

        def count_would_fix(self, checks: Any, *, deadline: Deadline) -> int:
            return p.compliance.count_would_fix(checks, deadline=deadline)

    counted = Counted()
    clock = Clock(start + timedelta(minutes=30))
    reconciler = Reconciler(
        AnalyticsGateway.over(world.client()),
        p.failures,
        InMemoryCheckpoints(),
        lookback=timedelta(hours=1),
        settle=timedelta(minutes=1),
        now=clock,
        sleep=lambda _: None,
        compliance=counted,
        **{**modes(), "policy": p.read_policy},
    )
    report = reconciler.run(deadline=deadline())
    assert {(c.conversation_id, c.outcome.value) for c in counted.checks} == {
        (observed_cid, "missing"),
        (off_cid, "missing"),
    }
    assert (report.missing, report.not_recorded_off, report.would_fix) == (2, 1, 1)
    assert (off_cid, off_pid) not in p.failures.items
    item = p.failures.items[(observed_cid, observed_pid)]
    assert (item["status"], item["reason"], item["observedCodeId"]) == ("open", "missing_wrapup", world.resolved)
    clock.now += timedelta(minutes=20)  # an overlapping pass sees the same participants again
    again = reconciler.run(deadline=deadline())
    assert again.would_fix == 0
    assert sum(f.get("wouldFix", 0) for f in p.compliance.figures.values()) == 1
    assert world.sim.counters["patch_participant"] == 0
