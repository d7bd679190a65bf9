"""An observe decision racing an enforce write on the same participant never double-writes.

Realistic: each Lambda container keeps its own copy of the policy and refreshes it on its own clock, so
for up to the refresh bound one copy still observes a queue another already enforces (or the reverse).
Both hold the participant's lease, so whichever order they run in, one PATCH at most reaches Genesys
and the observe side's answer says what happened.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import pytest

from tests.integration.test_races import TRIALS, Copies, copies, stage, together
from tests.support.fakes import modes
from tests.support.world import World
from wrapguard.contracts import ApplyWrapupInput, ApplyWrapupOutput
from wrapguard.domain.apply import WrapupService
from wrapguard.domain.codes import CodeCatalog
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.event_results import EventResult
from wrapguard.domain.event_rules import EventRules
from wrapguard.domain.failures import FailureSource
from wrapguard.domain.modes import Mode
from wrapguard.domain.policy import WrapupPolicy
from wrapguard.eventbridge.processing import EventProcessor

pytestmark = pytest.mark.integration
__all__ = ["copies"]  # the fixture, shared with test_races


def data_action(copies: Copies, mode: Mode) -> WrapupService:
    genesys = copies.world.gateway(base_url=copies.server.url)
    leases = copies.leases(FailureSource.DATA_ACTION)
    catalog = CodeCatalog(genesys)
    return WrapupService(genesys, copies.failures, copies.staging, catalog, leases, **modes(WrapupPolicy(mode=mode)))


def events(copies: Copies, mode: Mode) -> EventProcessor:
    genesys = copies.world.gateway(base_url=copies.server.url)
    rules = EventRules(
        genesys,
        copies.failures,
        copies.staging,
        CodeCatalog(genesys),
        leases=copies.leases(FailureSource.EVENTBRIDGE),
        **modes(WrapupPolicy(mode=mode)),
    )
    return EventProcessor(rules, persistence=None)


def request(cid: str, pid: str, code: str) -> ApplyWrapupInput:
    return ApplyWrapupInput.parse({"conversationId": cid, "participantId": pid, "wrapupCodeId": code})


def answer(service: WrapupService, request: ApplyWrapupInput) -> ApplyWrapupOutput:
    """One data action, mapped to the contract like the handler does, with a Lambda-like deadline."""
    return ApplyWrapupOutput.answer(service.apply(request.to_request(), deadline=Deadline.after(20)))


def handle(processor: EventProcessor, event: dict[str, Any], after: float = 0.0) -> EventResult:
    time.sleep(after)  # lets the other writer take the lease first in some trials
    return processor.handle(event, deadline=Deadline.after(20))


def test_an_observing_copy_and_an_enforcing_copy_on_one_participant(world: World, copies: Copies) -> None:
    for _ in range(TRIALS):
        cid, pid = world.call_in_acw()
        observed, enforced = together(
            partial(answer, data_action(copies, Mode.OBSERVE), request(cid, pid, world.escalated)),
            partial(answer, data_action(copies, Mode.ENFORCE), request(cid, pid, world.resolved)),
        )
        assert world.sim.apply_count(cid, pid) == 1 and world.sim.applied_code(cid, pid) == world.resolved
        assert enforced.outcome.value == "applied"  # the observation claimed nothing on the participant
        item = copies.failures.get(cid, pid, deadline=Deadline.unbounded())
        assert item is not None
        if observed.outcome.value == "observed":  # it decided first: its would-be write is kept
            assert item["observedCodeId"] == world.escalated and observed.wrapup_code_id == world.escalated
        else:  # the enforce write came first: decided exactly as enforce would (a lost intent, recorded)
            assert observed.outcome.value == "superseded" and observed.winning_code_id == world.resolved
            assert item["reason"] == "superseded" and "observedCodeId" not in item


def test_an_observing_user_end_and_an_enforcing_data_action(world: World, copies: Copies) -> None:
    for trial in range(TRIALS):
        cid, pid = world.sim.new_call(world.support_queue)
        stage(copies, cid, world.escalated)
        (user_end,) = world.sim.agent_disconnect(cid, pid)
        flow, event = together(
            partial(answer, data_action(copies, Mode.ENFORCE), request(cid, pid, world.resolved)),
            partial(handle, events(copies, Mode.OBSERVE), user_end, after=0.05 * (trial % 3)),  # both orders
        )
        assert world.sim.apply_count(cid, pid) == 1 and world.sim.applied_code(cid, pid) == world.resolved
        assert flow.outcome.value == "applied"
        assert event.action.value in {"observed", "superseded"}
        if event.action.value == "observed":
            assert event.code_id == world.escalated
            assert copies.failures.get(cid, pid, deadline=Deadline.unbounded())["observedCodeId"] == world.escalated  # type: ignore[index]
