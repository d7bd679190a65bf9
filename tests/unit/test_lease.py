"""The participant lease in the domain: bounded wait, stale reads, takeover, and what each writer does when busy."""

from __future__ import annotations

from typing import Any

import pytest

from genesys_simulator import Fault
from tests.support.fakes import InMemoryFailures, InMemoryLeases, InMemoryStaging, leases
from tests.support.world import World
from wrapguard.contracts import ApplyWrapupInput, ApplyWrapupOutput
from wrapguard.domain.apply import WrapupService
from wrapguard.domain.codes import CodeCatalog
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.event_rules import EventRules, RetryableEventError
from wrapguard.domain.events import AgentEnded
from wrapguard.domain.lease import HOLD_MARGIN_SECONDS, LeaseBusyError, LeaseState, ParticipantLeases, hold_seconds
from wrapguard.domain.policy import WrapupPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_held_participant_is_waited_for_then_busy() -> None:
    clock = Clock()
    store = InMemoryLeases(clock=clock)
    first = ParticipantLeases(store, "data_action", wait_seconds=1.0, clock=clock, sleep=clock.sleep)
    second = ParticipantLeases(store, "eventbridge", wait_seconds=1.0, clock=clock, sleep=clock.sleep)
    deadline = Deadline.after(20, clock=clock)
    with (
        first.hold("c", "p", deadline=deadline),
        pytest.raises(LeaseBusyError),
        second.hold("c", "p", deadline=deadline),
    ):
        pass
    with second.hold(
        "c", "p", deadline=Deadline.unbounded()
    ) as hold:  # released: taken at once, and the read before it is stale
        assert not hold.waited and hold.stale(read_at=clock.now - 0.5)


def test_an_expired_hold_is_taken_over_and_everything_present_counts_as_wrapguards() -> None:
    clock = Clock()
    store = InMemoryLeases(clock=clock)
    dead = ParticipantLeases(store, "data_action", clock=clock, sleep=clock.sleep)
    taken = dead.hold("c", "p", deadline=Deadline.after(5, reserve=0.0, clock=clock))
    taken.__enter__()  # a writer that dies holding the lease: never released
    clock.now += 5 + HOLD_MARGIN_SECONDS + 1  # its whole deadline and the margin have passed
    with ParticipantLeases(store, "eventbridge", clock=clock, sleep=clock.sleep).hold(
        "c", "p", deadline=Deadline.unbounded()
    ) as hold:
        assert hold.state.taken_over and hold.stale(read_at=clock.now)
        assert hold.state.wrapguard_code("any-code")


class AlwaysHeld(InMemoryLeases):
    """Another writer holds every participant for longer than anyone waits."""

    def try_acquire(self, key: str, holder: str, hold_seconds: float, *, deadline: Deadline) -> LeaseState | None:
        return None


def busy_leases() -> ParticipantLeases:
    return ParticipantLeases(AlwaysHeld(), "data_action", wait_seconds=0.05)


def test_data_action_records_a_timeout_when_the_lease_stays_busy(world: World) -> None:
    genesys = world.gateway()
    failures = InMemoryFailures()
    service = WrapupService(genesys, failures, InMemoryStaging(), CodeCatalog(genesys), busy_leases())
    cid, pid = world.call_in_acw()
    result = ApplyWrapupOutput.answer(
        service.apply(
            ApplyWrapupInput.parse(
                {"conversationId": cid, "participantId": pid, "wrapupCodeId": world.resolved}
            ).to_request(),
            deadline=Deadline.unbounded(),
        )
    )
    assert result.outcome.value == "failed" and result.failure_reason == "timeout"
    assert failures.items[(cid, pid)]["reason"] == "timeout" and world.sim.apply_count(cid, pid) == 0


def test_event_path_retries_when_the_lease_stays_busy(world: World) -> None:
    genesys = world.gateway()
    rules = EventRules(
        genesys, InMemoryFailures(), InMemoryStaging(), CodeCatalog(genesys), WrapupPolicy(), busy_leases()
    )
    cid, pid = world.call_in_acw()
    with pytest.raises(RetryableEventError):
        rules.on_agent_end(AgentEnded(cid, pid), deadline=Deadline.unbounded())


def test_an_unanswered_patch_over_the_agents_own_code_is_not_taken_for_another_writer(world: World) -> None:
    """Policy may overwrite the agent's code; the PATCH fails with a 500 that applied nothing."""
    genesys = world.gateway(max_attempts=1)
    failures, staging = InMemoryFailures(), InMemoryStaging()
    policy: dict[str, Any] = {"default": {"defaultCodeId": world.resolved, "overwriteAgentCode": True}}
    rules = EventRules(
        genesys, failures, staging, CodeCatalog(genesys), WrapupPolicy.model_validate(policy), leases("eventbridge")
    )
    cid, pid = world.sim.new_call(world.support_queue)
    world.sim.agent_disconnect(cid, pid)
    world.sim.conversations[cid].participant(pid).wrapup = {"code": world.escalated}  # type: ignore[union-attr]
    world.sim.inject(Fault(endpoint="patch_participant", status=500, times=1))
    result = rules.on_agent_end(AgentEnded(cid, pid), deadline=Deadline.unbounded())
    assert result.action.value == "applied" and world.sim.applied_code(cid, pid) == world.resolved


def test_the_hold_covers_the_whole_deadline_plus_a_margin_capped() -> None:
    """D5: no hold expires before the holder's last Genesys call, which its deadline bounds."""
    clock = Clock()
    assert hold_seconds(Deadline.after(28, clock=clock)) == 28 + HOLD_MARGIN_SECONDS
    assert hold_seconds(Deadline.after(-10, clock=clock)) == 1.0  # never shorter than a second
    assert hold_seconds(Deadline.after(10_000, clock=clock)) == 905.0  # capped
    store = InMemoryLeases(clock=clock)
    seen: list[float] = []
    real = store.try_acquire

    def spy(key: str, holder: str, hold_for: float, *, deadline: Deadline) -> LeaseState | None:
        seen.append(hold_for)
        return real(key, holder, hold_for, deadline=deadline)

    store.try_acquire = spy  # type: ignore[method-assign,assignment]
    deadline = Deadline.after(25, clock=clock)
    with ParticipantLeases(store, "data_action", clock=clock, sleep=clock.sleep).hold("c", "p", deadline=deadline):
        pass
    assert seen == [25 + HOLD_MARGIN_SECONDS]
