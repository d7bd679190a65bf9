"""Items for `resolve`/`ignore --from-file`: CSV or JSON lines, checked in full before anything is written.

CSV: `conversationId,participantId[,note]`, with or without that header row (a header may name the
columns in any order and carry others, so `export --format csv` output can be fed back in).
JSON lines: one object per line with `conversationId`, `participantId` and optionally `note`
(`export --format jsonl` output works). Blank lines are skipped; duplicates are handled once.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Iterator
from typing import Any, NamedTuple, TextIO

from .common import UsageError, conversation_id, participant_id, shown

NOTE_LIMIT = 1000
_COLUMNS = ("conversationId", "participantId", "note")


class ReviewTarget(NamedTuple):
    conversation_id: str
    participant_id: str
    note: str | None


def read_targets(stream: TextIO, name: str) -> list[ReviewTarget]:
    """Every item of `stream` (`name` labels errors, e.g. `--from-file line 3: ...`)."""
    try:
        text = stream.read().lstrip("\ufeff")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{name}: cannot read ({type(exc).__name__})") from None
    if not text.strip():
        raise UsageError(f"{name}: no items")
    rows = _json_rows(text, name) if text.lstrip().startswith("{") else _csv_rows(text, name)
    targets: dict[tuple[str, str], ReviewTarget] = {}
    for number, row in rows:
        target = _target(row, f"{name} line {number}")
        targets.setdefault((target.conversation_id, target.participant_id), target)
    return list(targets.values())


def _json_rows(text: str, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (ValueError, RecursionError):
            row = None
        if not isinstance(row, dict):
            raise UsageError(f"{name} line {number}: not a JSON object")
        yield number, row


def _csv_rows(text: str, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """CSV records (quoted fields may span lines, as in `export` output), numbered by their last line."""
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if header is None and {c.strip() for c in cells} & set(_COLUMNS[:2]):
                header = [c.strip() for c in cells]
                missing = [c for c in _COLUMNS[:2] if c not in header]
                if missing:
                    raise UsageError(f"{name} line {reader.line_num}: header lacks {', '.join(missing)}")
                continue
            header = header or list(_COLUMNS)
            if len(cells) > len(header):
                raise UsageError(f"{name} line {reader.line_num}: {len(cells)} columns, expected at most {len(header)}")
            yield reader.line_num, dict(zip(header, cells, strict=False))
    except csv.Error as exc:
        raise UsageError(f"{name} line {reader.line_num}: not CSV ({exc})") from None


def _target(row: dict[str, Any], where: str) -> ReviewTarget:
    values = []
    for field, parse in (("conversationId", conversation_id), ("participantId", participant_id)):
        value = row.get(field)
        if not isinstance(value, str) or not value.strip():
            raise UsageError(f"{where}: {field} is missing")
        try:
            values.append(parse(value.strip()))
        except argparse.ArgumentTypeError as exc:
            raise UsageError(f"{where}: {field} {exc}") from None
    note = row.get("note")
    if note is not None and not isinstance(note, str):
        raise UsageError(f"{where}: note must be text, got {shown(str(note))}")
    if note is not None and len(note) > NOTE_LIMIT:
        raise UsageError(f"{where}: note is longer than {NOTE_LIMIT} characters")
    return ReviewTarget(values[0], values[1], note.strip() or None if note is not None else None)
