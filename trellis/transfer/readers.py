"""Reading a plan file into tables of text, safely, then into one grid with its header.

Each format has one reader returning `Tables` (every table of the file as rows of cells, in
reading order). Hostile files are handled with the case-level data readers' helpers rather
than again: the size cap and zip checks (`trellis.casedata.reading`), the CSV text checks
and decoding (`reading_csv`), the workbook checks (`reading_xlsx`; openpyxl then parses
with defusedxml). Any problem is a `ReadError` with a stable rule code and a plain message;
nothing here raises anything else on hostile input.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from trellis.casedata import reading_xlsx
from trellis.casedata.reading import LimitExceeded, Source, read_capped
from trellis.transfer.draft import Grid, GridRow
from trellis.transfer.headings import find_header, header_score, is_repeated_header

MAX_BYTES = 10 * 1024**2  # a plan is a few hundred kilobytes; a 10 MB one is not a plan
MAX_ROWS = 5000
MAX_COLUMNS = 40
MAX_CELL = 20_000  # characters in one cell
FORMATS = ("xlsx", "csv", "docx", "pdf", "txt", "json")


class ReadError(Exception):
    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


@dataclass
class Tables:
    tables: list[list[list[str]]]
    wrapped: bool = False
    warnings: list[str] = field(default_factory=list)


def source_of(data: bytes, name: str) -> Source:
    return Source(name, lambda: io.BytesIO(data))


def read_bytes(path: Path) -> bytes:
    """A file's bytes, refused past MAX_BYTES before it is read whole."""
    data = read_capped(Source(path.name, lambda: path.open("rb")), MAX_BYTES)
    if data is None:
        raise ReadError("file-too-large", _TOO_LARGE)
    return data


def format_of(name: str, data: bytes) -> str:
    """The reader for a file: by its content where that is certain, else by its extension."""
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    if data.startswith(reading_xlsx.OLE2):
        raise ReadError("old-office-format", _OLE2)
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        if ext in ("xlsx", "docx"):
            return ext
        raise ReadError("unknown-format", _UNKNOWN)
    if ext in ("xlsx", "docx", "pdf"):
        raise ReadError("not-" + ext, f"This file is not a real .{ext} file. " + _RESAVE)
    if ext == "json" or data.lstrip()[:1] == b"{":
        return "json"
    return "csv" if ext == "csv" else "txt"


def read_tables(data: bytes, name: str, fmt: str) -> Tables:
    if len(data) > MAX_BYTES:
        raise ReadError("file-too-large", _TOO_LARGE)
    if fmt == "xlsx":
        return _xlsx(source_of(data, name))
    if fmt == "docx":
        from trellis.transfer.readers_docs import read_docx

        return read_docx(data, name)
    if fmt == "pdf":
        from trellis.transfer.readers_docs import read_pdf

        return read_pdf(data)
    text = decode(data, name)
    if fmt == "csv":
        return Tables([_csv_rows(text)])
    from trellis.transfer.readers_text import read_text

    return read_text(text)


def decode(data: bytes, name: str) -> str:
    """Text as the CSV reader decides it: UTF-16 by its mark, else UTF-8, else Windows."""
    from trellis.casedata import reading_csv  # Arrow: imported when a plan is read

    source = source_of(data, name)
    refusal = reading_csv._refusal(data[:65536])
    if refusal is not None:
        raise ReadError(*refusal)
    try:
        encoding = reading_csv._encoding(source, data[:65536])
    except reading_csv._BadEncoding as error:
        raise ReadError("encoding", reading_csv._ENCODING) from error
    text = data.decode(encoding).lstrip("\ufeff")
    if "\x00" in text:
        raise ReadError("not-text", "This file is not text. " + _RESAVE)
    return text


def _csv_rows(text: str) -> list[list[str]]:
    from trellis.casedata import reading_csv

    lines = text.splitlines()[:20]
    delimiter = max(
        reading_csv.DELIMITERS,
        key=lambda d: (sum(reading_csv._count_outside_quotes(line, d) for line in lines), d == ","),
    )
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise ReadError("unreadable-csv", reading_csv._UNREADABLE) from error


def _xlsx(source: Source) -> Tables:
    try:
        workbook_bytes = reading_xlsx._checked_workbook(source)
        return _first_sheet(workbook_bytes)
    except reading_xlsx._Refused as refused:
        raise ReadError(refused.rule, refused.message) from refused
    except LimitExceeded as error:
        raise ReadError("zip-bomb", reading_xlsx._BOMB) from error
    except ReadError:
        raise
    except Exception as error:  # a hostile workbook may break openpyxl anywhere
        if _caused_by_entities(error):
            raise ReadError("xml-entities", reading_xlsx._ENTITIES) from error
        raise ReadError("unreadable-xlsx", reading_xlsx._UNREADABLE) from error


def _caused_by_entities(error: BaseException | None) -> bool:
    """openpyxl wraps defusedxml's refusal in a ValueError: look down the chain."""
    from defusedxml import DefusedXmlException

    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, DefusedXmlException):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


_UNSAFE = "Workbooks cannot be read safely on this server (defusedxml is not active); use CSV."


def _first_sheet(workbook_bytes: BinaryIO) -> Tables:
    import openpyxl

    if openpyxl.DEFUSEDXML is not True:
        raise ReadError("xml-unsafe", _UNSAFE)
    workbook = openpyxl.load_workbook(
        workbook_bytes,
        read_only=True,
        data_only=True,
        keep_links=False,
    )
    try:
        several = len(workbook.worksheets) > 1
        warnings = ["Only the workbook's first sheet was read."] if several else []
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        rows: list[list[str]] = []
        for cells in sheet.iter_rows():
            if len(rows) > MAX_ROWS:
                raise ReadError("too-many-rows", _TOO_MANY_ROWS)
            rows.append([_cell_text(c) for c in cells[: MAX_COLUMNS + 1]])
        return Tables([rows], warnings=warnings)
    finally:
        workbook.close()


def _cell_text(cell: object) -> str:
    """A cell as the person sees it: dates written out, 0.5 formatted as a percentage is 50%."""
    import datetime as dt

    from trellis.transfer.phrases import show_date

    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, int | float) and "%" in str(getattr(cell, "number_format", "")):
        return f"{round(value * 100, 6):g}%"
    if isinstance(value, dt.datetime | dt.date):
        return show_date(value if not isinstance(value, dt.datetime) else value.date())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def grid_of(tables: Tables) -> Grid:
    """One grid: the header that names most fields (a cover or version table before the plan
    is passed over), then the rows of that table and of every later table of the same
    layout; repeated headers are dropped, tables of another layout reported."""
    cleaned = [
        [[_cap(c) for c in row] for row in t if any(c.strip() for c in row)] for t in tables.tables
    ]
    candidates = [
        (header_score(table[found]), -index, index, found)
        for index, table in enumerate(cleaned)
        if (found := find_header(table)) is not None
    ]
    if not candidates:
        raise ReadError("no-header", _NO_HEADER)
    _, _, first_table, header_row = max(candidates)
    header = _trimmed(cleaned[first_table][header_row])
    width = len(header)
    if width > MAX_COLUMNS:
        raise ReadError("too-many-columns", f"The table has more than {MAX_COLUMNS} columns.")
    warnings = list(tables.warnings)
    rows: list[GridRow] = []
    number = sum(len(t) for t in cleaned[:first_table]) + header_row + 1
    for index in range(first_table, len(cleaned)):
        table = cleaned[index]
        start = header_row + 1 if index == first_table else 0
        used = _used_width(table)
        if index > first_table and table and not width // 2 < used <= width:
            warnings.append(f"Table {index + 1} has a different layout, so it was not read.")
            number += len(table)
            continue
        first = True
        for row in table[start:]:
            number += 1
            if is_repeated_header(row, header):
                continue
            rows.append(GridRow((row + [""] * width)[:width], number, first and index > 0))
            first = False
    if len(rows) > MAX_ROWS:
        raise ReadError("too-many-rows", _TOO_MANY_ROWS)
    return Grid(header, rows, tables.wrapped, warnings)


def _used_width(table: list[list[str]]) -> int:
    """Columns up to the last that holds text in some row."""
    return max(
        (max((i + 1 for i, c in enumerate(row) if c.strip()), default=0) for row in table),
        default=0,
    )


def _trimmed(header: list[str]) -> list[str]:
    header = [" ".join(h.split()) for h in header]
    while header and not header[-1]:
        header.pop()
    return header


def _cap(text: str | None) -> str:
    """A cell within MAX_CELL, without the quote that kept it from reading as a formula."""
    text = text or ""
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        text = text[1:]
    return text if len(text) <= MAX_CELL else text[:MAX_CELL]


_TOO_LARGE = "The file is larger than 10 MB, which is far more than a plan. Check it is the plan."
_TOO_MANY_ROWS = f"The table has more than {MAX_ROWS:,} rows, which is far more than a plan."
_OLE2 = (
    "This is an old Word or Excel file (.doc or .xls) or a password-protected one. Open it, "
    "remove any password and save it as .docx or .xlsx."
)
_RESAVE = "Save the plan again as .docx, .xlsx, CSV or PDF."
_UNKNOWN = "This file is a zip of some kind, but not a Word (.docx) or Excel (.xlsx) file."
_NO_HEADER = (
    "No header row was found: no row names the outcome, driver or action columns. Add a row of "
    "headings above the plan (for example 'Outcome', 'Key driver', 'Action') and try again."
)
