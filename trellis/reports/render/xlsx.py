"""A `Document` as an Excel workbook: a cover sheet, then the tables.

Tables marked `own_sheet` (the action plan, the challenge log) get a sheet each, with an
autofilter when `filterable` and frozen headings. Each chart's figures go on one
"Measures data" sheet, one block per measure. Other tables and summaries are written on
the "Summary" sheet in reading order. Numbers are stored as numbers (`Cell.value`), with
the shown text as the number format's guide; a suppressed figure is the text "[c]".
Every text cell is made safe from formula injection as trellis/csvsafe.py does for CSV.
"""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from trellis.csvsafe import safe_cell
from trellis.reports.document import (
    BulletList,
    Cell,
    ChartBlock,
    Document,
    Paragraph,
    Section,
    Summary,
    Table,
)

HEADER_FILL = PatternFill("solid", fgColor="F3F2F1")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def render_xlsx(document: Document) -> bytes:
    book = Workbook()
    summary = book.worksheets[0]
    summary.title = "Summary"
    _text(summary, document.title, bold=True)
    _text(summary, document.subtitle)
    for label, value in document.metadata:
        summary.append([safe_cell(label), safe_cell(value)])
    summary.append([])
    data: Worksheet | None = None
    names: set[str] = {"Summary"}
    for section in _flatten(document):
        if isinstance(section, Section):
            _text(summary, section.heading, bold=True)
        elif isinstance(section, Table) and section.own_sheet:
            _sheet(book.create_sheet(_name(section.name, names)), section)
            _text(summary, f"See the sheet '{section.name}'.")
        elif isinstance(section, Table):
            _write(summary, section)
        elif isinstance(section, ChartBlock):
            if data is None:
                data = book.create_sheet(_name("Measures data", names))
            _text(data, section.title, bold=True)
            _write(data, section.data)
        elif isinstance(section, Summary):
            for key, shown in section.items:
                summary.append([safe_cell(key), _value(shown)])
        elif isinstance(section, Paragraph):
            _text(summary, section.text)
        elif isinstance(section, BulletList):
            for item in section.items:
                _text(summary, f"• {item}")
    summary.column_dimensions["A"].width = 40
    summary.column_dimensions["B"].width = 60
    book.properties.title = document.title
    book.properties.subject = document.subtitle
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _flatten(document: Document) -> list[object]:
    found: list[object] = []

    def walk(blocks: tuple[object, ...]) -> None:
        for block in blocks:
            found.append(block)
            if isinstance(block, Section):
                walk(block.blocks)

    walk(document.blocks)
    return found


def _name(wanted: str, taken: set[str]) -> str:
    """A sheet name Excel accepts: no []:*?/\\, at most 31 characters, unique."""
    base = re.sub(r"[\[\]:*?/\\]", " ", wanted).strip()[:31] or "Sheet"
    name, n = base, 2
    while name in taken:
        name = f"{base[:27]} ({n})"
        n += 1
    taken.add(name)
    return name


def _text(sheet: Worksheet, text: str, *, bold: bool = False) -> None:
    sheet.append([safe_cell(text)])
    if bold:
        sheet.cell(sheet.max_row, 1).font = BOLD


def _value(cell: Cell) -> object:
    if cell.suppressed or cell.value is None:
        return safe_cell(cell.text)
    return cell.value


def _write(sheet: Worksheet, table: Table) -> tuple[int, int]:
    """The table from the next free row; returns its first and last row."""
    first = 0
    for header in table.header:
        sheet.append([safe_cell(c.text) for c in header])
        first = first or sheet.max_row
        for column in range(1, len(header) + 1):
            cell = sheet.cell(sheet.max_row, column)
            cell.font, cell.fill = BOLD, HEADER_FILL
    for row in table.rows:
        sheet.append([_value(c) for c in row])
        first = first or sheet.max_row
    last = sheet.max_row
    sheet.append([])
    return first, last


def _sheet(sheet: Worksheet, table: Table) -> None:
    first, last = _write(sheet, table)
    columns = table.columns
    if table.filterable and columns:
        header_row = first + len(table.header) - 1
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(columns)}{last}"
        sheet.freeze_panes = f"A{header_row + 1}"
    widths = table.widths or tuple(1.0 for _ in range(columns))
    for index, share in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(80, 12 * share)
    for row in sheet.iter_rows(min_row=first, max_row=last):
        for cell in row:
            cell.alignment = WRAP
