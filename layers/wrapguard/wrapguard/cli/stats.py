"""`wrapguard-review stats`: compliance and failures over a period, grouped, as a table, JSON or CSV.

  wrapguard-review stats [--since 7d] [--until DATE] [--by queue|agent|media|day|reason|source ...]
                         [--format table|csv] [--json] [--compliance-table NAME] [--ids]

Errors and exit codes as every subcommand (common.py): a bad --by or period is a usage error (2).

The figures come from domain/stats.py (the HTML report shows the same ones). Compliance needs the
reconciler's compliance table (--compliance-table, WRAPGUARD_COMPLIANCE_TABLE or
COMPLIANCE_TABLE_NAME); without it only failures are shown. Queue and agent names are read from
Genesys once per run when its settings are present (as for `retry`), ids otherwise or with --ids.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any, TextIO

from ..domain.compliance import UNKNOWN
from ..domain.stats import GROUP_KEYS, Row, Stats, compute
from .common import Commands, Context, ExitCode, UsageError, add_command
from .filters import parse_since
from .safe_csv import SafeCsvWriter
from .tables import render

KEY_HEADERS = {
    "queue": "queue",
    "agent": "agent",
    "media": "media",
    "day": "day",
    "reason": "reason",
    "source": "source",
}
COUNT_COLUMNS = ["checked", "coded", "missing", "placeholder", "complianceRate", "missingRate"]
FAILURE_COLUMNS = ["failures", "openFailures", "failureShare"]


def register(commands: Commands) -> None:
    parser = add_command(commands, "stats", run, help="compliance and failures over a period, grouped, with rates")
    add_period_options(parser)
    parser.add_argument("--format", choices=["table", "csv"], default="table", help="output (or --json)")


def add_period_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by `stats` and `report`."""
    parser.add_argument("--since", type=parse_since, default="7d", help="30m, 24h, 7d or an ISO date (default 7d)")
    parser.add_argument("--until", type=parse_since, help="end of the period (default: now)")
    parser.add_argument(
        "--by",
        action="append",
        help=f"group by {', '.join(GROUP_KEYS)}; repeat or comma-separate for several (default: queue)",
    )
    parser.add_argument("--compliance-table", help="default: $WRAPGUARD_COMPLIANCE_TABLE or $COMPLIANCE_TABLE_NAME")
    parser.add_argument("--ids", action="store_true", help="show ids, do not look names up in Genesys")


def grouping(args: argparse.Namespace, default: tuple[str, ...] = ("queue",)) -> tuple[str, ...]:
    keys = tuple(k.strip() for value in (args.by or []) for k in value.split(",") if k.strip()) or default
    unknown = [k for k in keys if k not in GROUP_KEYS]
    if unknown:
        raise UsageError(f"stats: --by: unknown {', '.join(unknown)}; use {', '.join(GROUP_KEYS)}")
    return keys


def load_stats(ctx: Context, args: argparse.Namespace, by: tuple[str, ...], names: Any = None) -> Stats:
    """Read both tables for the period and group them; names resolved through `names` (a Directory)."""
    from ..store.compliance import ComplianceTable

    until = args.until or datetime.now(UTC)
    if until < args.since:
        raise UsageError("--until is before --since")
    table = args.compliance_table or ctx.settings.compliance_table
    compliance = ComplianceTable(ctx.db, table) if table else None
    stats = compute(
        by, args.since.date(), until.astimezone(UTC).date(), compliance, ctx.failures, deadline=ctx.deadline
    )
    if names is None and not args.ids:
        names = genesys_directory()
    if names is not None:
        stats.names = resolve_names(names, stats, ctx)
    return stats


def genesys_directory() -> Any:
    """A Directory when the Genesys settings are present, else None (ids are shown)."""
    from ..domain.deadline import Deadline
    from ..genesys.directory import Directory
    from ..settings import GenesysSettings, SettingsError, load_settings
    from .common import CLI_DEADLINE_SECONDS, workstation_genesys

    try:
        settings = load_settings(GenesysSettings)
    except SettingsError:
        return None
    return Directory(workstation_genesys(settings), Deadline.after(CLI_DEADLINE_SECONDS))


def resolve_names(directory: Any, stats: Stats, ctx: Context) -> dict[str, dict[str, str]]:
    names: dict[str, dict[str, str]] = {}
    for kind in ("queue", "agent"):
        ids = {row.key[kind] for row in stats.rows if kind in row.key}
        ids.discard("-")
        if not ids:
            continue
        try:
            names[kind] = directory.names(kind, ids)
        except Exception as exc:  # names are a convenience: the figures stand without them
            ctx.warn(f"{kind} names not available ({type(exc).__name__}); showing ids")
    return names


def run(ctx: Context, args: argparse.Namespace) -> int:
    stats = load_stats(ctx, args, grouping(args))
    if ctx.json:
        ctx.emit_json(stats.as_dict())
    elif args.format == "csv":
        write_csv(stats, ctx.out)
    else:
        print(render_table(stats), file=ctx.out)
    return ExitCode.OK


def _columns(stats: Stats) -> list[str]:
    with_compliance = stats.compliance_kept and all(row.compliance is not None for row in stats.rows)
    return (COUNT_COLUMNS if with_compliance else []) + FAILURE_COLUMNS


def write_csv(stats: Stats, out: TextIO) -> None:
    """One line per group: ids (and names) of the keys, counts, and rates as fractions.

    Through SafeCsvWriter: names and ids from Genesys are neutralised text, figures stay numbers. A
    key with no value (no queue, no media type) is an empty cell, as it is null in --json.
    """
    key_columns = [c for key in stats.by for c in ((f"{key}Id", f"{key}Name") if key in {"queue", "agent"} else (key,))]
    columns = _columns(stats)
    writer = SafeCsvWriter(out, key_columns + columns)
    for row, figures in zip(stats.rows, stats.as_dict()["rows"], strict=True):
        keys: list[str | None] = []
        for key in stats.by:
            value = None if row.key[key] == UNKNOWN else row.key[key]
            name = stats.names.get(key, {}).get(value) if value is not None else None
            keys.extend((value, name) if key in {"queue", "agent"} else (value,))
        writer.row([*keys, *(figures.get(c) for c in columns)])


def render_table(stats: Stats) -> str:
    columns = _columns(stats)
    headers = [KEY_HEADERS[k] for k in stats.by] + [_header(c) for c in columns]
    total_failures = stats.total.failures
    rows = [
        [stats.label(key, value) for key, value in row.key.items()] + _figure_cells(row, columns, total_failures)
        for row in stats.rows
    ]
    rows.append(["total", *[""] * (len(stats.by) - 1), *_figure_cells(stats.total, columns, total_failures)])
    period = f"{stats.since.isoformat()} .. {stats.until.isoformat()} (UTC days)"
    note = "" if stats.compliance_kept else "\n(no compliance table: failures only; set WRAPGUARD_COMPLIANCE_TABLE)"
    return f"wrap-up compliance and failures, {period}, by {', '.join(stats.by)}\n" + render(rows, headers) + note


def _header(column: str) -> str:
    return {
        "complianceRate": "compliance",
        "missingRate": "missing %",
        "openFailures": "open",
        "failureShare": "share",
    }.get(column, column)


def _figure_cells(row: Row, columns: list[str], total_failures: int) -> list[str]:
    figures = row.figures(total_failures)
    return [_format(c, figures.get(c)) for c in columns]


def _format(column: str, value: Any) -> str:
    if value is None:
        return "-"
    if column.endswith(("Rate", "Share")):
        return f"{100 * value:.1f}%"
    return str(value)
