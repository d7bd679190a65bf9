"""`wrapguard-review report --html FILE`: one self-contained HTML page of the same figures as `stats`.

  wrapguard-review report --html FILE [--since 7d] [--until DATE] [--compliance-table NAME] [--ids]

Inline CSS and SVG only: no script, no web font, no external link, so it opens anywhere, offline,
and can be mailed. Each section is a `stats` grouping (day, queue, agent, reason, source); its table
holds exactly the numbers `stats --json --by <grouping>` prints (data-field attributes name them).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from ..domain.stats import Stats
from .common import Commands, Context, ExitCode, UsageError, add_command, shown
from .stats import add_period_options, genesys_directory, load_stats

SECTIONS = (
    ("day", "Compliance by day"),
    ("queue", "By queue"),
    ("agent", "By agent"),
    ("reason", "Failures by reason"),
    ("source", "Failures by source"),
)
CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.muted{color:#666}.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;min-width:8rem}
.card b{display:block;font-size:1.4rem}
table{border-collapse:collapse;margin:.6rem 0;width:100%}th,td{padding:.25rem .5rem;border-bottom:1px solid #eee}
th{text-align:left;background:#f6f6f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
svg text{font:12px system-ui,sans-serif;fill:#333}.coded{fill:#2e7d32}.missing{fill:#c62828}
.placeholder{fill:#f9a825}.failures{fill:#1565c0}.rate{fill:#2e7d32}.axis{stroke:#999}
.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 1rem;vertical-align:middle}
"""
LEGEND = {"coded": "#2e7d32", "missing": "#c62828", "placeholder": "#f9a825"}  # as the CSS classes
COMPLIANCE_FIELDS = ("checked", "coded", "missing", "placeholder", "complianceRate")
FAILURE_FIELDS = ("failures", "openFailures", "failureShare")


def register(commands: Commands) -> None:
    parser = add_command(commands, "report", run, help="write a self-contained HTML report (charts and tables)")
    parser.add_argument("--html", required=True, metavar="FILE", help="file to write ('-' for stdout)")
    add_period_options(parser)


def run(ctx: Context, args: argparse.Namespace) -> int:
    directory = None if args.ids else genesys_directory(ctx)  # one directory: each name looked up once
    sections = [(title, load_stats(ctx, args, (key,), directory or _NoNames())) for key, title in SECTIONS]
    page = render_report(sections, generated=datetime.now(UTC))
    if args.html == "-":
        ctx.out.write(page)
        return ExitCode.OK
    try:
        Path(args.html).write_text(page, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--html: cannot write {shown(args.html)}: {exc.strerror}") from None
    print(f"report written to {args.html}", file=ctx.err)
    return ExitCode.OK


class _NoNames:
    def names(self, kind: str, ids: Any) -> dict[str, str]:
        return {}


def render_report(sections: list[tuple[str, Stats]], *, generated: datetime) -> str:
    first = sections[0][1]
    total = first.as_dict()["total"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>wrapguard wrap-up compliance {first.since.isoformat()} to {first.until.isoformat()}</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Wrap-up compliance</h1>",
        f'<p class="muted">{first.since.isoformat()} to {first.until.isoformat()} (UTC days); generated '
        f"{generated.strftime('%Y-%m-%d %H:%M UTC')} by wrapguard-review report. Compliance: agent participants "
        "whose interaction ended with a real wrap-up code; a placeholder code (e.g. the wrap-up timeout) "
        "counts as missing.</p>",
        _cards(total, first.compliance_kept),
    ]
    for title, stats in sections:
        parts.append(_section(title, stats))
    by_queue = next((stats for _, stats in sections if stats.by == ("queue",)), None)
    if by_queue is not None and by_queue.compliance_kept:
        parts.append(_observe_section(by_queue))
    parts.append("</body></html>")
    return "\n".join(parts)


def _cards(total: dict[str, Any], compliance_kept: bool) -> str:
    cards = []
    if compliance_kept:
        cards += [
            ("Compliance", _percent(total.get("complianceRate"))),
            ("Checked", total.get("checked", 0)),
            ("Coded", total.get("coded", 0)),
            ("No code", total.get("missing", 0)),
            ("Placeholder only", total.get("placeholder", 0)),
        ]
    cards += [("Failures recorded", total["failures"]), ("Still open", total["openFailures"])]
    body = "".join(
        f'<div class="card"><span class="muted">{escape(k)}</span><b>{escape(str(v))}</b></div>' for k, v in cards
    )
    note = "" if compliance_kept else '<p class="muted">No compliance table was given: failures only.</p>'
    return f'<div class="cards" id="totals">{body}</div>{note}'


def _section(title: str, stats: Stats) -> str:
    (key,) = stats.by
    data = stats.as_dict()
    rows = data["rows"]
    has_compliance = stats.compliance_kept and key not in {"reason", "source"}
    labels = [_label(row[key]) for row in rows]
    if has_compliance and key == "day":
        chart = _rate_columns(title, labels, [row.get("complianceRate") for row in rows])
    elif has_compliance:
        segments = [
            [
                (row.get("coded", 0), "coded"),
                (row.get("missing", 0), "missing"),
                (row.get("placeholder", 0), "placeholder"),
            ]
            for row in rows
        ]
        chart = _stacked_bars(title, labels, segments) + _legend(["coded", "missing", "placeholder"])
    else:
        chart = _stacked_bars(title, labels, [[(row["failures"], "failures")] for row in rows])
    fields = (COMPLIANCE_FIELDS if has_compliance else ()) + FAILURE_FIELDS
    head = "".join(f"<th>{escape(_heading(f))}</th>" for f in (key, *fields))
    body = []
    for row, label in zip(rows, labels, strict=True):
        cells = [f'<td data-field="{key}" data-id="{escape(str(_id(row[key])))}">{escape(label)}</td>']
        cells += [
            f'<td class="n" data-field="{f}" data-value="{_raw(row.get(f))}">{_shown(f, row.get(f))}</td>'
            for f in fields
        ]
        body.append(f"<tr>{''.join(cells)}</tr>")
    empty = "" if rows else '<p class="muted">Nothing recorded in this period.</p>'
    return (
        f'<section id="by-{key}"><h2>{escape(title)}</h2>{chart}{empty}'
        f'<table data-by="{key}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></section>'
    )


OBSERVE_FIELDS = ("wouldApply", "missing", "placeholder", "wouldFix", "wouldFixRate")


def _observe_section(stats: Stats) -> str:
    """Per queue, what observe mode would have done: the evidence for switching a queue to enforce
    (README "Rolling out"). The same numbers as `stats --json --by queue`."""
    data = stats.as_dict()
    rows = [*data["rows"], {"queue": None, **data["total"]}]
    head = "".join(f"<th>{escape(_heading(f))}</th>" for f in ("queue", *OBSERVE_FIELDS))
    body = []
    for index, row in enumerate(rows):
        label = "total" if index == len(rows) - 1 else _label(row["queue"])
        cells = [f'<td data-field="queue" data-id="{escape(str(_id(row["queue"])))}">{escape(label)}</td>']
        cells += [
            f'<td class="n" data-field="{f}" data-value="{_raw(row.get(f))}">{_shown(f, row.get(f))}</td>'
            for f in OBSERVE_FIELDS
        ]
        body.append(f"<tr>{''.join(cells)}</tr>")
    intro = (
        '<p class="muted">In observe mode wrapguard decides as in enforce and writes nothing. Would apply: '
        "agent participants it had a code for; would fix: those of the missing and placeholder-only ones it "
        "had a code for (would-fix rate = would fix / (missing + placeholder)).</p>"
    )
    return (
        '<section id="observe-mode"><h2>Observe mode: what wrapguard would have done</h2>'
        f'{intro}<table data-by="observe"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></section>"
    )


def _stacked_bars(title: str, labels: list[str], segments: list[list[tuple[int, str]]]) -> str:
    """Horizontal bars, one per label, split into coloured segments (values to scale)."""
    if not labels:
        return ""
    width, label_width, bar_height = 760, 220, 20
    largest = max((sum(v for v, _ in parts) for parts in segments), default=0) or 1
    height = len(labels) * (bar_height + 6) + 6
    shapes = []
    for index, (label, parts) in enumerate(zip(labels, segments, strict=True)):
        y = 6 + index * (bar_height + 6)
        shapes.append(f'<text x="{label_width - 8}" y="{y + 14}" text-anchor="end">{escape(_short(label))}</text>')
        x = float(label_width)
        for value, kind in parts:
            w = (width - label_width - 60) * value / largest
            if w > 0:
                shapes.append(
                    f'<rect class="{kind}" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}">'
                    f"<title>{escape(label)}: {value} {kind}</title></rect>"
                )
            x += w
        shapes.append(f'<text x="{x + 6:.1f}" y="{y + 14}">{sum(v for v, _ in parts)}</text>')
    return (
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">{"".join(shapes)}</svg>'
    )


def _rate_columns(title: str, labels: list[str], rates: list[float | None]) -> str:
    """Vertical columns of a rate (0-100 %), one per day."""
    if not labels:
        return ""
    width, height, top, bottom = 760, 220, 10, 40
    step = (width - 50) / len(labels)
    column = min(60.0, max(4.0, step * 0.7))
    plot = height - top - bottom
    shapes = [
        f'<line class="axis" x1="40" y1="{top}" x2="40" y2="{top + plot}"/>',
        f'<text x="34" y="{top + 4}" text-anchor="end">100%</text>',
        f'<text x="34" y="{top + plot}" text-anchor="end">0%</text>',
    ]
    for index, (label, rate) in enumerate(zip(labels, rates, strict=True)):
        x = 45 + index * step
        if rate is not None:
            h = plot * rate
            shapes.append(
                f'<rect class="rate" x="{x:.1f}" y="{top + plot - h:.1f}" width="{column:.1f}" height="{h:.1f}">'
                f"<title>{escape(label)}: {_percent(rate)}</title></rect>"
            )
        shapes.append(
            f'<text x="{x + column / 2:.1f}" y="{height - 22}" text-anchor="middle">{escape(label[5:])}</text>'
        )
    return (
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">{"".join(shapes)}</svg>'
    )


def _legend(kinds: list[str]) -> str:
    items = "".join(f'<span style="background:{LEGEND[kind]}"></span>{kind}' for kind in kinds)
    return f'<p class="legend muted">{items}</p>'


def _label(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or value.get("id") or "(none)")
    return "(none)" if value is None else str(value)


def _id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def _heading(field: str) -> str:
    return {
        "complianceRate": "compliance",
        "openFailures": "open",
        "failureShare": "share of failures",
        "wouldApply": "would apply",
        "wouldFix": "would fix",
        "wouldFixRate": "would-fix rate",
    }.get(field, field)


def _raw(value: Any) -> str:
    return "" if value is None else repr(value) if isinstance(value, float) else str(value)


def _shown(field: str, value: Any) -> str:
    if value is None:
        return "-"
    return _percent(value) if field.endswith(("Rate", "Share")) else str(value)


def _percent(value: Any) -> str:
    return "-" if value is None else f"{100 * float(value):.1f}%"


def _short(label: str) -> str:
    return label if len(label) <= 30 else label[:29] + "…"
