"""Plain-text tables for the command line: as wide as the terminal, words never split, clean lines when piped.

The width is the terminal's; piped output (and anything else that is not a terminal) uses ``COLUMNS`` when it is
set, else 120 columns. Columns are as wide as their widest cell; when the table is too wide, the widest columns
that can give way wrap their cells at spaces, never narrower than their longest word, so no word or number is
ever split. If even that is too wide, columns are left out from the right (the least important come last) and
a line under the table names them, pointing at ``--json`` for everything. Lines carry no trailing spaces.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from collections.abc import Iterable

#: The width of output that does not go to a terminal, unless ``COLUMNS`` says otherwise.
PIPE_WIDTH = 120
_GAP = "  "


class Table:
    def __init__(self, *columns: str) -> None:
        self.columns = list(columns)
        self.rows: list[list[str]] = []
        #: Printed under the table, wrapped to its width.
        self.caption: str | None = None

    def add_row(self, *cells: str) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"a row of {len(cells)} cells in a table of {len(self.columns)} columns")
        self.rows.append([" ".join(cell.split()) for cell in cells])  # one line per cell before wrapping

    def lines(self, width: int) -> list[str]:
        rows = [self.columns, *self.rows]
        kept = len(self.columns)
        while kept > 1 and _narrowest(rows, kept) > width:
            kept -= 1
        rows = [row[:kept] for row in rows]
        widths = _fit(rows, width)
        out = [line for row in rows for line in _render(row, widths)]
        notes = [self.caption] if self.caption else []
        if kept < len(self.columns):
            left_out = ", ".join(self.columns[kept:])
            notes.append(f"Left out to fit {width} columns: {left_out} (a wider terminal, or --json, shows them).")
        for note in notes:
            out += ["", *textwrap.wrap(note, max(width, 20), break_long_words=False, break_on_hyphens=False)]
        return out


def terminal_width() -> int:
    return shutil.get_terminal_size((PIPE_WIDTH, 24)).columns


def show(table: Table, *, width: int | None = None) -> None:
    print("\n".join(table.lines(width or terminal_width())), file=sys.stdout)


def _longest_word(text: str) -> int:
    return max((len(word) for word in text.split()), default=0)


def _narrowest(rows: list[list[str]], count: int) -> int:
    """The width of the first ``count`` columns with every cell wrapped down to its longest word."""
    return sum(max(_longest_word(row[i]) for row in rows) for i in range(count)) + len(_GAP) * (count - 1)


def _fit(rows: list[list[str]], width: int) -> list[int]:
    """Column widths for ``rows`` within ``width``: natural widths, then the widest shrinkable column gives way."""
    count = len(rows[0])
    widths = [max(len(row[i]) for row in rows) for i in range(count)]
    floors = [max(_longest_word(row[i]) for row in rows) for i in range(count)]
    excess = sum(widths) + len(_GAP) * (count - 1) - width
    while excess > 0:
        shrinkable = [i for i in range(count) if widths[i] > floors[i]]
        if not shrinkable:
            break  # wider than the terminal even with every cell wrapped: let the line run on, words intact
        widest = max(shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1
    return widths


def _render(row: Iterable[str], widths: list[int]) -> list[str]:
    wrapped = [
        textwrap.wrap(cell, width, break_long_words=False, break_on_hyphens=False) or [""]
        for cell, width in zip(row, widths, strict=True)
    ]
    height = max(len(cell) for cell in wrapped)
    return [
        _GAP.join(
            (cell[line] if line < len(cell) else "").ljust(width) for cell, width in zip(wrapped, widths, strict=True)
        ).rstrip()
        for line in range(height)
    ]
