"""Compliance and failure figures over a period, grouped: the one source of `wrapguard-review stats`
(table, JSON, CSV) and of the HTML report.

Compliance comes from the reconciler's per-day aggregates (domain/compliance.py, store/compliance.py);
failures from the failure table, filed under the day their conversation ended (records written
before that field existed: the day they were first seen). Figures are per UTC day, so a period
starts at the beginning of the day `since` falls in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from .compliance import COUNT_FIELDS, UNKNOWN, ComplianceCounts
from .deadline import Deadline

# Every grouping key; compliance cannot be split by reason or source (those are failure properties).
GROUP_KEYS = ("queue", "agent", "media", "day", "reason", "source")
FAILURE_ONLY_KEYS = frozenset({"reason", "source"})


@dataclass(frozen=True)
class DailyCounts:
    """One aggregate: a day's compliance counts for a queue and media type (and an agent, if known)."""

    day: str
    queue_id: str | None
    media_type: str | None
    user_id: str | None
    counts: ComplianceCounts


@dataclass(frozen=True)
class FailureFact:
    """What stats need of one failure record."""

    day: str
    reason: str
    source: str
    status: str
    queue_id: str | None
    user_id: str | None
    media_type: str | None


class ComplianceReader(Protocol):
    def daily(
        self, since: date, until: date, *, per_agent: bool = False, deadline: Deadline
    ) -> Iterable[DailyCounts]: ...


class FailureReader(Protocol):
    def facts(self, since: date, *, deadline: Deadline) -> Iterable[FailureFact]:
        """Failures last seen on or after `since` (a superset; stats filter by day)."""
        ...


@dataclass
class Row:
    key: dict[str, str]  # grouping key -> id (UNKNOWN when absent)
    compliance: ComplianceCounts | None = None  # None when grouped by reason or source
    failures: int = 0
    open: int = 0

    def figures(self, total_failures: int) -> dict[str, Any]:
        """The row's numbers with rates (None when the denominator is 0)."""
        result: dict[str, Any] = {}
        if self.compliance is not None:
            counts = self.compliance
            result.update({name: getattr(counts, name) for name in COUNT_FIELDS})
            result["complianceRate"] = counts.compliance_rate
            result["missingRate"] = counts.uncoded / counts.checked if counts.checked else None
        result["failures"] = self.failures
        result["openFailures"] = self.open
        result["failureShare"] = self.failures / total_failures if total_failures else None
        return result


@dataclass
class Stats:
    since: date
    until: date
    by: tuple[str, ...]
    rows: list[Row]
    total: Row
    compliance_kept: bool  # False: no compliance table configured, failures only
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # "queue"/"agent" -> id -> name

    def label(self, key: str, value: str) -> str:
        return self.names.get(key, {}).get(value, value)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape: `stats --json` prints it and the HTML report shows exactly these numbers."""
        total_failures = self.total.failures
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "by": list(self.by),
            "complianceKept": self.compliance_kept,
            "rows": [
                {
                    **{key: _keyed(key, value, self) for key, value in row.key.items()},
                    **row.figures(total_failures),
                }
                for row in self.rows
            ],
            "total": self.total.figures(total_failures),
        }


def _keyed(key: str, value: str, stats: Stats) -> Any:
    if key in {"queue", "agent"}:
        return {"id": None if value == UNKNOWN else value, "name": stats.names.get(key, {}).get(value)}
    return None if value == UNKNOWN else value


def days(since: date, until: date) -> Iterator[date]:
    day = since
    while day <= until:
        yield day
        day += timedelta(days=1)


def compute(
    by: Iterable[str],
    since: date,
    until: date,
    compliance: ComplianceReader | None,
    failures: FailureReader,
    *,
    deadline: Deadline,
) -> Stats:
    """Group compliance aggregates and failure records by `by` (any of GROUP_KEYS, in that order)."""
    keys = tuple(dict.fromkeys(by))
    unknown = [k for k in keys if k not in GROUP_KEYS]
    if unknown:
        raise ValueError(f"cannot group by {', '.join(unknown)}; use {', '.join(GROUP_KEYS)}")
    rows: dict[tuple[str, ...], Row] = {}
    total = Row(key={}, compliance=ComplianceCounts() if compliance is not None else None)
    with_compliance = compliance is not None and not FAILURE_ONLY_KEYS & set(keys)
    if compliance is not None:
        for aggregate in compliance.daily(since, until, per_agent="agent" in keys, deadline=deadline):
            assert total.compliance is not None
            total.compliance.merge(aggregate.counts)
            if with_compliance:
                values = _values(keys, aggregate)
                row = rows.setdefault(values, Row(dict(zip(keys, values, strict=True)), ComplianceCounts()))
                assert row.compliance is not None
                row.compliance.merge(aggregate.counts)
    first, last = since.isoformat(), until.isoformat()
    for fact in failures.facts(since, deadline=deadline):
        if not first <= fact.day <= last:
            continue
        values = _values(keys, fact)
        row = rows.setdefault(
            values, Row(dict(zip(keys, values, strict=True)), ComplianceCounts() if with_compliance else None)
        )
        for counted in (row, total):
            counted.failures += 1
            counted.open += fact.status == "open"
    ordered = sorted(rows.values(), key=lambda r: tuple(r.key.values()))
    return Stats(since, until, keys, ordered, total, compliance_kept=compliance is not None)


def _values(keys: tuple[str, ...], source: DailyCounts | FailureFact) -> tuple[str, ...]:
    fields: Mapping[str, str | None] = {
        "queue": source.queue_id,
        "agent": source.user_id,
        "media": source.media_type,
        "day": source.day,
        "reason": getattr(source, "reason", None),
        "source": getattr(source, "source", None),
    }
    return tuple(fields[key] or UNKNOWN for key in keys)
