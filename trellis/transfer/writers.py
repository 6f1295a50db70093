"""The six-column plan as files: CSV, an Excel workbook and a Word table, and the JSON
document as bytes. Text cells are made safe from formula injection (trellis/csvsafe.py);
the importer removes that safety quote again when it reads the file back."""

from __future__ import annotations

import io
import json
from typing import Any

from trellis.csvsafe import csv_text, safe_cell
from trellis.transfer.exporting import HEADER, six_columns

CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def write(document: dict[str, Any], fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False).encode()
    rows = six_columns(document)
    if fmt == "csv":
        return csv_text([HEADER, *rows]).encode("utf-8-sig")
    if fmt == "xlsx":
        return _xlsx(document["plan"]["title"], rows)
    if fmt == "docx":
        return _docx(document["plan"], rows)
    raise ValueError(fmt)


def _xlsx(title: str, rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Action plan"
    sheet.append([safe_cell(h) for h in HEADER])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    wrap = Alignment(wrap_text=True, vertical="top")
    for letter in "ABCDEF":
        sheet.column_dimensions[letter].width = 40
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = wrap
    sheet.freeze_panes = "A2"
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _docx(plan: dict[str, Any], rows: list[list[str]]) -> bytes:
    """A landscape Word table; an outcome or driver spanning rows is one merged cell."""
    import docx
    from docx.enum.section import WD_ORIENT

    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.add_heading(plan["title"], level=1)
    document.add_paragraph(f"{plan['starts']} to {plan['ends']}")
    table = document.add_table(rows=1, cols=len(HEADER))
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, HEADER, strict=True):
        cell.text = heading
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            _set_text(cell, value)
    _merge_repeats(table, columns=(0, 1))
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


def _set_text(cell: Any, value: str) -> None:
    """One paragraph a line, so Word shows the lines as the plan has them."""
    lines = value.split("\n")
    cell.text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def _merge_repeats(table: Any, *, columns: tuple[int, ...]) -> None:
    """Merge runs of the same outcome (and the same driver within it) down the table."""
    rows = table.rows[1:]
    for column in columns:
        start = 0
        keys = [tuple(r.cells[c].text for c in range(column + 1)) for r in rows]
        for index in range(1, len(rows) + 1):
            if index == len(rows) or keys[index] != keys[start]:
                if index - start > 1:
                    top = rows[start].cells[column]
                    for row in rows[start + 1 : index]:
                        row.cells[column].text = ""
                    top.merge(rows[index - 1].cells[column])
                    _drop_empty_paragraphs(top)
                start = index


def _drop_empty_paragraphs(cell: Any) -> None:
    for paragraph in cell.paragraphs[1:]:
        if not paragraph.text:
            paragraph._element.getparent().remove(paragraph._element)
