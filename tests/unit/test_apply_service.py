from __future__ import annotations

import uuid
from typing import Any

import pytest

from genesys_simulator import Fault
from tests.support.fakes import InMemoryFailures, InMemoryLeases, InMemoryStaging, deadline, leases, unavailable
from tests.support.world import CLIENT_SECRET, World
from wrapguard.contracts import ApplyWrapupInput, ApplyWrapupOutput, InvalidInputError, Outcome
from wrapguard.domain.apply import WrapupService
from wrapguard.domain.codes import CodeCatalog
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.errors import StorageUnavailable
from wrapguard.domain.failures import FailureReason
from wrapguard.domain.model import ApplyResult, Conversation, WrapupCode, WrapupWrite
from wrapguard.domain.staging import ANY_AGENT
from wrapguard.genesys.gateway import GenesysGateway


class Harness:
    def __init__(self, world: World, **client: Any) -> None:
        self.world = world
        self.genesys = world.gateway(**client)
        self.failures = InMemoryFailures()
        self.staging = InMemoryStaging()
        self.leases = InMemoryLeases()
        self.service = WrapupService(
            self.genesys, self.failures, self.staging, CodeCatalog(self.genesys), leases(store=self.leases)
        )

    def apply(self, **fields: str) -> dict[str, Any]:
        request = ApplyWrapupInput.parse(fields).to_request()
        return ApplyWrapupOutput.answer(self.service.apply(request, deadline=deadline())).to_response()


@pytest.fixture
def h(world: World) -> Harness:
    return Harness(world)


def test_applies_inside_the_window_with_two_calls(h: Harness) -> None:
    w = h.world
    warm_cid, warm_pid = w.call_in_acw()
    # Token, and the queue's codes (a name is resolved among them); an id alone never looks names up.
    h.apply(conversationId=warm_cid, participantId=warm_pid, wrapupCodeName="Escalated")
    cid, pid = w.call_in_acw()
    w.sim.reset_counters()
    result = h.apply(conversationId=cid, participantId=pid, wrapupCodeId=w.resolved)
    assert result["outcome"] == "applied"
    assert result["participantId"] == pid and result["wrapupCodeId"] == w.resolved
    assert result["wrapupCodeName"] == "Resolved"
    assert w.sim.applied_code(cid, pid) == w.resolved
    assert sum(w.sim.counters.values()) == 2
    assert w.sim.counters["get_conversation"] == 1 and w.sim.counters["patch_participant"] == 1
    assert h.failures.items == {}


def test_same_code_twice_is_already_applied_without_second_patch(h: Harness) -> None:
    w = h.world
    cid, pid = w.call_in_acw()
    h.apply(conversationId=cid, participantId=pid, wrapupCodeId=w.resolved)
    again = h.apply(conversationId=cid, participantId=pid, wrapupCodeId=w.resolved)
    assert again["outcome"] == "already_applied"
    assert w.sim.apply_count(cid, pid) == 1
    assert h.failures.items == {}


def test_name_is_resolved_among_queue_codes_and_cached(h: Harness) -> None:
    w = h.world
    for _ in range(3):
        cid, pid = w.call_in_acw()
        result = h.apply(conversationId=cid, wrapupCodeName="  escalated ")
        assert result["outcome"] == "applied"
        assert result["wrapupCodeId"] == w.escalated and result["wrapupCodeName"] == "Escalated"
        assert result["participantId"] == pid
    assert w.sim.counters["participant_wrapupcodes"] == 1  # once per queue per container
    assert w.sim.counters["queue_wrapupcodes"] == 0


def test_finds_the_agent_participant_of_a_given_user(h: Harness) -> None:
    w = h.world
    user = str(uuid.uuid4())
    cid = w.sim.start_conversation()
    first = w.sim.route_to_agent(cid, w.support_queue, user_id=user)
    w.sim.agent_disconnect(cid, first)
    w.sim.route_to_agent(cid, w.support_queue)  # transferred to someone else, still talking
    result = h.apply(conversationId=cid, userId=user, wrapupCodeId=w.resolved)
    assert result["outcome"] == "applied" and result["participantId"] == first


def test_window_closed_is_recorded_not_attempted(h: Harness) -> None:
    w = h.world
    cid, pid = w.call_in_acw()
    w.sim.complete_acw(cid, pid)
    result = h.apply(conversationId=cid, participantId=pid, wrapupCodeId=w.resolved)
    assert result["outcome"] == "failed" and result["failureReason"] == "window_closed"
    assert w.sim.counters["patch_participant"] == 0
    item = h.failures.items[(cid, pid)]
    assert item["reason"] == "window_closed" and item["source"] == "data_action"
    assert item["wrapup_code_id"] == w.resolved and item["attempts"] == 1


def test_repeat_failure_updates_the_same_record(h: Harness) -> None:
    w = h.world
    cid, pid = w.call_in_acw()
    w.sim.complete_acw(cid, pid)
    for _ in range(3):
        h.apply(conversationId=cid, participantId=pid, wrapupCodeId=w.resolved)
    assert len(h.failures.items) == 1
    assert h.failures.items[(cid, pid)]["attempts"] == 3


@pytest.mark.parametrize("closed_status", [409, 400])
def test_window_closing_between_read_and_apply_is_classified_by_rereading(world: World, closed_status: int) -> None:
    h = Harness(world)
    world.sim.closed_window_status = closed_status
    cid, pid = world.call_in_acw()
    real_apply = h.genesys.apply_wrapup

    def agent_finishes_first(c: str, p: str, wrapup: WrapupWrite, *, deadline: Deadline) -> None:
        world.sim.complete_acw(c, p)
        real_apply(c, p, wrapup, deadline=deadline)

    h.genesys.apply_wrapup = agent_finishes_first  # type: ignore[method-assign,assignment]
    result = h.apply(conversationId=cid, participantId=pid, wrapupCodeId=world.resolved)
    assert result["failureReason"] == "window_closed"
    item = h.failures.items[(cid, pid)]
    assert item["http_status"] == closed_status
    assert item["error_code"] and item["context_id"] and item["error_message"]


def test_invalid_code_id_refused_by_genesys_is_invalid_code(h: Harness) -> None:
    w = h.world
    cid, pid = w.call_in_acw()
    result = h.apply(conversationId=cid, participantId=pid, wrapupCodeId=w.sales)  # not a support-queue code
    assert result["failureReason"] == "invalid_code"
    assert h.failures.items[(cid, pid)]["http_status"] == 400


def test_unknown_code_name_is_invalid_code_without_patch(h: Harness) -> None:
    w = h.world
    cid, pid = w.call_in_acw()
    result = h.apply(conversationId=cid, participantId=pid, wrapupCodeName="No Such Code")
    assert result["failureReason"] == "invalid_code"
    assert w.sim.counters["patch_participant"] == 0


def test_unknown_conversation_and_participant_are_not_found(h: Harness) -> None:
    w = h.world
    missing = str(uuid.uuid4())
    result = h.apply(conversationId=missing, wrapupCodeId=w.resolved)
    assert result["failureReason"] == "not_found"
    assert h.failures.items[(missing, "unresolved")]["http_status"] == 404
    cid, _ = w.call_in_acw()
    other = str(uuid.uuid4())
    result = h.apply(conversationId=cid, participantId=other, wrapupCodeId=w.resolved)
    assert result["failureReason"] == "not_found"
    assert (cid, other) in h.failures.items


def test_stages_while_agent_is_talking(h: Harness) -> None:
    w = h.world
    cid, pid = w.sim.new_call(w.support_queue)
    result = h.apply(conversationId=cid, wrapupCodeName="Resolved", notes="self-service done")
    assert result["outcome"] == "staged" and result["participantId"] == pid
    staged = h.staging.find(cid, pid, None, deadline=deadline())
    assert staged is not None and staged.wrapup_code_id == w.resolved and staged.notes == "self-service done"
    assert w.sim.counters["patch_participant"] == 0


def test_stages_for_any_agent_while_in_ivr(h: Harness) -> None:
    w = h.world
    cid = w.sim.start_conversation()
    result = h.apply(conversationId=cid, wrapupCodeId=w.resolved)
    assert result["outcome"] == "staged" and "participantId" not in result
    assert (cid, ANY_AGENT) in h.staging.items


def test_stages_a_code_name_from_the_ivr_via_the_org_codes(h: Harness) -> None:
    w = h.world
    cid = w.sim.start_conversation()
    result = h.apply(conversationId=cid, wrapupCodeName="escalated")
    assert result["outcome"] == "staged" and result["wrapupCodeId"] == w.escalated
    assert w.sim.counters["org_wrapupcodes"] == 1
    assert h.apply(conversationId=cid, wrapupCodeName="No Such Code")["failureReason"] == "invalid_code"


def test_staging_validates_the_code(h: Harness) -> None:
    w = h.world
    cid, _ = w.sim.new_call(w.support_queue)
    result = h.apply(conversationId=cid, wrapupCodeId=w.sales)
    assert result["failureReason"] == "invalid_code"
    assert h.staging.items == {}


def test_rate_limited_after_retries_is_recorded_with_status(h: Harness) -> None:
    w = h.world
    cid, pid = w.call_in_acw()
    w.sim.inject(Fault(endpoint="patch_participant", status=429, retry_after=1, times=-1))
    result = h.apply(conversationId=cid, participantId=pid, wrapupCodeId=w.resolved)
    assert result["failureReason"] == "rate_limited"
    assert h.failures.items[(cid, pid)]["http_status"] == 429
    assert w.sim.counters["patch_participant"] == 4


def test_upstream_5xx_and_timeout_reasons(world: World) -> None:
    h = Harness(world, max_attempts=2, timeout=0.2)
    cid, pid = world.call_in_acw()
    world.sim.inject(Fault(endpoint="patch_participant", status=500, times=-1))
    assert h.apply(conversationId=cid, participantId=pid, wrapupCodeId=world.resolved)["failureReason"] == (
        "upstream_error"
    )
    world.sim.clear_faults()
    cid, pid = world.call_in_acw()
    world.sim.inject(Fault(endpoint="get_conversation", status=None, delay=1.0, times=-1, path_contains=cid))
    assert h.apply(conversationId=cid, participantId=pid, wrapupCodeId=world.resolved)["failureReason"] == "timeout"


def test_unanswered_patch_is_settled_by_rereading_not_resent_blindly(world: World) -> None:
    h = Harness(world, max_attempts=1, timeout=0.2)
    cid, pid = world.call_in_acw()
    # Genesys applies the code but the answer comes too late: re-reading shows it, nothing is resent.
    world.sim.inject(Fault(endpoint="patch_participant", status=None, delay=1.0, times=1))
    assert h.apply(conversationId=cid, participantId=pid, wrapupCodeId=world.resolved)["outcome"] == "applied"
    assert world.sim.applied_code(cid, pid) == world.resolved
    assert world.sim.counters["patch_participant"] == 1
    # A 500 that did not apply anything: the re-read shows no code, so the PATCH is sent once more.
    cid, pid = world.call_in_acw()
    world.sim.reset_counters()
    world.sim.inject(Fault(endpoint="patch_participant", status=500, times=1))
    assert h.apply(conversationId=cid, participantId=pid, wrapupCodeId=world.resolved)["outcome"] == "applied"
    assert world.sim.counters["patch_participant"] == 2
    assert h.failures.items == {}


def test_forbidden_and_unauthorized(world: World) -> None:
    h = Harness(world)
    cid, pid = world.call_in_acw()
    world.sim.inject(Fault(endpoint="patch_participant", status=403, times=1))
    assert h.apply(conversationId=cid, participantId=pid, wrapupCodeId=world.resolved)["failureReason"] == ("forbidden")
    bad = Harness(world, secret="nope")
    assert bad.apply(conversationId=cid, participantId=pid, wrapupCodeId=world.resolved)["failureReason"] == (
        "unauthorized"
    )


def test_failure_that_cannot_be_recorded_raises(h: Harness) -> None:
    w = h.world
    cid, pid = w.call_in_acw()
    w.sim.complete_acw(cid, pid)
    h.failures.fail_writes = True
    with pytest.raises(StorageUnavailable, match="DynamoDB"):
        h.apply(conversationId=cid, participantId=pid, wrapupCodeId=w.resolved)


def test_outcome_enum_covers_contract() -> None:
    assert {o.value for o in Outcome} == {"applied", "already_applied", "staged", "superseded", "failed"}


def test_a_customer_participant_id_is_invalid_input_naming_the_field(h: Harness) -> None:
    w = h.world
    cid, _ = w.call_in_acw()
    customer = next(p.id for p in w.sim.conversations[cid].participants if p.purpose == "customer")
    with pytest.raises(InvalidInputError) as raised:
        h.apply(conversationId=cid, participantId=customer, wrapupCodeId=w.resolved)
    assert raised.value.fields == ["participantId"]
    assert h.failures.items == {} and h.staging.items == {} and w.sim.counters["patch_participant"] == 0


# --- our own tables failing (issue 15 defect 3) --------------------------------------------------
@pytest.mark.parametrize(
    ("table", "code", "reason"),
    [
        ("lease", "AccessDeniedException", "upstream_error"),
        ("lease", "ExpiredTokenException", "upstream_error"),
        ("lease", "ProvisionedThroughputExceededException", "upstream_error"),
        ("lease", "DeadlineExceeded", "timeout"),
        ("staging", "AccessDeniedException", "upstream_error"),
        ("staging", "DeadlineExceeded", "timeout"),
    ],
)
def test_a_storage_failure_is_answered_failed_and_recorded(world: World, table: str, code: str, reason: str) -> None:
    h = Harness(world)
    if table == "lease":
        cid, pid = world.call_in_acw()
        operation = "leases.acquire"
        h.leases.fail = unavailable(operation, code)
    else:
        cid, pid = world.sim.new_call(world.support_queue)  # agent still talking: the code is staged
        operation = "staging.put"
        h.staging.fail = unavailable(operation, code)
    result = h.apply(conversationId=cid, participantId=pid, wrapupCodeId=world.resolved)
    assert result["outcome"] == "failed" and result["failureReason"] == reason
    assert operation in result["message"] and CLIENT_SECRET not in result["message"]
    item = h.failures.items[(cid, pid)]
    assert item["reason"] == reason and item["wrapup_code_id"] == world.resolved
    assert operation in item["message"]
    # The record is the invocation's last word: it may use the deadline's reserve.
    assert h.failures.deadlines and all(d.may_use_reserve for d in h.failures.deadlines)
    assert world.sim.apply_count(cid, pid) == 0


def test_a_storage_failure_that_cannot_be_recorded_raises(h: Harness) -> None:
    w = h.world
    cid, pid = w.call_in_acw()
    h.leases.fail = unavailable("leases.acquire")
    h.failures.fail_writes = True
    with pytest.raises(StorageUnavailable) as raised:  # Lambda reports an error: the flow takes its Failure path
        h.apply(conversationId=cid, participantId=pid, wrapupCodeId=w.resolved)
    assert raised.value.operation == "failures.record"
    assert w.sim.apply_count(cid, pid) == 0


# --- one deadline, passed to every call ----------------------------------------------------------
class RecordingGenesys:
    """The Genesys port, noting the deadline each call was given."""

    def __init__(self, port: GenesysGateway) -> None:
        self.port = port
        self.deadlines: list[Deadline] = []

    def _seen(self, deadline: Deadline) -> Deadline:
        self.deadlines.append(deadline)
        return deadline

    def get_conversation(self, conversation_id: str, *, deadline: Deadline) -> Conversation:
        return self.port.get_conversation(conversation_id, deadline=self._seen(deadline))

    def apply_wrapup(
        self, conversation_id: str, participant_id: str, wrapup: WrapupWrite, *, deadline: Deadline
    ) -> None:
        self.port.apply_wrapup(conversation_id, participant_id, wrapup, deadline=self._seen(deadline))

    def participant_wrapup_codes(
        self, conversation_id: str, participant_id: str, *, deadline: Deadline
    ) -> list[WrapupCode]:
        return self.port.participant_wrapup_codes(conversation_id, participant_id, deadline=self._seen(deadline))

    def queue_wrapup_codes(self, queue_id: str, *, deadline: Deadline) -> list[WrapupCode]:
        return self.port.queue_wrapup_codes(queue_id, deadline=self._seen(deadline))

    def org_wrapup_codes(self, name: str, *, deadline: Deadline) -> list[WrapupCode]:
        return self.port.org_wrapup_codes(name, deadline=self._seen(deadline))


def test_every_call_of_one_apply_gets_its_deadline(world: World) -> None:
    genesys = RecordingGenesys(world.gateway())
    failures = InMemoryFailures()
    service = WrapupService(genesys, failures, InMemoryStaging(), CodeCatalog(genesys), leases())
    cid, pid = world.call_in_acw()
    world.sim.complete_acw(cid, pid)  # closed: read, resolve by name, record
    given = Deadline.after(30.0)
    request = ApplyWrapupInput.parse({"conversationId": cid, "participantId": pid, "wrapupCodeName": "Resolved"})
    result = service.apply(request.to_request(), deadline=given)
    assert isinstance(result, ApplyResult) and result.failure_reason is FailureReason.WINDOW_CLOSED
    assert len(genesys.deadlines) == 2 and all(d is given for d in genesys.deadlines)
    assert failures.deadlines == [given.for_failure_write()]
