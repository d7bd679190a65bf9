"""Items for `resolve`/`ignore --from-file`: strict CSV or JSON lines, checked in full before anything is written.

CSV: `conversationId,participantId[,note]` (2 or 3 cells a line), or a header row first whose names
are `note` or columns of `export --format csv` (in any order, so a filtered export can be fed back);
every line then has exactly the header's number of cells. Quoted cells may span lines only outside
the three read columns (an export's message does); a quote that is never closed, a stray quote, a
wrong number of cells, an unknown header name, a bad UUID or an empty id rejects the whole batch
with one line naming the line number (and the column).
JSON lines: one object per line with `conversationId`, `participantId` and optionally `note`; other
keys are ignored (`export --format jsonl` output works) except case variants of those three.
Blank lines are skipped; duplicates are handled once (the first note wins).

Limits: at most MAX_BYTES of input and MAX_ITEMS items (each is one DynamoDB write; a larger batch
is split). The input is read line by line and the size checked as it is read, so a wrong or endless
file is refused without being held in memory.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any, NamedTuple, TextIO

from .common import UsageError, conversation_id, participant_id, shown
from .show import COLUMNS

NOTE_LIMIT = 1000
MAX_BYTES = 8 * 1024 * 1024  # room for a full MAX_ITEMS-line export (~800 bytes a line) fed back in
MAX_ITEMS = 10_000
_READ = ("conversationId", "participantId", "note")
_KNOWN = frozenset(COLUMNS) | {"note"}
_ID_NAMES = frozenset({"conversationid", "participantid"})
_IDS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("conversationId", conversation_id),
    ("participantId", participant_id),
)


class ReviewTarget(NamedTuple):
    conversation_id: str
    participant_id: str
    note: str | None


class _Cell(NamedTuple):
    value: Any
    column: int | None  # 1-based CSV column; None in JSON lines


def read_targets(
    stream: TextIO, name: str, *, max_bytes: int = MAX_BYTES, max_items: int = MAX_ITEMS
) -> list[ReviewTarget]:
    """Every item of `stream` (`name` labels errors, e.g. `--from-file line 3: ...`), or UsageError."""
    lines = _capped_lines(stream, name, max_bytes)
    blank: list[str] = []
    first = next(lines, None)
    while first is not None and not first.strip():
        blank.append(first)
        first = next(lines, None)
    if first is None:
        raise UsageError(f"{name}: no items")
    text = chain(blank, [first], lines)
    rows = _json_rows(text, name) if first.lstrip().startswith("{") else _csv_rows(text, name)
    targets: dict[tuple[str, str], ReviewTarget] = {}
    for count, (where, row) in enumerate(rows, start=1):
        if count > max_items:
            raise UsageError(f"{name}: more than {max_items} items; split the batch")
        target = _target(row, where)
        targets.setdefault((target.conversation_id, target.participant_id), target)
    return list(targets.values())


def _capped_lines(stream: TextIO, name: str, max_bytes: int) -> Iterator[str]:
    """The stream's lines (ends kept, BOM dropped), refusing more than `max_bytes` of UTF-8 as it reads."""
    used, number = 0, 0
    while True:
        try:
            # At most one character past the cap is read (a character is at least one byte).
            line = stream.readline(max_bytes - used + 1)
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{name} line {number + 1}: cannot read ({type(exc).__name__})") from None
        if not line:
            return
        used += len(line.encode("utf-8", "surrogatepass"))
        if used > max_bytes:
            raise UsageError(f"{name}: more than {max_bytes:,} bytes; split the batch")
        number += 1
        yield line.lstrip("\ufeff") if number == 1 else line


def _json_rows(lines: Iterable[str], name: str) -> Iterator[tuple[str, dict[str, _Cell]]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{name} line {number}"
        try:
            row = json.loads(line)
        except (ValueError, RecursionError):
            row = None
        if not isinstance(row, dict):
            raise UsageError(f"{where}: not a JSON object")
        for key in row:
            if key not in _READ and key.lower() in {k.lower() for k in _READ}:
                raise UsageError(f"{where}: unknown key {shown(key)}; did you mean {_close(key)}?")
        yield where, {key: _Cell(value, None) for key, value in row.items() if key in _READ}


def _csv_rows(lines: Iterable[str], name: str) -> Iterator[tuple[str, dict[str, _Cell]]]:
    """CSV records, each named by the line it starts on (a quoted cell may span lines)."""
    reader = csv.reader(lines, strict=True)
    header: list[str] | None = None  # None: no header row, the cells are conversationId,participantId[,note]
    first, start = True, 1
    while True:
        where = f"{name} line {start}"
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UsageError(f"{where}: {_csv_problem(exc)}") from None
        start = reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if first and any(c.strip().lower() in _ID_NAMES for c in cells):  # a header row
            header = _header(cells, where)
            first = False
            continue
        first = False
        if header is None and len(cells) not in (2, 3):
            raise UsageError(f"{where}: {len(cells)} column(s), expected conversationId,participantId[,note]")
        if header is not None and len(cells) != len(header):
            raise UsageError(f"{where}: {len(cells)} column(s), the header has {len(header)}")
        names = header or _READ
        yield where, {h: _Cell(c, i) for i, (h, c) in enumerate(zip(names, cells, strict=False), 1) if h in _READ}


def _header(cells: list[str], where: str) -> list[str]:
    names = [c.strip() for c in cells]
    for column, header in enumerate(names, start=1):
        if header not in _KNOWN:
            hint = f"; did you mean {_close(header)}?" if _close(header) else ""
            raise UsageError(f"{where}: unknown column {shown(header)} (column {column}){hint}")
        if names.index(header) != column - 1:
            raise UsageError(f"{where}: column {shown(header)} twice (column {column})")
    missing = [c for c in _READ[:2] if c not in names]
    if missing:
        raise UsageError(f"{where}: header lacks {', '.join(missing)}")
    return names


def _close(name: str) -> str:
    """The known column `name` differs from only by case, else ''."""
    return next((known for known in sorted(_KNOWN) if known.lower() == name.lower()), "")


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "unexpected end of data" in text:
        return 'a quoted cell starting here is never closed (a stray or missing ")'
    if "expected after" in text:
        return 'a quote inside a quoted cell is not doubled (a stray or missing ")'
    return f"not CSV ({text})"


def _target(row: dict[str, _Cell], where: str) -> ReviewTarget:
    values = []
    for field, parse in _IDS:
        cell = row.get(field)
        at = f"{where}: {field}" + (f" (column {cell.column})" if cell and cell.column else "")
        if cell is None or not isinstance(cell.value, str) or not cell.value.strip():
            raise UsageError(f"{at} is missing" if cell is None else f"{at} is empty or not text")
        if "\n" in cell.value or "\r" in cell.value:
            raise UsageError(f'{at} spans lines: a quote (") is missing or stray')
        try:
            values.append(parse(cell.value.strip()))
        except argparse.ArgumentTypeError as exc:
            raise UsageError(f"{at} {exc}") from None
    return ReviewTarget(values[0], values[1], _note(row.get("note"), where))


def _note(cell: _Cell | None, where: str) -> str | None:
    if cell is None or cell.value is None:
        return None
    at = f"{where}: note" + (f" (column {cell.column})" if cell.column else "")
    note = cell.value
    if not isinstance(note, str):
        raise UsageError(f"{at} must be text, got {shown(str(note))}")
    if len(note) > NOTE_LIMIT:
        raise UsageError(f"{at} is longer than {NOTE_LIMIT} characters")
    if cell.column and ("\n" in note or "\r" in note):
        raise UsageError(f'{at} spans lines: a quote (") is missing or stray')
    try:
        note.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{at} is not valid text (undecodable bytes)") from None
    return note.strip() or None
