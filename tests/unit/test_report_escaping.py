"""`report --html`: every string from Genesys or a flow (queue, agent, media, reason, source) is escaped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html.parser import HTMLParser

from wrapguard.cli.report import SECTIONS, render_report
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.stats import FailureFact, compute

EVIL = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


class Failures:
    def facts(self, since: date, *, deadline: Deadline) -> list[FailureFact]:
        return [FailureFact("2026-11-24", EVIL, EVIL, "open", f"q{EVIL}", f"u{EVIL}", EVIL)]


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes |= {name for name, _ in attrs}
        self.text += [value for _, value in attrs if value]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_hostile_names_and_keys_are_text_not_markup() -> None:
    sections = []
    for key, title in SECTIONS:
        stats = compute((key,), date(2026, 11, 24), date(2026, 11, 24), None, Failures(), deadline=Deadline.unbounded())
        stats.names = {"queue": {f"q{EVIL}": f"Queue {EVIL}"}, "agent": {f"u{EVIL}": f"Agent {EVIL}"}}
        sections.append((title, stats))
    page = render_report(sections, generated=datetime(2026, 11, 25, tzinfo=UTC))
    parsed = Elements()
    parsed.feed(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert "onerror" not in parsed.attributes
    assert "<script" not in page.lower()
    text = "\n".join(parsed.text)
    for shown in (f"Queue {EVIL}", f"Agent {EVIL}", f"q{EVIL}"):  # names as labels, ids in data-id
        assert shown in text
