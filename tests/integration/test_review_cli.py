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

from tests.support.aws import local_db
from tests.support.world import World
from wrapguard.cli.review import main
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.failures import Failure, FailureReason, FailureSource
from wrapguard.store.failures import REVIEW_HISTORY_LIMIT, FailureStore

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(function_env: dict[str, Any]) -> FailureStore:
    return FailureStore(local_db(), function_env["FAILURES_TABLE_NAME"])


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
        ),
        deadline=Deadline.unbounded(),
    )
    return cid, pid


def run(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out, stdin=io.StringIO(stdin))
    return code, out.getvalue()


def run_all(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    """Exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err, stdin=io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("wrapguard-review: "), err
    assert "Traceback" not in err
    return lines[0]


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


def test_bad_filters_and_missing_table_exit_2(store: FailureStore) -> None:
    for argv in (
        ("list", "--reason", "bad_reason"),
        ("list", "--since", "yesterday-ish"),
        ("list", "--since", "99999999d"),
        ("list", "--since", "1969-12-31"),
        ("list", "--limit", "0"),
        ("list", "--next-token", "not-a-token!"),
        ("show", ""),
        ("show", "not-a-uuid"),
        ("resolve", str(uuid.uuid4()), "", "--note", "x"),
        ("frobnicate",),
        (),
    ):
        code, out, err = run_all(*argv)
        assert code == 2, argv
        assert out == "", argv
        one_error_line(err)
    code, _, err = run_all("--table", "no-such-table", "list")
    assert code == 2 and "not found" in one_error_line(err)


def test_global_options_before_or_after_the_subcommand(store: FailureStore) -> None:
    cid, _ = record(store, 1)
    for argv in (("--json", "list"), ("list", "--json")):
        code, out = run(*argv)
        assert code == 0 and cid in [i["conversationId"] for i in json.loads(out)["items"]], argv
    code, _, err = run_all("list", "--table", "no-such-table")
    assert code == 2 and "no-such-table" in one_error_line(err)
    code, out = run("list", "--table", store.table_name, "--json")
    assert code == 0 and json.loads(out)["items"]
    assert run("show", cid, "--json")[1].startswith("{")


def test_show_resolve_ignore_needs_force_and_keeps_history(store: FailureStore) -> None:
    cid, pid = record(store, 1)
    code, out = run("show", cid)
    assert code == 0 and "window_closed" in out
    assert run("show", str(uuid.uuid4()))[0] == 4
    assert run("resolve", cid, pid, "--note", "coded by supervisor", "--by", "ana")[0] == 0
    item = store.get(cid, pid, deadline=Deadline.unbounded())
    assert item is not None and item["status"] == "resolved" and item["reviewedBy"] == "ana"

    code, out, err = run_all("ignore", cid, pid, "--note", "test call", "--by", "bo")
    assert code == 5 and out == ""
    assert "already resolved by ana" in one_error_line(err) and "--force" in err
    assert store.get(cid, pid, deadline=Deadline.unbounded())["reviewedBy"] == "ana"  # type: ignore[index]

    assert run("ignore", cid, pid, "--note", "test call", "--by", "bo", "--force")[0] == 0
    item = store.get(cid, pid, deadline=Deadline.unbounded())
    assert item is not None and item["status"] == "ignored" and item["reviewNote"] == "test call"
    assert [(r["status"], r["by"], r["note"]) for r in item["reviews"]] == [
        ("resolved", "ana", "coded by supervisor"),
        ("ignored", "bo", "test call"),
    ]
    _, out = run("show", cid)
    assert "resolved by ana: coded by supervisor" in out and "ignored by bo: test call" in out

    code, _, err = run_all("resolve", cid, str(uuid.uuid4()), "--note", "x")
    assert code == 4 and "no failure" in one_error_line(err)
    _, out = run("--json", "list", "--status", "ignored")
    assert [i["conversationId"] for i in json.loads(out)["items"]] == [cid]


def test_retry_inside_and_outside_the_window(store: FailureStore, world: World) -> None:
    open_cid, open_pid = world.call_in_acw()
    record(store, 1, FailureReason.RATE_LIMITED, cid=open_cid, pid=open_pid, code=world.escalated)
    code, out = run("--json", "retry", open_cid)
    assert code == 0, out
    assert json.loads(out)["results"][0]["outcome"] == "applied"
    assert world.sim.applied_code(open_cid, open_pid) == world.escalated
    assert store.get(open_cid, open_pid, deadline=Deadline.unbounded())["status"] == "resolved"  # type: ignore[index]

    closed_cid, closed_pid = world.call_in_acw()
    world.sim.complete_acw(closed_cid, closed_pid)
    record(store, 2, FailureReason.TIMEOUT, cid=closed_cid, pid=closed_pid, code=world.resolved)
    code, out = run("retry", closed_cid, closed_pid)
    assert code == 3
    item = store.get(closed_cid, closed_pid, deadline=Deadline.unbounded())
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
    expected = {(i["conversationId"], i["participantId"]): i for i in store.scan(deadline=Deadline.unbounded())}
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


def test_list_all_statuses_pages_with_a_token(store: FailureStore) -> None:
    keys = [
        record(store, minute, FailureReason.MISSING_WRAPUP if minute % 2 else FailureReason.TIMEOUT)
        for minute in range(9)
    ]
    for index, status in ((1, "resolved"), (4, "ignored"), (5, "resolved"), (8, "ignored")):
        assert (
            run(status.replace("resolved", "resolve").replace("ignored", "ignore"), *keys[index], "--note", "n")[0] == 0
        )
    newest_first = [cid for cid, _ in reversed(keys)]

    def pages(*filters: str) -> list[list[str]]:
        seen: list[list[str]] = []
        token: str | None = None
        while True:
            code, out = run(
                "list",
                "--json",
                "--status",
                "all",
                "--limit",
                "2",
                *filters,
                *(["--next-token", token] if token else []),
            )
            assert code == 0
            page = json.loads(out)
            seen.append([i["conversationId"] for i in page["items"]])
            token = page["nextToken"]
            if token is None:
                return seen

    got = pages()
    assert all(len(p) == 2 for p in got[:-1]) and [c for p in got for c in p] == newest_first
    odd = [cid for m, (cid, _) in reversed(list(enumerate(keys))) if m % 2]
    assert [c for p in pages("--reason", "missing_wrapup") for c in p] == odd

    code, out = run("list", "--status", "all", "--limit", "2")
    assert code == 0 and "more: --next-token " in out
    token = out.rsplit("--next-token ", 1)[1].strip()
    code, out, err = run_all("list", "--status", "open", "--next-token", token)
    assert code == 2 and out == "" and "--status all" in one_error_line(err)


def test_resolve_many_from_a_file_or_stdin(store: FailureStore, tmp_path: Path) -> None:
    keys = [record(store, minute) for minute in range(4)]
    export = tmp_path / "open.csv"
    assert run("export", "--format", "csv", "--status", "open", "--output", str(export))[0] == 0
    mine = [
        r
        for r in csv.DictReader(export.open(encoding="utf-8"))
        if (r["conversationId"], r["participantId"]) in keys[:2]
    ]
    picked = tmp_path / "picked.csv"
    with picked.open("w", newline="", encoding="utf-8") as target:
        writer = csv.DictWriter(target, fieldnames=list(mine[0]))
        writer.writeheader()
        writer.writerows(mine)
    code, out = run("resolve", "--from-file", str(picked), "--note", "coded in CRM", "--by", "ana")
    assert code == 0 and out.strip() == "resolve: 2 resolved, 0 already reviewed, 0 not found"
    assert {store.get(*k, deadline=Deadline.unbounded())["status"] for k in keys[:2]} == {"resolved"}  # type: ignore[index]

    lines = [json.dumps({"conversationId": c, "participantId": p, "note": f"test call {c[:4]}"}) for c, p in keys[1:]]
    lines.append(json.dumps({"conversationId": str(uuid.uuid4()), "participantId": str(uuid.uuid4())}))
    code, out, err = run_all("--json", "ignore", "--from-file", "-", "--note", "default", stdin="\n".join(lines))
    assert code == 4  # one not found (and one already resolved): the not-found code wins
    result = json.loads(out)
    assert result["summary"] == {"updated": 2, "not_found": 1, "already_reviewed": 1}
    assert len(err.splitlines()) == 2 and all(line.startswith("wrapguard-review: ") for line in err.splitlines())
    item = store.get(*keys[3], deadline=Deadline.unbounded())
    assert item is not None and item["status"] == "ignored" and item["reviewNote"] == f"test call {keys[3][0][:4]}"

    # One bad line rejects the whole batch: nothing is written.
    fresh = record(store, 10)
    bad = f"{fresh[0]},{fresh[1]}\n{fresh[0]},not-a-uuid\n"
    code, out, err = run_all("resolve", "--from-file", "-", "--note", "n", stdin=bad)
    assert code == 2 and out == "" and "line 2: participantId" in one_error_line(err)
    assert store.get(*fresh, deadline=Deadline.unbounded())["status"] == "open"  # type: ignore[index]
    code, _, err = run_all("resolve", "--from-file", str(tmp_path / "missing.csv"), "--note", "n")
    assert code == 2 and "cannot read" in one_error_line(err)


def test_history_is_bounded(store: FailureStore) -> None:
    cid, pid = record(store, 1)
    for n in range(REVIEW_HISTORY_LIMIT + 3):
        assert run("resolve", cid, pid, "--note", f"note {n}", "--force")[0] == 0
    reviews = store.get(cid, pid, deadline=Deadline.unbounded())["reviews"]  # type: ignore[index]
    assert [r["note"] for r in reviews] == [f"note {n}" for n in range(3, REVIEW_HISTORY_LIMIT + 3)]


def test_export_unwritable_output_and_progress_on_a_terminal(store: FailureStore, tmp_path: Path) -> None:
    for minute in range(3):
        record(store, minute)
    code, out, err = run_all("export", "--format", "jsonl", "--output", str(tmp_path / "no-such-dir" / "x.jsonl"))
    assert code == 2 and out == "" and "--output: cannot write" in one_error_line(err)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    exported, terminal = io.StringIO(), Terminal()
    assert main(["export", "--format", "jsonl"], out=exported, err=terminal) == 0
    assert len(exported.getvalue().splitlines()) == 3
    assert "\rexporting… 1 failure(s)" in terminal.getvalue()
    assert terminal.getvalue().endswith("exported 3 failure(s)\n")
    piped = io.StringIO()
    assert main(["export", "--format", "jsonl"], out=io.StringIO(), err=piped) == 0
    assert piped.getvalue() == ""  # no progress when stderr is not a terminal


def test_retry_of_a_reviewed_item_needs_force(store: FailureStore) -> None:
    cid, pid = record(store, 1, code=str(uuid.uuid4()))
    assert run("resolve", cid, pid, "--note", "coded in CRM")[0] == 0
    code, out, err = run_all("retry", cid, pid)
    assert code == 5 and out == "" and "--force" in one_error_line(err)
    code, _, err = run_all("retry", cid)
    assert code == 4 and "no open failure" in one_error_line(err)
