"""wrapguard-review against the local DynamoDB server (and the simulator for retry)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.world import World
from wrapguard.cli.review import main
from wrapguard.domain.failures import Failure, FailureReason, FailureSource
from wrapguard.store.failures import FailureStore

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(function_env: dict[str, Any]) -> FailureStore:
    return FailureStore(function_env["FAILURES_TABLE_NAME"])


def record(
    store: FailureStore,
    minutes: int,
    reason: FailureReason = FailureReason.WINDOW_CLOSED,
    source: FailureSource = FailureSource.DATA_ACTION,
    cid: str | None = None,
    pid: str | None = None,
    code: str | None = None,
) -> tuple[str, str]:
    cid, pid = cid or str(uuid.uuid4()), pid or str(uuid.uuid4())
    store.record(
        Failure(
            conversation_id=cid,
            participant_id=pid,
            reason=reason,
            source=source,
            message="m",
            wrapup_code_id=code,
            occurred_at=T0 + timedelta(minutes=minutes),
        )
    )
    return cid, pid


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_list_newest_first_with_filters_and_pages(store: FailureStore) -> None:
    a = record(store, 1)
    b = record(store, 2, FailureReason.MISSING_WRAPUP, FailureSource.RECONCILE)
    c = record(store, 3, FailureReason.RATE_LIMITED, FailureSource.EVENTBRIDGE)
    d = record(store, 4, FailureReason.MISSING_WRAPUP, FailureSource.EVENTBRIDGE)
    code, out = run("--json", "list")
    assert code == 0
    assert [i["conversationId"] for i in json.loads(out)["items"]] == [d[0], c[0], b[0], a[0]]
    _, out = run("--json", "list", "--reason", "missing_wrapup")
    assert [i["conversationId"] for i in json.loads(out)["items"]] == [d[0], b[0]]
    _, out = run("--json", "list", "--source", "eventbridge", "--reason", "missing_wrapup")
    assert [i["conversationId"] for i in json.loads(out)["items"]] == [d[0]]
    _, out = run("--json", "list", "--since", (T0 + timedelta(minutes=2)).isoformat())
    assert [i["conversationId"] for i in json.loads(out)["items"]] == [d[0], c[0], b[0]]

    _, out = run("--json", "list", "--limit", "3")
    page = json.loads(out)
    assert [i["conversationId"] for i in page["items"]] == [d[0], c[0], b[0]] and page["nextToken"]
    _, out = run("--json", "list", "--limit", "3", "--next-token", page["nextToken"])
    assert [i["conversationId"] for i in json.loads(out)["items"]] == [a[0]]
    assert json.loads(out)["nextToken"] is None

    code, out = run("list")
    assert code == 0 and "conversationId" in out and "4 failure(s)" in out


def test_bad_filters_and_missing_table_exit_2(store: FailureStore, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        run("list", "--reason", "bad_reason")
    assert raised.value.code == 2
    with pytest.raises(SystemExit) as raised:
        run("list", "--since", "yesterday-ish")
    assert raised.value.code == 2
    code, _ = run("--table", "no-such-table", "list")
    assert code == 2
    assert "not found" in capsys.readouterr().err


def test_show_resolve_ignore(store: FailureStore) -> None:
    cid, pid = record(store, 1)
    code, out = run("show", cid)
    assert code == 0 and "window_closed" in out
    assert run("show", str(uuid.uuid4()))[0] == 4
    assert run("resolve", cid, pid, "--note", "coded by supervisor", "--by", "ana")[0] == 0
    item = store.get(cid, pid)
    assert item is not None and item["status"] == "resolved" and item["reviewedBy"] == "ana"
    assert run("ignore", cid, pid, "--note", "test call")[0] == 0
    assert store.get(cid, pid)["status"] == "ignored"  # type: ignore[index]
    assert run("resolve", cid, str(uuid.uuid4()), "--note", "x")[0] == 4
    _, out = run("--json", "list", "--status", "ignored")
    assert [i["conversationId"] for i in json.loads(out)["items"]] == [cid]


def test_retry_inside_and_outside_the_window(store: FailureStore, world: World) -> None:
    open_cid, open_pid = world.call_in_acw()
    record(store, 1, FailureReason.RATE_LIMITED, cid=open_cid, pid=open_pid, code=world.escalated)
    code, out = run("--json", "retry", open_cid)
    assert code == 0, out
    assert json.loads(out)["results"][0]["outcome"] == "applied"
    assert world.sim.applied_code(open_cid, open_pid) == world.escalated
    assert store.get(open_cid, open_pid)["status"] == "resolved"  # type: ignore[index]

    closed_cid, closed_pid = world.call_in_acw()
    world.sim.complete_acw(closed_cid, closed_pid)
    record(store, 2, FailureReason.TIMEOUT, cid=closed_cid, pid=closed_pid, code=world.resolved)
    code, out = run("retry", closed_cid, closed_pid)
    assert code == 3
    item = store.get(closed_cid, closed_pid)
    assert item is not None and item["reason"] == "window_closed" and item["attempts"] == 2
    assert item["status"] == "open"

    missing_cid, missing_pid = world.call_in_acw()
    record(store, 3, FailureReason.MISSING_WRAPUP, FailureSource.RECONCILE, cid=missing_cid, pid=missing_pid)
    assert run("retry", missing_cid)[0] == 3  # no intended code recorded
    assert run("retry", missing_cid, "--code-name", "Resolved")[0] == 0
    assert world.sim.applied_code(missing_cid, missing_pid) == world.resolved


def test_export_csv_and_jsonl_round_trip(store: FailureStore, tmp_path: Path) -> None:
    for minutes in range(5):
        record(store, minutes, code=str(uuid.uuid4()))
    expected = {(i["conversationId"], i["participantId"]): i for i in store.scan()}
    target = tmp_path / "failures.csv"
    assert run("export", "--format", "csv", "--output", str(target))[0] == 0
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) == 5
    for row in rows:
        item = expected[(row["conversationId"], row["participantId"])]
        for key, value in item.items():
            assert row[key] == str(value), key
    _, out = run("export", "--format", "jsonl")
    parsed = [json.loads(line) for line in out.splitlines()]
    assert {(p["conversationId"], p["participantId"]) for p in parsed} == set(expected)
    assert all(p == expected[(p["conversationId"], p["participantId"])] for p in parsed)
