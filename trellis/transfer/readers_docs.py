"""Word (.docx) tables and text-based PDF tables.

A .docx is a zip of XML: it is checked before python-docx opens it (the zip limits of the
case-level data readers, no macros, no DTD or entity declaration in any part). python-docx
itself parses with entities unresolved. A cell merged with the one above or to its left
reads as empty, as a spreadsheet's merged cells do, so the builder treats it as "same as
above".

A PDF is read with pdfplumber, page by page, never more than MAX_PAGES. Ruled tables are
read as tables; a page without one is read as aligned text. Line breaks inside PDF cells
are where the text wrapped (`wrapped=True`).
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from trellis.casedata.problems import Problems
from trellis.casedata.reading import safe_members
from trellis.transfer.readers import MAX_COLUMNS, MAX_ROWS, ReadError, Tables

DOCX_MAX_UNPACKED = 50 * 1024**2
MAX_PAGES = 200


def read_docx(data: bytes, name: str) -> Tables:
    _check_docx(data, name)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        tables = [_docx_table(t) for t in document.tables]
    except ReadError:
        raise
    except Exception as error:  # a damaged or hostile document may break python-docx anywhere
        raise ReadError("unreadable-docx", _UNREADABLE) from error
    if not tables:
        raise ReadError("no-table", _NO_TABLE)
    return Tables(tables)


def _check_docx(data: bytes, name: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            problems = Problems()
            members = safe_members(archive.infolist(), problems, name, max_total=DOCX_MAX_UNPACKED)
            if members is None:
                first = problems.errors()[0]
                raise ReadError(first.rule, first.message)
            names = set(archive.namelist())
            if "word/document.xml" not in names:
                raise ReadError("not-docx", _NOT_DOCX)
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise ReadError("macro-enabled", _MACROS)
            for info in archive.infolist():
                if info.filename.endswith((".xml", ".rels")):
                    with archive.open(info) as part:
                        head = part.read(4096).upper()
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise ReadError("xml-entities", _ENTITIES)
    except zipfile.BadZipFile as error:
        raise ReadError("not-docx", _NOT_DOCX) from error


def _docx_table(table: Any) -> list[list[str]]:
    """Rows of cell text. python-docx repeats a merged cell in every grid position it covers;
    only its first (top-left) position keeps the text."""
    rows: list[list[str]] = []
    above: list[Any] = []
    for row in table.rows:
        if len(rows) >= MAX_ROWS:
            raise ReadError("too-many-rows", "The table has too many rows for a plan.")
        cells = list(row.cells)[: MAX_COLUMNS + 1]
        texts: list[str] = []
        for i, cell in enumerate(cells):
            left = i > 0 and cells[i - 1]._tc is cell._tc
            up = i < len(above) and above[i]._tc is cell._tc
            texts.append("" if left or up else "\n".join(p.text for p in cell.paragraphs))
        rows.append(texts)
        above = cells
    return rows


def read_pdf(data: bytes) -> Tables:
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise ReadError("too-many-pages", f"The PDF has more than {MAX_PAGES} pages.")
            pages = [_pdf_page(page) for page in pdf.pages]
    except ReadError:
        raise
    except Exception as error:  # pdfminer raises many kinds of error on damaged files
        raise ReadError("unreadable-pdf", _UNREADABLE_PDF) from error
    tables = [t for kind, t in pages if kind == "table"]
    if tables and len(tables) == len(pages):
        return Tables([rows for t in tables for rows in t], wrapped=True)
    text = "\f".join(t for kind, t in pages if kind == "text" and isinstance(t, str))
    if not text.strip():
        raise ReadError("no-text", _NO_TEXT)
    from trellis.transfer.readers_text import read_text

    return read_text(text, wrapped=True)


def _pdf_page(page: Any) -> tuple[str, Any]:
    """A ruled table, closed at the top and bottom of its column rules: a row cut by the
    page break has no border there, and would otherwise be lost."""
    rules = [e for e in page.edges if e["orientation"] == "v"]
    settings = {}
    if rules:
        top, bottom = min(e["top"] for e in rules), max(e["bottom"] for e in rules)
        settings = {"explicit_horizontal_lines": [top, bottom]}
    found = page.extract_tables(settings)
    if found:
        return "table", [[[c or "" for c in row] for row in table] for table in found]
    return "text", page.extract_text(layout=True) or ""


_UNREADABLE = "The document could not be read. Open it in Word and save it again as .docx."
_NO_TABLE = (
    "The document has no table. Put the plan in a Word table, or paste its text into the "
    "import page's text box."
)
_NOT_DOCX = "This file is not a Word document (.docx). Save it from Word as .docx."
_MACROS = "This document contains macros (.docm). Save it from Word as 'Word Document (.docx)'."
_ENTITIES = (
    "The document contains XML entity or DTD declarations, which a document saved by Word "
    "never has, so it was refused. Save it again from Word as .docx."
)
_UNREADABLE_PDF = (
    "The PDF could not be read. It may be damaged or password-protected; save it again, or "
    "copy the table's text into the import page's text box."
)
_NO_TEXT = (
    "The PDF has no text to read: it is probably a scan (pictures of pages). Use the Word or "
    "Excel version of the plan, or type it in."
)
