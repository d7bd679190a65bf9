"""The ledger through the real handlers (issue 18, items 2, 4 and 5).

The issue's mix is played on the simulator: agent-coded, wrapguard-applied (the data action handler),
window closed with an intended code (the data action after the window), reviewed with a code
(`wrapguard-review resolve --code-id`), placeholder only, missing, and a placeholder settled by review
whose agent code shows up late in analytics. The reconcile handler checks them (two passes), the
review CLI settles one, and:

- the known answers: the effective code and source of each participant, and its versions;
- proved equal: the records the functions put to Firehose (moto's Firehose writes them to its S3
  bucket) are turned into Parquet with the Glue table's schema as Firehose would, the saved Athena
  "latest" query runs over them in DuckDB, and the result equals `wrapguard-review ledger --latest`
  row for row.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pytest

from tests.integration.test_ledger_athena import GLUE_SCHEMA
from tests.support.ledger import LATEST_QUERY, named_query_sql
from tests.support.world import World, ended_call
from wrapguard.cli.review import main as review_main
from wrapguard.domain.ledger import EffectiveSource, LedgerRow
from wrapguard.ledger_schema import COLUMN_NAMES, PARTITION_COLUMN
from wrapguard.settings import WRAPUP_TIMEOUT_CODE
from wrapguard_local.handlers import FakeLambdaContext, load_handler

pytestmark = pytest.mark.integration

STREAM = "wrapguard-ledger-test"
BUCKET = "wrapguard-ledger-test"


@pytest.fixture
def ledger_env(function_env: dict[str, Any], tables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    s3 = boto3.client("s3")
    if BUCKET not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=BUCKET)
    for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        s3.delete_object(Bucket=BUCKET, Key=item["Key"])
    firehose = boto3.client("firehose")
    if STREAM not in firehose.list_delivery_streams()["DeliveryStreamNames"]:
        firehose.create_delivery_stream(
            DeliveryStreamName=STREAM,
            DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration={
                "RoleARN": "arn:aws:iam::123456789012:role/ledger-delivery",
                "BucketARN": f"arn:aws:s3:::{BUCKET}",
                "Prefix": "received/",
            },
        )
    env = {
        "LEDGER_TABLE_NAME": tables["LedgerTable"],
        "LEDGER_STREAM_NAME": STREAM,
        "WRAPGUARD_FAILURES_TABLE": tables["FailuresTable"],
        "WRAPGUARD_LEDGER_TABLE": tables["LedgerTable"],
        "WRAPGUARD_LEDGER_STREAM": STREAM,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def delivered_records() -> list[dict[str, Any]]:
    """Every record Firehose received, in the order it stored them (moto writes each batch to S3 at once)."""
    s3 = boto3.client("s3")
    records: list[dict[str, Any]] = []
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))
    for key in keys:
        body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
        records += [json.loads(line) for line in body.splitlines() if line.strip()]
    return records


def review(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = review_main(list(argv), out, err=err)
    return code, out.getvalue(), err.getvalue()


def reconcile() -> dict[str, Any]:
    result: dict[str, Any] = load_handler("reconcile").lambda_handler({}, FakeLambdaContext())
    assert result["status"] == "complete"
    return result


def as_parquet(root: Path, records: list[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    """Firehose's conversion: keys lower-cased (OpenX), the Glue columns, one file per day partition."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    by_day: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_day.setdefault(record[PARTITION_COLUMN], []).append({k.lower(): v for k, v in record.items()})
    for day, rows in by_day.items():
        folder = root / "ledger" / f"{PARTITION_COLUMN}={day}"
        folder.mkdir(parents=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=GLUE_SCHEMA), folder / "delivery.parquet")
    connection = duckdb.connect()
    files = (root / "ledger" / "*" / "*.parquet").as_posix()
    connection.execute(
        f"CREATE VIEW interactions AS SELECT * FROM read_parquet('{files}', hive_partitioning = true, "
        f"hive_types = {{'{PARTITION_COLUMN}': VARCHAR}})"
    )
    return connection


def test_the_issues_mix_through_the_handlers_equals_athena_and_the_cli(
    ledger_env: dict[str, str], world: World, tmp_path: Path
) -> None:
    sim = world.sim
    start = datetime.now(UTC) - timedelta(minutes=12)
    at = [start + timedelta(seconds=20 * i) for i in range(8)]
    agent = ended_call(world, at[0], coded=True)
    missing = ended_call(world, at[1], coded=False)
    to_review = ended_call(world, at[2], coded=False)
    # wrapguard applies the code in the window (the data action handler), the agent adds nothing.
    applied = sim.new_call(world.support_queue, start=at[3])
    sim.agent_disconnect(*applied, at=at[3] + timedelta(minutes=1))
    apply = load_handler("apply_wrapup")
    event = {"conversationId": applied[0], "participantId": applied[1], "wrapupCodeId": world.resolved}
    assert apply.lambda_handler(event, FakeLambdaContext())["outcome"] == "applied"
    sim.complete_acw(*applied, at=at[3] + timedelta(minutes=2))
    # The flow's code comes after the window closed: recorded as intended, never applied.
    closed = sim.new_call(world.support_queue, start=at[4])
    sim.agent_disconnect(*closed, at=at[4] + timedelta(minutes=1))
    sim.complete_acw(*closed, at=at[4] + timedelta(minutes=2))
    event = {"conversationId": closed[0], "participantId": closed[1], "wrapupCodeId": world.escalated}
    assert apply.lambda_handler(event, FakeLambdaContext())["failureReason"] == "window_closed"
    placeholder = sim.new_call(world.support_queue, start=at[5])
    sim.agent_disconnect(*placeholder, at=at[5] + timedelta(minutes=1))
    sim.complete_acw(*placeholder, agent_code=WRAPUP_TIMEOUT_CODE, at=at[5] + timedelta(minutes=2))
    late = sim.new_call(world.support_queue, start=at[6])
    sim.agent_disconnect(*late, at=at[6] + timedelta(minutes=1))
    sim.complete_acw(*late, agent_code=WRAPUP_TIMEOUT_CODE, at=at[6] + timedelta(minutes=2))

    first = reconcile()
    assert first["ledger_versions"] == 7

    # Reviews: a code id for the missing one and for the placeholder one (both recorded unverified).
    note = "coded in the CRM"
    assert review("resolve", *to_review, "--code-id", world.sales, "--note", note, "--by", "ana")[0] == 0
    assert review("resolve", *late, "--code-id", world.resolved, "--note", note, "--by", "ana")[0] == 0
    code, _, err = review("resolve", *missing, "--code", "Sale", "--note", note)
    assert code == 2 and "needs the deployed functions" in err and err.count("\n") == 1
    # The agent's own code for `late` reaches analytics after the review: the next pass sees it.
    sim.conversations[late[0]].participant(late[1]).wrapup = {"code": world.escalated, "name": "Escalated"}  # type: ignore[union-attr]
    second = reconcile()
    assert second["ledger_versions"] == 1  # only the late code; re-checks of the others write nothing

    code, out, _ = review("ledger", "--since", "1h", "--latest", "--format", "jsonl")
    assert code == 0
    cli_rows = [LedgerRow.model_validate(json.loads(line)) for line in out.splitlines()]
    by_key = {row.key: row for row in cli_rows}
    expected = {
        agent: (EffectiveSource.AGENT, world.resolved, 1),
        applied: (EffectiveSource.WRAPGUARD, world.resolved, 1),
        closed: (EffectiveSource.INTENDED, world.escalated, 1),
        to_review: (EffectiveSource.REVIEW, world.sales, 2),
        placeholder: (EffectiveSource.PLACEHOLDER, WRAPUP_TIMEOUT_CODE, 1),
        missing: (EffectiveSource.NONE, None, 1),
        late: (EffectiveSource.AGENT, world.escalated, 3),
    }
    assert {key: (r.effective_source, r.effective_code_id, r.version) for key, r in by_key.items()} == expected
    reviewed = by_key[to_review]
    assert (reviewed.review_status, reviewed.reviewed_by) == ("resolved_unverified", "ana")
    assert by_key[late].review_status == "resolved_unverified"  # the review is kept; the real code wins
    assert by_key[closed].intended_code_id == world.escalated and by_key[closed].genesys_code_id is None

    # Every version went to Firehose once, in order per participant.
    records = delivered_records()
    assert len(records) == 7 + 2 + 1
    assert all(list(record) == list(COLUMN_NAMES) for record in records)

    # The report's settled-by-review figure: misses whose effective code is now a reviewer's.
    code, page, _ = review("report", "--html", "-", "--ids")
    assert code == 0
    assert re.search(r'data-field="settledByReview"><span class="muted">Settled by review</span><b>1</b>', page)
    assert re.search(r'data-field="missesInGenesys">.*?<b>4</b>', page)  # none, placeholder, intended, review

    connection = as_parquet(tmp_path, records)
    cursor = connection.execute(named_query_sql(LATEST_QUERY, "interactions"))
    athena = [LedgerRow.model_validate(dict(zip(COLUMN_NAMES, row, strict=True))) for row in cursor.fetchall()]
    assert sorted(athena, key=lambda r: r.key) == sorted(cli_rows, key=lambda r: r.key)


def test_ledger_csv_is_the_same_rows_with_cells_neutralised(ledger_env: dict[str, str], world: World) -> None:
    import csv

    start = datetime.now(UTC) - timedelta(minutes=12)
    cid, pid = ended_call(world, start, coded=False)
    reconcile()
    hostile = "=HYPERLINK(1)"
    assert review("resolve", cid, pid, "--code-id", hostile, "--note", "n", "--by", "ana")[0] == 0
    code, out, err = review("ledger", "--since", "1h")
    assert code == 0 and "ledger: 1 row(s)" in err
    header, row = list(csv.reader(io.StringIO(out)))
    assert header == list(COLUMN_NAMES)
    cells = dict(zip(header, row, strict=True))
    assert cells["effectiveCodeId"] == "'" + hostile and cells["effectiveSource"] == "review"
    assert (cells["version"], cells["genesysCodeId"]) == ("2", "")


def test_without_the_stream_the_table_is_written_and_nothing_is_sent(
    ledger_env: dict[str, str], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_STREAM_NAME", "")  # EnableLedger=false
    ended_call(world, datetime.now(UTC) - timedelta(minutes=12), coded=False)
    assert reconcile()["ledger_versions"] == 1
    assert delivered_records() == []


def test_a_code_without_the_ledger_table_is_refused_before_anything_is_written(
    ledger_env: dict[str, str], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid, pid = ended_call(world, datetime.now(UTC) - timedelta(minutes=12), coded=False)
    reconcile()
    monkeypatch.delenv("WRAPGUARD_LEDGER_TABLE")
    monkeypatch.delenv("LEDGER_TABLE_NAME")  # the functions' name answers too
    code, _, err = review("resolve", cid, pid, "--code-id", world.sales, "--note", "n", "--by", "ana")
    assert code == 2 and "no ledger table" in err
    item = (
        boto3.resource("dynamodb")
        .Table(ledger_env["WRAPGUARD_FAILURES_TABLE"])
        .get_item(Key={"conversationId": cid, "participantId": pid})["Item"]
    )
    assert item["status"] == "open" and "reviewCodeId" not in item


def test_from_file_codes_settle_each_miss(ledger_env: dict[str, str], world: World, tmp_path: Path) -> None:
    start = datetime.now(UTC) - timedelta(minutes=12)
    calls = [ended_call(world, start + timedelta(seconds=i), coded=False) for i in range(2)]
    reconcile()
    batch = tmp_path / "settle.csv"
    batch.write_text(
        "conversationId,participantId,codeId,note\n"
        + "".join(f"{c},{p},{code},from the CRM\n" for (c, p), code in zip(calls, (world.sales, ""), strict=True))
    )
    code, out, _ = review("resolve", "--from-file", str(batch), "--by", "ana")
    assert code == 0 and "2 resolved" in out
    _, printed, _ = review("ledger", "--format", "jsonl")
    rows = {(r["conversationId"], r["participantId"]): r for r in map(json.loads, printed.splitlines())}
    assert (rows[calls[0]]["effectiveSource"], rows[calls[0]]["reviewStatus"]) == ("review", "resolved_unverified")
    assert (rows[calls[1]]["effectiveSource"], rows[calls[1]]["reviewStatus"]) == ("none", "resolved")
    assert len(delivered_records()) == 4  # two first versions, two reviews


ALIAS = "arn:aws:lambda:us-east-1:123456789012:function:wg-ApplyWrapupFunction:live"


def test_the_data_action_checks_the_reviewers_code(
    ledger_env: dict[str, str], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the deployed function reachable: a name is resolved to the org's code and the row is verified
    (`resolved`); a code the participant's queue does not have is refused with nothing written."""
    from tests.support.lambda_invoke import InProcessLambda

    monkeypatch.setenv("WRAPGUARD_APPLY_FUNCTION", ALIAS)
    data_action = InProcessLambda({ALIAS: load_handler("apply_wrapup")})
    start = datetime.now(UTC) - timedelta(minutes=12)
    by_name, unknown = (ended_call(world, start + timedelta(seconds=i), coded=False) for i in range(2))
    reconcile()

    def run(*argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = review_main(list(argv), out, err=err, invoker=data_action)
        return code, out.getvalue(), err.getvalue()

    assert run("resolve", *by_name, "--code", "escalated", "--note", "n", "--by", "ana")[0] == 0
    code, _, err = run("resolve", *unknown, "--code-id", world.sales, "--note", "n", "--by", "ana")
    assert code == 2 and "is not a wrap-up code valid for" in err  # Sale is not a support queue code
    assert [payload["wrapguardOperation"] for _, _, payload in data_action.calls] == ["check_code", "check_code"]
    _, printed, _ = run("ledger", "--format", "jsonl")
    rows = {(r["conversationId"], r["participantId"]): r for r in map(json.loads, printed.splitlines())}
    settled = rows[by_name]
    assert (settled["effectiveSource"], settled["effectiveCodeId"], settled["effectiveCodeName"]) == (
        "review",
        world.escalated,
        "Escalated",
    )
    assert settled["reviewStatus"] == "resolved"  # verified by the function
    assert (rows[unknown]["effectiveSource"], rows[unknown]["version"]) == ("none", 1)
    failure = (
        boto3.resource("dynamodb")
        .Table(ledger_env["WRAPGUARD_FAILURES_TABLE"])
        .get_item(Key={"conversationId": unknown[0], "participantId": unknown[1]})["Item"]
    )
    assert failure["status"] == "open"


def test_a_failing_function_leaves_ids_unverified_and_refuses_names(
    ledger_env: dict[str, str], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.lambda_invoke import InProcessLambda

    monkeypatch.setenv("WRAPGUARD_APPLY_FUNCTION", ALIAS)
    cid, pid = ended_call(world, datetime.now(UTC) - timedelta(minutes=12), coded=False)
    reconcile()
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", "wrong")  # the function cannot reach Genesys: it raises
    broken = InProcessLambda({ALIAS: load_handler("apply_wrapup")})

    def run(*argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = review_main(list(argv), out, err=err, invoker=broken)
        return code, out.getvalue(), err.getvalue()

    code, _, err = run("resolve", cid, pid, "--code", "Escalated", "--note", "n", "--by", "ana")
    assert code == 2 and "could not be reached" in err and err.count("\n") == 1
    code, _, err = run("resolve", cid, pid, "--code-id", world.escalated, "--note", "n", "--by", "ana")
    assert code == 0 and "unverified" in err
    _, printed, _ = run("ledger", "--format", "jsonl")
    (row,) = map(json.loads, printed.splitlines())
    assert (row["effectiveSource"], row["reviewStatus"]) == ("review", "resolved_unverified")


def test_a_retry_that_applied_writes_a_wrapguard_version(
    ledger_env: dict[str, str], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`retry` through the data action applies the recorded code inside the window: the participant's
    ledger version says Genesys holds it and wrapguard put it there."""
    from tests.support.lambda_invoke import InProcessLambda
    from wrapguard.domain.deadline import Deadline
    from wrapguard.domain.failures import Failure, FailureReason, FailureSource
    from wrapguard.store.failures import FailureStore
    from wrapguard.store.ledger import LedgerTable

    monkeypatch.setenv("WRAPGUARD_APPLY_FUNCTION", ALIAS)
    data_action = InProcessLambda({ALIAS: load_handler("apply_wrapup")})
    cid, pid = world.call_in_acw()
    ended = datetime.now(UTC) - timedelta(minutes=1)
    FailureStore(tests_db(), ledger_env["WRAPGUARD_FAILURES_TABLE"]).record(
        Failure(
            conversation_id=cid,
            participant_id=pid,
            reason=FailureReason.RATE_LIMITED,
            source=FailureSource.DATA_ACTION,
            message="earlier attempt failed",
            wrapup_code_id=world.escalated,
            conversation_end=ended,  # the agent's end, as the data action records it
        ),
        deadline=Deadline.unbounded(),
    )
    out, err = io.StringIO(), io.StringIO()
    assert review_main(["retry", cid, "--by", "ana"], out, err=err, invoker=data_action) == 0, err.getvalue()
    row = LedgerTable(tests_db(), ledger_env["LEDGER_TABLE_NAME"]).latest((cid, pid), deadline=Deadline.after(5))
    assert row is not None
    assert (row.effective_source, row.effective_code_id, row.genesys_code_id, row.reviewed_by) == (
        EffectiveSource.WRAPGUARD,
        world.escalated,
        world.escalated,
        "ana",
    )
    assert [r["effectiveSource"] for r in delivered_records()] == ["wrapguard"]


def tests_db() -> Any:
    from tests.support.aws import local_db

    return local_db()
