"""`wrapguard-review stats` and `report --html` against the local DynamoDB server, names from the simulator."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.support.aws import deadline_from, local_db
from tests.support.compliance import AGENT_1, AGENT_2, MIDNIGHT, Clock, reconciler, seed
from tests.support.world import World
from wrapguard.cli.review import main
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.failures import FailureReason, FailureSource, Subject, build_failure
from wrapguard.settings import WRAPUP_TIMEOUT_CODE
from wrapguard.store.failures import FailureStore

pytestmark = pytest.mark.integration
PERIOD = ["--since", "2026-11-24", "--until", "2026-11-25T23:59:59Z"]


@pytest.fixture
def recorded(function_env: dict[str, Any], world: World, tables: dict[str, str]) -> dict[str, Any]:
    """The seeded traffic reconciled, plus a data action failure on the 25th (support queue, agent 1)."""
    seed(world)
    reconciler(world, tables, Clock(MIDNIGHT + timedelta(minutes=30)), frozenset({WRAPUP_TIMEOUT_CODE})).run(
        deadline=deadline_from(lambda: 1e9)
    )
    FailureStore(local_db(), tables["FailuresTable"]).record(
        build_failure(
            Subject(
                "c-da",
                "p-da",
                AGENT_1,
                world.support_queue,
                media_type="voice",
                conversation_end=MIDNIGHT + timedelta(hours=1),
            ),
            FailureSource.DATA_ACTION,
            reason=FailureReason.WINDOW_CLOSED,
            message="closed",
        ),
        deadline=Deadline.unbounded(),
    )
    return {"support": world.support_queue, "sales": world.sales_queue}


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


def stats_json(*argv: str) -> dict[str, Any]:
    code, text = run("--json", "stats", *PERIOD, *argv)
    assert code == 0
    return json.loads(text)  # type: ignore[no-any-return]


def test_groupings_and_rates(recorded: dict[str, Any]) -> None:
    support, sales = recorded["support"], recorded["sales"]
    by_queue = stats_json("--by", "queue")
    rows = {row["queue"]["id"]: row for row in by_queue["rows"]}
    assert rows[support]["queue"]["name"] == "Support"  # Genesys settings present: names read from it
    assert {
        k: rows[support][k] for k in ("checked", "coded", "missing", "placeholder", "failures", "openFailures")
    } == {
        "checked": 4,
        "coded": 2,
        "missing": 1,
        "placeholder": 1,
        "failures": 3,  # missing, placeholder (reconcile) + window closed (data action)
        "openFailures": 3,
    }
    assert rows[support]["complianceRate"] == 0.5 and rows[support]["missingRate"] == 0.5
    assert (rows[sales]["checked"], rows[sales]["coded"], rows[sales]["failures"]) == (2, 1, 1)
    assert by_queue["total"]["checked"] == 6 and by_queue["total"]["complianceRate"] == 0.5
    assert by_queue["total"]["failures"] == 4
    assert sum(row["failureShare"] for row in by_queue["rows"]) == pytest.approx(1.0)

    by_agent_day = stats_json("--by", "agent,day")
    figures = {(row["agent"]["name"], row["day"]): (row["checked"], row["coded"]) for row in by_agent_day["rows"]}
    assert figures == {
        ("Ana Agent", "2026-11-24"): (2, 1),
        ("Bo Agent", "2026-11-24"): (1, 0),
        ("Ana Agent", "2026-11-25"): (1, 1),
        ("Bo Agent", "2026-11-25"): (2, 1),
    }
    by_reason = stats_json("--by", "reason", "--by", "source")
    assert {(r["reason"], r["source"]): r["failures"] for r in by_reason["rows"]} == {
        ("missing_wrapup", "reconcile"): 2,
        ("placeholder_code", "reconcile"): 1,
        ("window_closed", "data_action"): 1,
    }
    assert "checked" not in by_reason["rows"][0]  # compliance has no reason or source
    one_day = stats_json("--by", "queue", "--since", "2026-11-25")
    assert {r["queue"]["id"]: r["checked"] for r in one_day["rows"]} == {support: 1, sales: 2}


def test_table_csv_and_json_agree(recorded: dict[str, Any]) -> None:
    as_json = stats_json("--by", "queue,day")
    code, text = run("stats", *PERIOD, "--by", "queue,day", "--format", "csv")
    assert code == 0
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert len(parsed) == len(as_json["rows"])
    for line, row in zip(parsed, as_json["rows"], strict=True):
        assert (line["queueId"], line["queueName"], line["day"]) == (
            row["queue"]["id"],
            row["queue"]["name"],
            row["day"],
        )
        assert int(line["checked"]) == row["checked"] and int(line["failures"]) == row["failures"]
        assert float(line["complianceRate"]) == row["complianceRate"]
    code, table = run("stats", *PERIOD, "--by", "queue")
    assert code == 0 and "Support" in table and "50.0%" in table and table.splitlines()[-1].startswith("total")
    code, ids_only = run("stats", *PERIOD, "--by", "queue", "--ids")
    assert "Support" not in ids_only and recorded["support"] in ids_only


def test_usage_errors_are_one_line_with_exit_2(recorded: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert run("stats", "--by", "colour")[0] == 2
    assert run("stats", "--since", "2026-11-25", "--until", "2026-11-24")[0] == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 2 and all(e.startswith("wrapguard-review: ") for e in errors)


class Page(HTMLParser):
    """Tables (data-by -> rows of data-field -> data-value/text), SVG charts, and anything that loads."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[dict[str, str]]] = {}
        self.charts: list[str] = []
        self.rects = 0
        self.external: list[str] = []
        self.scripts = 0
        self._table: str | None = None
        self._cell: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        for attr in ("src", "href"):
            if a.get(attr):
                self.external.append(str(a[attr]))
        if tag == "table":
            self._table = a["data-by"]
            self.tables[str(self._table)] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append({})
        elif tag == "td" and self._table:
            self._cell = a
            field = str(a["data-field"])
            row = self.tables[self._table][-1]
            row[field] = str(a.get("data-value") if "data-value" in a else a.get("data-id"))
        elif tag == "svg":
            self.charts.append(str(a.get("aria-label")))
        elif tag == "rect":
            self.rects += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None


def test_html_report_shows_the_same_figures_as_stats_json(recorded: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    code, _ = run("report", "--html", str(target), *PERIOD)
    assert code == 0
    page = Page()
    page.feed(target.read_text(encoding="utf-8"))
    assert page.scripts == 0 and page.external == []  # self-contained: nothing to fetch, nothing to run
    assert set(page.tables) == {"day", "queue", "agent", "reason", "source"}
    assert len(page.charts) == 5 and page.rects >= 10
    for by, rows in page.tables.items():
        body = [row for row in rows if row]  # the header row has no data cells
        expected = stats_json("--by", by)["rows"]
        assert len(body) == len(expected), by
        for shown, row in zip(body, expected, strict=True):
            key = row[by]["id"] if isinstance(row[by], dict) else row[by]
            assert shown[by] == str(key)
            for field, value in shown.items():
                if field != by:
                    assert value == ("" if row[field] is None else str(row[field])), (by, field)
    text = target.read_text(encoding="utf-8")
    assert ">Bo Agent</td>" in text and ">Support</td>" in text and f">{AGENT_2}<" not in text  # names shown
