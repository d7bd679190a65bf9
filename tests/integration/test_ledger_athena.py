"""Proof that the saved Athena queries give the ledger's latest rows (issue 18, item 5).

Ledger rows are made through the pure rules (several versions per participant), turned into what
Firehose writes - the record's JSON keys lower-cased by the OpenX deserializer, Parquet with the Glue
table's columns, one file per delivery under ledger/day=YYYY-MM-DD/ from the record's own day - and
the saved queries' text, read from template.yaml, runs over those files in DuckDB.

Dialect bridge (DuckDB vs Athena/Trino): none in the SQL itself - the queries use only what both
accept (window functions, CTEs, case-insensitive identifiers, `count(*)`, string comparison). The one
bridge is how the table is declared: DuckDB reads the `day=` directories with `hive_partitioning`,
and `hive_types` keeps `day` a VARCHAR as Glue declares it (DuckDB would otherwise infer DATE).
A later task compares the same query against `wrapguard-review ledger --latest` through the handlers.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.support.ledger import DISTRIBUTION_QUERY, LATEST_QUERY, SETTLED_BY_REVIEW_QUERY, named_query_sql
from wrapguard.domain.ledger import (
    CodeRef,
    EffectiveSource,
    HeldCode,
    Interaction,
    LedgerRow,
    Review,
    ReviewStatus,
    ledger_row,
    next_version,
)
from wrapguard.ledger_schema import COLUMN_NAMES, DATA_COLUMNS, PARTITION_COLUMN

pytestmark = pytest.mark.integration

ARROW_TYPES = {"string": pa.string(), "int": pa.int32()}
GLUE_SCHEMA = pa.schema([pa.field(c.glue_name, ARROW_TYPES[c.glue_type]) for c in DATA_COLUMNS])

RESOLVED = CodeRef("0b6f3b8c-9a39-4c6f-8d53-5e0f0c0c0c01", "Resolved")
SALE = CodeRef("0b6f3b8c-9a39-4c6f-8d53-5e0f0c0c0c02", "Sale")
TIMEOUT = CodeRef("ININ-WRAP-UP-TIMEOUT")
QUEUES = ("7a0b7d1e-0000-4000-8000-00000000000a", "7a0b7d1e-0000-4000-8000-00000000000b")
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Step:
    """What one reconcile pass or review saw for the participant."""

    held: HeldCode | None = None
    intended: CodeRef | None = None
    review: Review | None = None


def settled(code: CodeRef, status: ReviewStatus = ReviewStatus.RESOLVED) -> Review:
    return Review(status, "reviewer@example.com", code)


# One history per participant, in the mix; each step is computed later than the one before.
HISTORIES: list[list[Step]] = [
    [Step(held=HeldCode(SALE))],  # agent-coded
    [Step(held=HeldCode(RESOLVED, applied_by_wrapguard=True))],  # wrapguard-applied
    [Step(intended=RESOLVED), Step(intended=RESOLVED)],  # window closed, intended; a re-check adds nothing
    [Step(intended=RESOLVED), Step(intended=RESOLVED, review=settled(SALE))],  # settled by review
    [  # placeholder, settled by review, then the agent's late code from analytics
        Step(held=HeldCode(TIMEOUT, placeholder=True)),
        Step(held=HeldCode(TIMEOUT, placeholder=True), review=settled(RESOLVED)),
        Step(held=HeldCode(SALE), review=settled(RESOLVED)),
    ],
    [Step(held=HeldCode(TIMEOUT, placeholder=True))],  # placeholder only
    [Step(), Step(review=Review(ReviewStatus.RESOLVED, "reviewer@example.com"))],  # missing; a note only
    [Step(intended=SALE), Step(held=HeldCode(SALE, applied_by_wrapguard=True))],  # a retry applied it
    [  # placeholder settled by an unverified code id
        Step(held=HeldCode(TIMEOUT, placeholder=True)),
        Step(held=HeldCode(TIMEOUT, placeholder=True),
             review=settled(CodeRef("custom"), ReviewStatus.RESOLVED_UNVERIFIED)),
    ],
]  # fmt: skip


def interaction(number: int) -> Interaction:
    # Spread over three days and two queues; one ends a second before midnight UTC.
    ended = START + timedelta(days=number % 3, hours=number)
    if number == 4:
        ended = datetime(2026, 12, 2, 23, 59, 59, 999000, tzinfo=UTC)
    return Interaction(
        conversation_id=f"3c1c8b8e-5d6f-4b5e-9a59-1d1f0c0a{number:04d}",
        participant_id=f"9d2e4a10-0b7c-4a43-8f0e-2b6b7c6d{number:04d}",
        conversation_end=ended,
        user_id=f"agent-{number % 4}",
        queue_id=QUEUES[number % 2],
        media_type="voice" if number % 3 else "chat",
        direction="inbound",
    )


def written_versions() -> list[LedgerRow]:
    """Every version the store would write, in the order it writes them."""
    written: list[LedgerRow] = []
    for number, history in enumerate(HISTORIES):
        who = interaction(number)
        latest: LedgerRow | None = None
        for step_number, step in enumerate(history):
            at = who.conversation_end + timedelta(minutes=15 * (step_number + 1))
            computed = ledger_row(who, held=step.held, intended=step.intended, review=step.review, recorded_at=at)
            row = next_version(latest, computed)
            if row is not None:
                written.append(row)
                latest = row
    return written


def latest_per_participant(rows: Iterable[LedgerRow]) -> list[LedgerRow]:
    latest: dict[tuple[str, str], LedgerRow] = {}
    for row in rows:
        if row.key not in latest or row.version > latest[row.key].version:
            latest[row.key] = row
    return sorted(latest.values(), key=lambda r: (r.day, r.record()["conversationEnd"], *r.key))


def as_firehose_writes(root: Path, rows: list[LedgerRow], duplicate: LedgerRow) -> None:
    """Parquet files as Firehose lays them out: one object per delivery and day partition; `duplicate`
    is delivered twice (at-least-once delivery after a retried PutRecordBatch)."""
    deliveries: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for row in [*rows, duplicate]:
        record = json.loads(json.dumps(row.record()))  # the bytes put to the stream
        day = record[PARTITION_COLUMN]  # the JQ query {day: .day}
        columns = {key.lower(): value for key, value in record.items()}  # OpenX: CaseInsensitive
        deliveries.setdefault((row.version, day), []).append(columns)
    for (delivery, day), records in deliveries.items():
        folder = root / "ledger" / f"{PARTITION_COLUMN}={day}"
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(records, schema=GLUE_SCHEMA)  # keys not in the table (day) are dropped
        pq.write_table(table, folder / f"wrapguard-ledger-{delivery}-{day}.parquet", compression="snappy")


@pytest.fixture(scope="module")
def versions() -> list[LedgerRow]:
    return written_versions()


@pytest.fixture(scope="module")
def athena_like(versions: list[LedgerRow], tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    root = tmp_path_factory.mktemp("ledger-bucket")
    twice = next(r for r in versions if r.version == 2)
    as_firehose_writes(root, versions, duplicate=twice)
    connection = duckdb.connect()
    files = (root / "ledger" / "*" / "*.parquet").as_posix()
    connection.execute(
        f"CREATE VIEW interactions AS SELECT * FROM read_parquet('{files}', hive_partitioning = true, "
        f"hive_types = {{'{PARTITION_COLUMN}': VARCHAR}})"
    )
    return connection


def run(connection: duckdb.DuckDBPyConnection, logical_id: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    cursor = connection.execute(named_query_sql(logical_id, "interactions"))
    # Result columns come back as the table holds them (lower case), in Athena too.
    names = [d[0] for d in cursor.description]
    return names, cursor.fetchall()


def test_the_data_has_several_versions_per_participant(versions: list[LedgerRow]) -> None:
    counts = Counter(r.key for r in versions)
    assert max(counts.values()) == 3 and len(counts) == len(HISTORIES)
    assert len(versions) == 15  # the re-check of history 2 wrote nothing
    assert {r.effective_source for r in latest_per_participant(versions)} == set(EffectiveSource)


def test_latest_version_query_equals_the_latest_rows(
    athena_like: duckdb.DuckDBPyConnection, versions: list[LedgerRow]
) -> None:
    names, rows = run(athena_like, LATEST_QUERY)
    assert names == [n.lower() for n in COLUMN_NAMES]
    expected = [tuple(r.record()[name] for name in COLUMN_NAMES) for r in latest_per_participant(versions)]
    assert rows == expected
    # What BI reads back is a valid ledger row, equal to the one the rules made.
    assert [LedgerRow.model_validate(dict(zip(COLUMN_NAMES, row, strict=True))) for row in rows] == (
        latest_per_participant(versions)
    )


def test_distribution_per_queue_and_day_counts_each_interaction_once(
    athena_like: duckdb.DuckDBPyConnection, versions: list[LedgerRow]
) -> None:
    _, rows = run(athena_like, DISTRIBUTION_QUERY)
    expected = Counter(
        (r.day, r.queue_id, r.effective_source.value, r.effective_code_id, r.effective_code_name)
        for r in latest_per_participant(versions)
    )
    assert {row[:5]: row[5] for row in rows} == dict(expected)
    assert sum(row[5] for row in rows) == len(HISTORIES)  # the duplicate delivery is not counted


def test_settled_by_review_lists_the_misses_a_reviewer_gave_a_code(
    athena_like: duckdb.DuckDBPyConnection, versions: list[LedgerRow]
) -> None:
    names, rows = run(athena_like, SETTLED_BY_REVIEW_QUERY)
    found = {(row[names.index("conversationid")], row[names.index("effectivecodeid")]) for row in rows}
    assert found == {
        (r.conversation_id, r.effective_code_id)
        for r in latest_per_participant(versions)
        if r.effective_source is EffectiveSource.REVIEW
    }
    # The late agent code (history 4) is no longer a settled miss: Genesys' real code won.
    assert interaction(4).conversation_id not in {c for c, _ in found}
    assert len(found) == 2
