"""The lease table over aws/dynamodb.py against the local server: a lost answer (D2), table errors (D3)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.aws import local_db
from tests.support.world import World
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.errors import StorageUnavailable
from wrapguard.domain.lease import ParticipantLeases
from wrapguard.store.leases import LeaseTable
from wrapguard_local.handlers import FakeLambdaContext, load_handler

pytestmark = pytest.mark.integration


class LoseAnswers(httpx.BaseTransport):
    """Sends the request to the real server, then drops its answer (`times` times): applied, never answered."""

    def __init__(self, real: httpx.Client, target: str, times: int = 1) -> None:
        self.real, self.target, self.times = real, target, times

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.real.send(request)
        if self.times and request.headers.get("x-amz-target", "").endswith(self.target):
            self.times -= 1
            raise httpx.ReadTimeout("answer lost", request=request)
        return response


def test_a_retried_acquire_whose_first_answer_was_lost_accepts_its_own_hold(tables: dict[str, str]) -> None:
    """D2: DynamoDB applied the acquire, the answer never came; the retry must not lock its own writer out."""
    db = local_db()
    db.api.http = httpx.Client(transport=LoseAnswers(db.api.http, "UpdateItem"))
    leases = ParticipantLeases(LeaseTable(db, tables["LeaseTable"]), "data_action", wait_seconds=0.3)
    with leases.hold("c1", "p1", deadline=Deadline.after(20)) as hold:
        assert not hold.waited and not hold.state.taken_over
    # Released: the next writer takes it at once.
    other = ParticipantLeases(LeaseTable(local_db(), tables["LeaseTable"]), "eventbridge", wait_seconds=0.3)
    with other.hold("c1", "p1", deadline=Deadline.after(20)) as again:
        assert not again.waited and not again.state.taken_over


def test_another_writers_hold_is_still_respected(tables: dict[str, str]) -> None:
    store = LeaseTable(local_db(), tables["LeaseTable"])
    assert store.try_acquire("k", "writer-a", 30, deadline=Deadline.after(10)) is not None
    assert store.try_acquire("k", "writer-b", 30, deadline=Deadline.after(10)) is None
    assert store.try_acquire("k", "writer-a", 30, deadline=Deadline.after(10)) is not None  # its own hold


def test_a_lease_table_error_is_storage_unavailable(local_aws: str) -> None:
    store = LeaseTable(local_db(), "no-such-lease-table")
    with pytest.raises(StorageUnavailable) as raised:
        store.try_acquire("k", "me", 30, deadline=Deadline.after(10))
    assert raised.value.code == "ResourceNotFoundException" and raised.value.operation == "UpdateItem"


def test_a_lease_table_error_is_answered_failed_and_recorded(
    function_env: dict[str, Any], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D3: the data action answers `failed` and records it, instead of dying with a transport error."""
    monkeypatch.setenv("LEASE_TABLE_NAME", "no-such-lease-table")
    handler = load_handler("apply_wrapup")
    cid, pid = world.call_in_acw()
    result = handler.lambda_handler(
        {"conversationId": cid, "participantId": pid, "wrapupCodeId": world.resolved}, FakeLambdaContext()
    )
    assert result["outcome"] == "failed" and result["failureReason"] == "upstream_error"
    assert "UpdateItem" in result["message"] and "ResourceNotFoundException" in result["message"]
    item = local_db().get_item(
        function_env["FAILURES_TABLE_NAME"], {"conversationId": cid, "participantId": pid}, deadline=Deadline.after(5)
    )
    assert item is not None and item["reason"] == "upstream_error" and item["status"] == "open"
    assert world.sim.apply_count(cid, pid) == 0
