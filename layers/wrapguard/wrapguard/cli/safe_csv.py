"""The one CSV writer for every CSV wrapguard writes (`export`, `stats`; later `ledger`): formula cells neutralised.

A spreadsheet treats a cell whose first character is `=`, `+`, `-`, `@`, tab or carriage return as a
formula, and code names (from flows), notes, queue and agent names (from Genesys) are text anyone
with access to those systems can write. Following OWASP's CSV injection guidance
(https://owasp.org/www-community/attacks/CSV_Injection), such a text cell, the header included,
is written with a single quote `'` in front: spreadsheets show it as text, and the quote is the only
change (quoting and doubling of `"` are the csv module's RFC 4180 rules).

Numbers: an `int` or finite `float` is written as the number it is, so a count, a rate or a negative
figure stays numeric (`-3` is a number, not a formula; Python prints nothing else for them). That
holds only for values our code parsed or computed; a number that arrives as text (from Genesys, a
flow or a stored string) is text and is neutralised like any other ("-3" is written `'-3`).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from typing import TextIO, TypeAlias

# The first characters OWASP lists as starting a formula (tab 0x09, carriage return 0x0D included).
FORMULA_STARTS = frozenset("=+-@\t\r")

Cell: TypeAlias = "str | int | float | None"


def neutralised(text: str) -> str:
    """`text`, with `'` in front when a spreadsheet would read it as a formula."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


def safe_cell(value: Cell) -> str | int | float:
    """What is written for one value: None is empty, our own numbers stay numbers, text is neutralised."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return value
    return neutralised(str(value))  # text, and anything else (e.g. inf, a bool) as its text


class SafeCsvWriter:
    """csv.writer whose every cell goes through `safe_cell`; the header is written on creation."""

    def __init__(self, out: TextIO, header: Iterable[str]) -> None:
        self._writer = csv.writer(out)
        self.row(header)

    def row(self, cells: Iterable[Cell]) -> None:
        self._writer.writerow([safe_cell(value) for value in cells])
