"""Modes end to end with the real handlers: one queue observed, one enforced, one off, in the same run,
then the reconciler and `wrapguard-review stats/list/show` (local DynamoDB, the simulator over HTTP).

The figures are checked against the decisions the functions answered, not against constants.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.aws import local_db
from tests.support.lambda_invoke import InProcessLambda
from tests.support.world import World
from wrapguard.cli.review import main
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.failures import FailureReason, FailureSource, Subject, build_failure
from wrapguard.store.failures import FailureStore
from wrapguard_local.handlers import FakeLambdaContext, load_handler

pytestmark = pytest.mark.integration
ALIAS = "arn:aws:lambda:us-east-1:123456789012:function:wg-ApplyWrapupFunction:live"


def review(*argv: str) -> Any:
    out = io.StringIO()
    assert main(["--json", *argv], out=out) == 0
    return json.loads(out.getvalue())


@pytest.fixture
def queues(function_env: dict[str, Any], world: World, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    off = world.sim.add_queue([world.resolved])
    policy = {
        "queues": {
            world.support_queue: {"mode": "observe", "defaultCodeId": world.resolved},
            world.sales_queue: {"mode": "enforce", "defaultCodeId": world.sales},
            off: {"mode": "off", "defaultCodeId": world.resolved},
        }
    }
    monkeypatch.setenv("WRAPUP_POLICY", json.dumps(policy))
    monkeypatch.setenv("WRAPGUARD_DEFAULT_MODE", "observe")
    return {"observe": world.support_queue, "enforce": world.sales_queue, "off": off}


def test_observe_enforce_and_off_side_by_side_and_the_figures_they_leave(
    function_env: dict[str, Any], world: World, queues: dict[str, str]
) -> None:
    apply_fn, events_fn = load_handler("apply_wrapup"), load_handler("wrapup_events")
    sim = world.sim
    start = datetime.now(UTC) - timedelta(minutes=30)
    at = [start + timedelta(minutes=m) for m in range(4)]

    def event(e: dict[str, Any]) -> str:
        return str(events_fn.lambda_handler(e, FakeLambdaContext())["action"])

    def data_action(cid: str, pid: str, code: str) -> dict[str, Any]:
        request = {"conversationId": cid, "participantId": pid, "wrapupCodeId": code}
        return apply_fn.lambda_handler(request, FakeLambdaContext())  # type: ignore[no-any-return]

    decisions: dict[str, list[str]] = {}
    # Observed: a code staged while talking, observed at user.end; the agent leaves it uncoded.
    staged_cid, staged_pid = sim.new_call(queues["observe"], start=at[0])
    decisions["staged"] = [data_action(staged_cid, staged_pid, world.escalated)["outcome"]]
    decisions["staged"] += [event(e) for e in sim.agent_disconnect(staged_cid, staged_pid, at=at[1])]
    decisions["staged"] += [event(e) for e in sim.complete_acw(staged_cid, staged_pid, at=at[2])]
    # Observed: a data action in the window; the agent then codes it themselves.
    coded_cid, coded_pid = sim.new_call(queues["observe"], start=at[0])
    sim.agent_disconnect(coded_cid, coded_pid, at=at[1])
    decisions["coded"] = [data_action(coded_cid, coded_pid, world.resolved)["outcome"]]
    sim.complete_acw(coded_cid, coded_pid, agent_code=world.escalated, at=at[2])
    # Observed: the queue's policy code at user.end; uncoded.
    policy_cid, policy_pid = sim.new_call(queues["observe"], start=at[0])
    decisions["policy"] = [event(e) for e in sim.agent_disconnect(policy_cid, policy_pid, at=at[1])]
    sim.complete_acw(policy_cid, policy_pid, at=at[2])
    # Enforced: the policy code is written.
    enforced_cid, enforced_pid = sim.new_call(queues["enforce"], start=at[0])
    decisions["enforced"] = [event(e) for e in sim.agent_disconnect(enforced_cid, enforced_pid, at=at[1])]
    decisions["enforced"] += [event(e) for e in sim.complete_acw(enforced_cid, enforced_pid, at=at[2])]
    # Off: nothing done, nothing recorded; the agent leaves it uncoded.
    off_cid, off_pid = sim.new_call(queues["off"], start=at[0])
    decisions["off"] = [event(e) for e in sim.agent_disconnect(off_cid, off_pid, at=at[1])]
    decisions["off"] += [event(e) for e in sim.complete_acw(off_cid, off_pid, at=at[2])]

    assert decisions == {
        "staged": ["staged", "observed", "missing_wrapup"],
        "coded": ["observed"],
        "policy": ["observed"],
        "enforced": ["applied", "verified"],
        "off": ["disabled", "disabled"],
    }
    assert sim.counters["patch_participant"] == 1 and sim.apply_count(enforced_cid, enforced_pid) == 1

    report = load_handler("reconcile").lambda_handler({}, FakeLambdaContext())
    assert (report["not_recorded_off"], report["would_fix"]) == (1, 2)  # the off call; staged + policy
    store = FailureStore(local_db(), function_env["FAILURES_TABLE_NAME"])
    assert store.get(off_cid, off_pid, deadline=Deadline.unbounded()) is None
    staged = store.get(staged_cid, staged_pid, deadline=Deadline.unbounded())
    assert staged is not None and (staged["status"], staged["reason"], staged["observedCodeId"]) == (
        "open",
        "missing_wrapup",
        world.escalated,
    )
    coded = store.get(coded_cid, coded_pid, deadline=Deadline.unbounded())
    assert coded is not None and (staged["observedSource"], coded["status"]) == ("eventbridge", "observed")

    rows = {row["queue"]["id"]: row for row in review("stats", "--since", "2d", "--ids", "--by", "queue")["rows"]}
    observed_decisions = sum(d.count("observed") for d in decisions.values())
    assert rows[queues["observe"]]["wouldApply"] == observed_decisions == 3
    assert (rows[queues["observe"]]["missing"], rows[queues["observe"]]["wouldFix"]) == (2, 2)
    assert rows[queues["observe"]]["wouldFixRate"] == 1.0
    assert (rows[queues["enforce"]]["wouldApply"], rows[queues["enforce"]]["coded"]) == (0, 1)
    assert (rows[queues["off"]]["checked"], rows[queues["off"]]["missing"], rows[queues["off"]]["failures"]) == (
        1,
        1,
        0,
    )

    listed = review("list", "--status", "observed")["items"]
    assert [(i["conversationId"], i["observedCodeId"]) for i in listed] == [(coded_cid, world.resolved)]
    assert all(i["conversationId"] != coded_cid for i in review("list")["items"])  # open only, by default
    out = io.StringIO()
    assert main(["show", staged_cid], out=out) == 0
    assert f"observedCodeId: {world.escalated}" in out.getvalue() and "observedSource: eventbridge" in out.getvalue()


@pytest.mark.parametrize("mode", ["observe", "off"])
def test_review_retry_follows_the_mode(
    function_env: dict[str, Any], world: World, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """`wrapguard-review retry`, run by the data action function, decides through the same domain path: no
    PATCH in observe (the code it would apply is kept on the item, which stays open for the reviewer) and
    nothing at all in off."""
    store = FailureStore(local_db(), function_env["FAILURES_TABLE_NAME"])
    cid, pid = world.call_in_acw()
    failure = build_failure(
        Subject(cid, pid, queue_id=world.support_queue).with_code(world.resolved, "Resolved"),
        FailureSource.DATA_ACTION,
        reason=FailureReason.TIMEOUT,
    )
    store.record(failure, deadline=Deadline.unbounded())
    monkeypatch.setenv("WRAPGUARD_DEFAULT_MODE", mode)  # the function's (the stack's) mode
    monkeypatch.setenv("WRAPGUARD_APPLY_FUNCTION", ALIAS)
    data_action = InProcessLambda({ALIAS: load_handler("apply_wrapup")})
    out = io.StringIO()
    assert main(["--json", "retry", cid, pid], out=out, invoker=data_action) == 3  # not done: nothing written
    (result,) = json.loads(out.getvalue())["results"]
    assert result["outcome"] == {"observe": "observed", "off": "disabled"}[mode]
    assert world.sim.counters["patch_participant"] == 0 and world.sim.applied_code(cid, pid) is None
    item = store.get(cid, pid, deadline=Deadline.unbounded())
    assert item is not None and item["status"] == "open"
    if mode == "observe":
        assert (item["observedCodeId"], item["observedSource"]) == (world.resolved, "review")
    else:
        assert "observedCodeId" not in item
