from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.fakes import InMemoryCheckpoints, InMemoryFailures
from tests.support.world import World, ended_call
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.model import ConversationDetails
from wrapguard.domain.reconcile import Reconciler, missing_wrapups
from wrapguard.genesys.analytics import AnalyticsConversation
from wrapguard.genesys.gateway import AnalyticsGateway, details_of

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def reconciler(
    world: World, clock: Clock, **overrides: Any
) -> tuple[Reconciler, InMemoryFailures, InMemoryCheckpoints]:
    failures, checkpoints = InMemoryFailures(), InMemoryCheckpoints()
    options: dict[str, Any] = {
        "lookback": timedelta(hours=2),
        "settle": timedelta(minutes=10),
        "now": clock,
        "sleep": lambda _: None,
    }
    options.update(overrides)
    return Reconciler(AnalyticsGateway.over(world.client()), failures, checkpoints, **options), failures, checkpoints


def forever() -> Deadline:
    return Deadline.unbounded()


def budget(*seconds: float) -> Deadline:
    """A deadline whose remaining time is each of `seconds` in turn (1 s once they are used up)."""
    left = iter(seconds)
    return Deadline(ends_at=0.0, reserve=0.0, clock=lambda: -next(left, 1.0))


def conversation(purpose: str = "agent", **participant: Any) -> ConversationDetails:
    return details_of(wire_conversation(purpose, **participant))


def wire_conversation(purpose: str, **participant: Any) -> AnalyticsConversation:
    return AnalyticsConversation.model_validate(
        {
            "conversationId": "c1",
            "conversationStart": "2026-11-25T08:00:00Z",
            "conversationEnd": "2026-11-25T08:05:00Z",
            "participants": [
                {
                    "participantId": "cust",
                    "purpose": "customer",
                    "sessions": [{"segments": [{"segmentType": "interact"}]}],
                },
                {"participantId": "ivr", "purpose": "ivr", "sessions": [{"segments": [{"segmentType": "ivr"}]}]},
                {"participantId": "acd", "purpose": "acd", "sessions": [{"segments": [{"segmentType": "interact"}]}]},
                {"participantId": "a1", "purpose": purpose, "userId": "u1", **participant},
            ],
        }
    )


def test_missing_wrapup_rules() -> None:
    coded = conversation(
        sessions=[
            {"segments": [{"segmentType": "interact", "queueId": "q"}, {"segmentType": "wrapup", "wrapUpCode": "k"}]}
        ]
    )
    assert missing_wrapups(coded, T0) == []
    uncoded = conversation(sessions=[{"acwSkipped": True, "segments": [{"segmentType": "interact", "queueId": "q"}]}])
    (found,) = missing_wrapups(uncoded, T0)
    assert (found.participant_id, found.user_id, found.queue_id) == ("a1", "u1", "q")
    assert found.reason.value == "missing_wrapup" and found.source.value == "reconcile"
    assert "skipped" in found.message
    never_answered = conversation(sessions=[{"segments": [{"segmentType": "alert"}]}])
    assert missing_wrapups(never_answered, T0) == []
    in_progress = replace(uncoded, conversation_end=None)
    assert missing_wrapups(in_progress, T0) == []


def test_pages_through_every_result(world: World) -> None:
    expected = set()
    for i in range(250):
        cid, pid = ended_call(world, T0 + timedelta(seconds=10 * i), coded=i % 2 == 0)
        if i % 2:
            expected.add((cid, pid))
    run, failures, _ = reconciler(world, Clock(T0 + timedelta(hours=1, minutes=30)))
    report = run.run(deadline=forever())
    assert report.status == "complete" and report.pages == 3 and report.conversations == 250
    assert set(failures.items) == expected
    assert world.sim.counters["analytics_query"] == 3


def test_recently_ended_conversations_wait_for_a_later_pass(world: World) -> None:
    clock = Clock(T0 + timedelta(minutes=4))
    cid, pid = ended_call(world, T0 + timedelta(minutes=0), coded=False)  # ended at T0+3 min
    run, failures, _ = reconciler(world, clock, settle=timedelta(minutes=2))
    assert run.run(deadline=forever()).in_progress == 1 and failures.items == {}
    clock.now = T0 + timedelta(minutes=20)
    run.run(deadline=forever())
    assert (cid, pid) in failures.items


def test_pages_without_total_hits_continue_until_a_short_page(world: World) -> None:
    for i in range(200):
        ended_call(world, T0 + timedelta(seconds=10 * i), coded=False)
    original = world.sim._h_analytics_query

    def without_total(*args: Any) -> Any:
        response = original(*args)
        response.body.pop("totalHits", None)
        return response

    world.sim._h_analytics_query = without_total  # type: ignore[method-assign,assignment]
    run, failures, _ = reconciler(world, Clock(T0 + timedelta(hours=1)))
    report = run.run(deadline=forever())
    assert report.pages == 3 and len(failures.items) == 200  # the third, empty page ends the pass


def test_empty_interval(world: World) -> None:
    run, failures, checkpoints = reconciler(world, Clock(T0))
    report = run.run(deadline=forever())
    assert report.status == "complete" and report.conversations == 0 and failures.items == {}
    assert checkpoints.saved.watermark == T0
    assert checkpoints.saved.interval is None


def test_in_progress_conversations_are_not_flagged_and_seen_again(world: World) -> None:
    clock = Clock(T0 + timedelta(minutes=40))
    cid, pid = world.sim.new_call(world.support_queue, start=T0)  # agent still talking
    run, failures, checkpoints = reconciler(world, clock)
    report = run.run(deadline=forever())
    assert report.in_progress == 1 and failures.items == {}
    assert checkpoints.saved.watermark is not None and checkpoints.saved.watermark <= T0 + timedelta(minutes=15)
    world.sim.agent_disconnect(cid, pid, at=T0 + timedelta(minutes=60))
    world.sim.skip_acw(cid, pid, at=T0 + timedelta(minutes=61))
    clock.now = T0 + timedelta(minutes=90)
    run.run(deadline=forever())
    assert (cid, pid) in failures.items


def test_overlapping_runs_do_not_duplicate_or_reopen(world: World) -> None:
    cid, pid = ended_call(world, T0, coded=False)
    clock = Clock(T0 + timedelta(minutes=20))
    run, failures, _ = reconciler(world, clock)
    run.run(deadline=forever())
    failures.items[(cid, pid)]["status"] = "resolved"
    for minutes in (25, 30, 35):
        clock.now = T0 + timedelta(minutes=minutes)
        assert run.run(deadline=forever()).recorded == 0
    assert failures.items[(cid, pid)] == {**failures.items[(cid, pid)], "status": "resolved", "attempts": 1}


def test_resumes_from_checkpoint_when_time_runs_out_mid_page(world: World) -> None:
    expected = {ended_call(world, T0 + timedelta(seconds=5 * i), coded=False) for i in range(450)}
    clock = Clock(T0 + timedelta(hours=1))
    run, failures, checkpoints = reconciler(world, clock, seconds_per_page=10, write_batch=25)
    # Time for the first page and two batches of 25, then out of time. (Driven by progress, not by
    # counting calls: the Genesys client reads the deadline too.)
    progress = Deadline(ends_at=0.0, reserve=0.0, clock=lambda: -(100.0 if len(failures.items) < 50 else 1.0))
    first = run.run(deadline=progress)
    assert first.status == "partial"
    assert checkpoints.saved.interval is not None and checkpoints.saved.page == 1
    assert len(failures.items) == 50

    second = run.run(deadline=forever())
    assert second.status == "complete" and second.pages == 5
    assert set(failures.items) == expected
    assert all(item["attempts"] == 1 for item in failures.items.values())
    assert checkpoints.saved.interval is None


def test_large_intervals_use_the_async_jobs_api(world: World) -> None:
    expected = {ended_call(world, T0 + timedelta(seconds=5 * i), coded=False) for i in range(230)}
    world.sim.job_polls_until_fulfilled = 3
    slept: list[float] = []
    run, failures, _ = reconciler(world, Clock(T0 + timedelta(hours=1)), async_threshold=100, sleep=slept.append)
    report = run.run(deadline=forever())
    assert report.mode == "job" and report.status == "complete"
    assert set(failures.items) == expected
    assert world.sim.counters["analytics_job_create"] == 1
    assert world.sim.counters["analytics_job_results"] == 3
    assert slept == [2.0, 2.0]


def test_job_pending_when_time_runs_out_resumes_the_same_job(world: World) -> None:
    for i in range(150):
        ended_call(world, T0 + timedelta(seconds=5 * i), coded=False)
    world.sim.job_polls_until_fulfilled = 1000
    run, failures, checkpoints = reconciler(world, Clock(T0 + timedelta(hours=1)), async_threshold=100)
    assert run.run(deadline=budget(100.0, 100.0, 100.0)).status == "partial"
    job = checkpoints.saved.job_id
    assert job is not None
    world.sim.job_polls_until_fulfilled = 0
    assert run.run(deadline=forever()).status == "complete"
    assert world.sim.counters["analytics_job_create"] == 1 and len(failures.items) == 150


@pytest.mark.parametrize("purpose", ["customer", "ivr", "acd", "external", "user"])
def test_only_agent_participants_are_checked(purpose: str) -> None:
    conv = conversation(purpose, sessions=[{"segments": [{"segmentType": "interact"}]}])
    assert missing_wrapups(conv, T0) == []
