"""Observe mode's figures: stats (table, --json, CSV) and the HTML report show the same wouldApply,
wouldFix and wouldFixRate, and an item that holds only an observation is not counted as a failure."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta

from wrapguard.cli.report import SECTIONS, render_report
from wrapguard.cli.stats import render_table, write_csv
from wrapguard.domain.compliance import ComplianceCounts
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.stats import DailyCounts, FailureFact, compute

DAY = date(2026, 11, 24)


class Compliance:
    def daily(self, since: date, until: date, *, per_agent: bool = False, deadline: Deadline) -> list[DailyCounts]:
        observed = ComplianceCounts(checked=10, coded=6, missing=3, placeholder=1, would_apply=5, would_fix=3)
        enforced = ComplianceCounts(checked=4, coded=4)
        return [
            DailyCounts("2026-11-24", "q-observe", "voice", None, observed),
            DailyCounts("2026-11-24", "q-enforce", "voice", None, enforced),
        ]


class Failures:
    def facts(self, since: date, *, deadline: Deadline) -> list[FailureFact]:
        return [
            FailureFact("2026-11-24", "missing_wrapup", "reconcile", "open", "q-observe", "u", "voice"),
            FailureFact("2026-11-24", "", "", "observed", "q-observe", "u", "voice"),  # only an observation
        ]


def by_queue() -> dict[str, dict[str, object]]:
    stats = compute(("queue",), DAY, DAY, Compliance(), Failures(), deadline=Deadline.unbounded())
    return {row["queue"]["id"]: row for row in stats.as_dict()["rows"]}


def test_would_apply_and_would_fix_per_queue_with_the_rate_over_the_uncoded() -> None:
    rows = by_queue()
    assert (rows["q-observe"]["wouldApply"], rows["q-observe"]["wouldFix"]) == (5, 3)
    assert rows["q-observe"]["wouldFixRate"] == 3 / 4  # of 3 missing + 1 placeholder-only
    assert (rows["q-enforce"]["wouldApply"], rows["q-enforce"]["wouldFixRate"]) == (0, None)
    assert rows["q-observe"]["failures"] == 1  # the observation-only item is not a failure


def test_table_csv_and_report_show_the_json_numbers() -> None:
    stats = compute(("queue",), DAY, DAY, Compliance(), Failures(), deadline=Deadline.unbounded())
    table = render_table(stats)
    header = table.splitlines()[1]
    assert "wouldApply" in header and "wouldFix" in header and "would fix %" in header
    assert re.search(r"q-observe .* 5 +3 +75\.0%", table)
    out = io.StringIO()
    write_csv(stats, out)
    rows = {r["queueId"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert (rows["q-observe"]["wouldApply"], rows["q-observe"]["wouldFix"], rows["q-observe"]["wouldFixRate"]) == (
        "5",
        "3",
        "0.75",
    )
    sections = [
        (title, compute((key,), DAY, DAY, Compliance(), Failures(), deadline=Deadline.unbounded()))
        for key, title in SECTIONS
    ]
    page = render_report(sections, generated=datetime(2026, 11, 25) + timedelta(hours=1))
    section = page[page.index('<section id="observe-mode">') :]
    assert "Observe mode: what wrapguard would have done" in section
    (row,) = [r for r in section.split("</tr>") if 'data-id="q-observe"' in r]
    cells = dict(re.findall(r'data-field="(would\w+)" data-value="([^"]*)"', row))
    assert cells == {"wouldApply": "5", "wouldFix": "3", "wouldFixRate": "0.75"}
