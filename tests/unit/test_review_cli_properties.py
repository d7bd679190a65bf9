"""Property-based tests of wrapguard-review's input handling: filters, tokens, ids and batch files.

Whatever the input: the exit code is one of the documented ones, a rejected input (exit 2) gives
exactly one line on stderr and nothing on stdout, and nothing is written for it. The store is a
recording fake (the CLI's reads and writes against DynamoDB are covered in tests/integration).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import string
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wrapguard.cli import common
from wrapguard.cli.batch_input import MAX_BYTES, MAX_ITEMS
from wrapguard.cli.common import ExitCode
from wrapguard.cli.filters import STATUS_CHOICES, PageToken, parse_since, statuses
from wrapguard.cli.review import main
from wrapguard.domain.failures import FailureStatus
from wrapguard.identifiers import is_uuid
from wrapguard.store.failures import IndexPosition, ReviewOutcome, ReviewResult

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
DOCUMENTED = {int(code) for code in ExitCode}


class RecordingStore:
    """Answers every read with nothing and records every write attempt."""

    last: RecordingStore | None = None

    def __init__(self, db: Any, table_name: str) -> None:
        self.table_name = table_name
        self.writes: list[tuple[Any, ...]] = []
        RecordingStore.last = self

    def newest_first(
        self, positions: Mapping[FailureStatus, IndexPosition | None], **_: Any
    ) -> Iterator[dict[str, Any]]:
        assert all(isinstance(p, IndexPosition | None) for p in positions.values())
        return iter([])

    def by_status(self, status: FailureStatus, **_: Any) -> Iterator[dict[str, Any]]:
        return iter([])

    def scan(self, **_: Any) -> Iterator[dict[str, Any]]:
        return iter([])

    def for_conversation(self, conversation_id: str, **_: Any) -> list[dict[str, Any]]:
        return []

    def get(self, conversation_id: str, participant_id: str, **_: Any) -> dict[str, Any] | None:
        return None

    def set_status(self, conversation_id: str, participant_id: str, status: FailureStatus, **kw: Any) -> ReviewResult:
        self.writes.append((conversation_id, participant_id, status, kw))
        return ReviewResult(ReviewOutcome.NOT_FOUND)


def cli(*argv: str, stdin: str = "") -> tuple[int, str, str, list[tuple[Any, ...]]]:
    """Exit code, stdout, stderr and the write attempts of one run."""
    RecordingStore.last = None
    out, err = io.StringIO(), io.StringIO()
    with patch.object(common, "FailureStore", RecordingStore):
        code = main(["--table", "failures", *argv], out=out, err=err, stdin=io.StringIO(stdin))
    writes: list[tuple[Any, ...]] = RecordingStore.last.writes if RecordingStore.last else []
    return code, out.getvalue(), err.getvalue(), writes


def assert_rejected(code: int, out: str, err: str, writes: list[tuple[Any, ...]]) -> None:
    assert code == ExitCode.USAGE
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("wrapguard-review: ") and "Traceback" not in err, err
    assert writes == []


def option(name: str, value: str) -> list[str]:
    """`--name=value` passes any text through argparse (a value starting with '-' included)."""
    return [f"{name}={value}"]


relative = st.builds(lambda n, unit: f"{n}{unit}", st.integers(0, 10**13), st.sampled_from("mhd"))
iso_dates = st.datetimes(timezones=st.none() | st.just(UTC)).map(datetime.isoformat)
since_text = st.one_of(st.text(max_size=30), relative, iso_dates, st.dates().map(str))
status_text = st.one_of(st.sampled_from(STATUS_CHOICES), st.text(max_size=12))
limit_text = st.one_of(st.integers(-10, 2000).map(str), st.text(max_size=8))
key_text = st.text(min_size=1, max_size=40)
positions = st.one_of(st.none(), st.builds(IndexPosition, key_text, key_text, key_text))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def token_for(status: str, data: st.DataObject) -> str:
    return PageToken(status, {s: data.draw(positions) for s in statuses(status)}).encode()


def garbage_token(body: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode()


@SETTINGS
@given(
    since=st.none() | since_text,
    status=st.none() | status_text,
    limit=st.none() | limit_text,
    token=st.none() | st.text(max_size=60) | json_values.map(garbage_token),
)
def test_list_filters_give_a_page_or_one_typed_error(
    since: str | None, status: str | None, limit: str | None, token: str | None
) -> None:
    argv = ["list", "--json"]
    for name, value in (("--since", since), ("--status", status), ("--limit", limit), ("--next-token", token)):
        if value is not None:
            argv += option(name, value)
    code, out, err, writes = cli(*argv)
    assert code in {ExitCode.OK, ExitCode.USAGE}
    assert writes == []
    if code == ExitCode.USAGE:
        assert_rejected(code, out, err, writes)
    else:
        assert json.loads(out) == {"items": [], "nextToken": None} and err == ""


@SETTINGS
@given(
    data=st.data(),
    status=st.sampled_from(STATUS_CHOICES),
    limit=st.integers(1, 1000),
    since=st.one_of(
        st.builds(lambda n, unit: f"{n}{unit}", st.integers(0, 10**4), st.sampled_from("mhd")),  # < 56 years
        st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30)).map(datetime.isoformat),
    ),
)
def test_valid_filters_and_printed_tokens_are_accepted(
    data: st.DataObject, status: str, limit: int, since: str
) -> None:
    token = token_for(status, data)
    code, out, err, _ = cli(
        "list", "--status", status, "--limit", str(limit), *option("--since", since), "--next-token", token
    )
    assert code == ExitCode.OK, err
    assert "0 failure(s)" in out and err == ""


@SETTINGS
@given(data=st.data(), printed_for=st.sampled_from(STATUS_CHOICES), used_with=st.sampled_from(STATUS_CHOICES))
def test_a_token_resumes_only_the_status_filter_it_was_printed_for(
    data: st.DataObject, printed_for: str, used_with: str
) -> None:
    token = token_for(printed_for, data)
    code, out, err, writes = cli("list", "--status", used_with, "--next-token", token)
    if printed_for == used_with:
        assert code == ExitCode.OK
        assert PageToken.decode(token, used_with) == PageToken.decode(token, printed_for)
    else:
        assert_rejected(code, out, err, writes)
        assert f"--status {printed_for}" in err


@SETTINGS
@given(value=since_text)
def test_since_is_a_moment_from_1970_or_a_typed_error(value: str) -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    try:
        moment = parse_since(value, now=now)
    except argparse.ArgumentTypeError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 120
    else:
        assert moment.tzinfo is not None and moment >= datetime(1970, 1, 1, tzinfo=UTC)


uuids = st.uuids().map(str)
id_text = st.one_of(uuids, uuids.map(str.upper), st.text(max_size=40), uuids.map(lambda u: f"{{{u}}}"), st.just(""))
participant_text = st.one_of(id_text, st.just("unresolved"))


@SETTINGS
@given(command=st.sampled_from(["resolve", "ignore"]), cid=id_text, pid=participant_text)
def test_review_ids_are_canonical_uuids_or_rejected_with_nothing_written(command: str, cid: str, pid: str) -> None:
    code, out, err, writes = cli(command, "--note", "n", "--by", "ana", "--", cid, pid)
    valid = is_uuid(cid) and (is_uuid(pid) or pid == "unresolved")
    if not valid:
        assert_rejected(code, out, err, writes)
        return
    assert code == ExitCode.NOT_FOUND  # the fake knows no item
    assert [w[:2] for w in writes] == [(cid.lower(), pid.lower() if pid != "unresolved" else pid)]


@SETTINGS
@given(command=st.sampled_from(["show", "retry"]), cid=id_text)
def test_show_and_retry_ids(command: str, cid: str) -> None:
    code, out, err, writes = cli(command, "--", cid)
    if is_uuid(cid):
        assert code == ExitCode.NOT_FOUND and writes == []
    else:
        assert_rejected(code, out, err, writes)


csv_safe = st.text(
    alphabet=st.characters(blacklist_characters=',"\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029'), min_size=1, max_size=30
).filter(lambda t: t.strip() != "" and t.strip() not in {"conversationId", "participantId", "note"})
batch_id = st.one_of(uuids, uuids, csv_safe)


@SETTINGS
@given(
    rows=st.lists(st.tuples(batch_id, st.one_of(batch_id, st.just("unresolved"))), min_size=1, max_size=6),
    as_json=st.booleans(),
)
def test_a_batch_is_written_only_when_every_line_is_valid(rows: list[tuple[str, str]], as_json: bool) -> None:
    if as_json:
        text = "\n".join(json.dumps({"conversationId": c, "participantId": p}) for c, p in rows)
    else:
        text = "\n".join(f"{c},{p}" for c, p in rows)
    code, out, err, writes = cli("resolve", "--from-file", "-", "--note", "n", "--by", "ana", stdin=text)
    valid = all(is_uuid(c.strip()) and (is_uuid(p.strip()) or p.strip() == "unresolved") for c, p in rows)
    if not valid:
        assert_rejected(code, out, err, writes)
        return
    assert code == ExitCode.NOT_FOUND
    assert len(writes) == len({(c.strip().lower(), p.strip().lower()) for c, p in rows})


@SETTINGS
@given(text=st.text(max_size=200))
def test_any_batch_text_gives_a_documented_code(text: str) -> None:
    code, out, err, writes = cli("ignore", "--from-file", "-", "--note", "n", "--by", "ana", stdin=text)
    assert code in DOCUMENTED
    if code == ExitCode.USAGE:
        assert_rejected(code, out, err, writes)


def test_huge_relative_since_and_old_dates_are_usage_errors() -> None:
    for value in ("99999999d", "9999999999999m", "0001-01-01", "1969-12-31T23:59:59Z"):
        assert_rejected(*cli("list", *option("--since", value)))
    assert cli("list", "--since", "0m")[0] == ExitCode.OK
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert cli("list", *option("--since", future))[0] == ExitCode.OK


def test_token_text_never_holds_more_than_the_alphabet() -> None:
    token = PageToken("all", {s: IndexPosition("2026-11-20T09:00:00.000Z", "c" * 36, "p") for s in FailureStatus})
    assert set(token.encode()) <= set(string.ascii_letters + string.digits + "-_")
    assert PageToken.decode(token.encode(), "all") == token


A, B, C = (str(u) for u in (uuid.uuid4(), uuid.uuid4(), uuid.uuid4()))
FIVE = [f"{A},{B},one", f"{B},{C},two", f"{C},{A},three", f"{A},{C},four", f"{B},{A},five"]


def with_line_2(text: str) -> str:
    return "\n".join([FIVE[0], text, *FIVE[2:]]) + "\n"


@pytest.mark.parametrize(
    ("batch", "problem"),
    [
        (with_line_2(f'"{FIVE[1]}'), "line 2: a quoted cell starting here is never closed"),  # used to succeed
        (with_line_2(f"{B},{C},two,three"), "line 2: 4 column(s)"),
        (with_line_2(f"{B},{C[:-1]},two"), "line 2: participantId (column 2) must be a UUID"),
        (with_line_2(f" ,{C},two"), "line 2: conversationId (column 1) is empty"),
        ("conversationId,participantId,notes\n" + "\n".join(FIVE), "line 1: unknown column 'notes' (column 3)"),
        ("\n".join(FIVE * 2001), f"more than {MAX_ITEMS} items"),
        (FIVE[0] + "," + "x" * MAX_BYTES, f"more than {MAX_BYTES:,} bytes"),
    ],
)
@pytest.mark.parametrize("command", ["resolve", "ignore"])
def test_a_malformed_batch_is_rejected_whole_before_any_write(command: str, batch: str, problem: str) -> None:
    code, out, err, writes = cli(command, "--from-file", "-", "--by", "ana", stdin=batch)
    assert_rejected(code, out, err, writes)
    assert err.startswith("wrapguard-review: --from-file -") and problem in err, err


def test_a_well_formed_batch_of_the_same_lines_is_written() -> None:
    code, _, err, writes = cli("resolve", "--from-file", "-", "--by", "ana", stdin="\n".join(FIVE))
    assert code == ExitCode.NOT_FOUND, err  # the fake knows no item, but every line was tried
    assert [(w[0], w[1], w[3]["note"]) for w in writes] == [tuple(line.split(",")) for line in FIVE]
