"""Read the first sheet of an xlsx dataset file into text columns, safely.

Before the parser sees the file: the bytes must be a zip (an old .xls, or a password-protected
workbook, is an OLE2 file), within the zip limits (a zip bomb is refused unread), hold a
workbook (xl/workbook.xml), no macros (.xlsm content type or vbaProject.bin), no document type
declaration in any XML part (Excel never writes one, and every entity attack needs one), and
no cell so far out that the sheet's rectangle would pass MAX_CELLS: the parser holds the whole
rectangle in memory, so one cell at XFD1048576 in a tiny file would otherwise ask for hundreds
of gigabytes. python-calamine (Rust: calamine and quick-xml) then reads the first sheet. It
never evaluates a formula: the cell reads as the value Excel cached, or as empty when there is
none. It expands no entities, and refuses a part larger than its zip entry says.

Cells become text: a date cell gives YYYY-MM-DD (a date and time, its date); in a date column
an Excel serial number (a date cell that lost its format) gives its date, counted in the
workbook's date system (1900 or 1904, the workbookPr of xl/workbook.xml); whole numbers lose
their ".0"; TRUE and FALSE stay so; a time gives HH:MM:SS and a duration [h]:mm:ss. An error
cell (#N/A, #DIV/0!) reads as empty: calamine does not say which error it held.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from python_calamine import CalamineWorkbook

from trellis.casedata.problems import Problems
from trellis.casedata.reading import (
    ROW,
    LimitExceeded,
    RawTable,
    Source,
    head_of,
    max_rows,
    read_capped,
    report_long_cells,
    safe_members,
    too_many_rows,
)
from trellis.casedata.schema import Dataset

XLSX_MAX_BYTES = 100 * 1024**2  # the packed workbook
XLSX_MAX_UNPACKED = 100 * 1024**2  # all its parts unpacked (shared/SECURITY-BAR.md §1.5)
MAX_COLUMNS = 200
MAX_CELLS = 4_000_000  # rows × columns from A1 to the farthest cell: ~130 MB in calamine
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXCEL_SERIAL_RANGE = (1, 2958465)  # 1900-01-01 .. 9999-12-31


class _Refused(Exception):
    def __init__(self, rule: str, message: str) -> None:
        super().__init__(rule)
        self.rule = rule
        self.message = message


def read_xlsx(source: Source, dataset: Dataset, problems: Problems) -> RawTable | None:
    try:
        workbook_bytes = _checked_workbook(source)
        return _read_first_sheet(source, dataset, workbook_bytes, problems)
    except _Refused as refused:
        problems.error(source.name, None, None, refused.rule, refused.message)
    except LimitExceeded:
        problems.error(source.name, None, None, "zip-bomb", _BOMB)
    except Exception:  # a hostile workbook may break the parser anywhere
        problems.error(source.name, None, None, "unreadable-xlsx", _UNREADABLE)
    return None


def _checked_workbook(source: Source) -> BinaryIO:
    """The workbook's bytes, once they are known to be a plain, macro-free, sane-sized xlsx."""
    head = head_of(source, 8)
    if not head:
        raise _Refused("empty-file", "The file is empty.")
    if head.startswith(OLE2):
        raise _Refused("xls-format", _XLS)
    if not head.startswith(b"PK\x03\x04"):
        raise _Refused("not-xlsx", _NOT_XLSX)
    data = read_capped(source, XLSX_MAX_BYTES)
    if data is None:
        raise _Refused("file-too-large", _TOO_LARGE)
    stream = io.BytesIO(data)
    try:
        with zipfile.ZipFile(stream) as archive:
            _check_parts(archive, source.name)
    except zipfile.BadZipFile as error:
        raise _Refused("not-xlsx", _NOT_XLSX) from error
    stream.seek(0)
    return stream


def _check_parts(archive: zipfile.ZipFile, name: str) -> None:
    refusals = Problems()
    if safe_members(archive.infolist(), refusals, name, max_total=XLSX_MAX_UNPACKED) is None:
        first = refusals.errors()[0]
        raise _Refused(first.rule, _BOMB if first.rule == "zip-bomb" else first.message)
    names = set(archive.namelist())
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _Refused("not-xlsx", _NOT_XLSX)
    with archive.open("[Content_Types].xml") as types:
        content_types = types.read(1024**2).lower()
    if b"macroenabled" in content_types or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _Refused("macro-enabled", _MACROS)
    for part in archive.namelist():
        _scan_part(archive, part)


# A document type declaration (the only place entities are declared), as UTF-8 or UTF-16.
_DOCTYPE = tuple(b"<!DOCTYPE".decode().encode(e) for e in ("utf-8", "utf-16-le", "utf-16-be"))


def _scan_part(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse a part that declares a document type (XML parts), or that holds a cell beyond
    the MAX_CELLS rectangle (any part: the workbook's relationships, not its name, say which
    part is a sheet). Reading the part through also checks its size and CRC against the zip
    directory. Both checks are independent of the parser that reads the sheet afterwards."""
    xml = name.lower().endswith((".xml", ".rels"))
    overlap = max(len(marker) for marker in _DOCTYPE)
    cells, tail, carry = _CellExtent(), b"", b""
    with archive.open(name) as part:  # the sizes were capped by safe_members
        while chunk := part.read(1024**2):
            window = (tail + chunk).upper()
            if xml and any(marker.upper() in window for marker in _DOCTYPE):
                raise _Refused("xml-entities", _ENTITIES)
            tail = chunk[-overlap:]
            carry = cells.scan(carry + chunk)
    cells.scan(carry, final=True)


# The start of a <c> (cell) or <row> element with any namespace prefix; then its attributes,
# each quoted (a quoted value may hold ">"), up to the end of the tag.
_TAG_START = re.compile(rb"<(?:[^\s<>/:=!?]+:)?(c|row)(?=[\s/>])")
_TAG_REST = re.compile(rb"""((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>""")
# A cell or row tag as Excel writes it: no prefix, its reference first and no other r, double
# quotes; then, for a cell, whether it is empty (<c .../> or <c ...></c>).
_PLAIN_TAG = re.compile(
    rb'<(c|row)\s+r="([A-Z]{0,3})([0-9]{1,7})"(?:\s+(?!r=)[^\s=/>]+="[^"]*")*\s*(/?)>'
    rb"(\s*</c\s*>)?"
)
_CLOSE_CELL = re.compile(rb"\s*</(?:[^\s<>/:=!?]+:)?c\s*>")
_R_ATTRIBUTE = re.compile(rb"""(?:^|\s)r\s*=\s*["']?([^"'\s/>]*)""")
_CELL_REF = re.compile(rb"([A-Za-z]+)([0-9]+)")
_FAR = 10**8  # a row or column past any sheet: the rectangle is refused


class _CellExtent:
    """The farthest row and column a cell of a part could take. calamine places a cell by its
    reference, or after the cell before it (a row without a number follows the row before);
    where this reader could disagree with it (a tag it cannot parse, a reference pointing
    back) it takes the farther of the two, so it may overcount but never undercount."""

    def __init__(self) -> None:
        self.row = self.column = 0  # where the parser stands, from 1
        self.rows = self.columns = 0  # the farthest cell that may hold a value

    def scan(self, data: bytes, *, final: bool = False) -> bytes:
        """Scan the tags in data; return what to put before the next chunk: from the last "<"
        on, as a tag may start there and end in the next chunk."""
        limit = len(data) if final or b"<" not in data else data.rindex(b"<")
        if self._scan_plain(data, limit):
            return data[limit:]
        for start in _TAG_START.finditer(data, 0, limit):
            rest = _TAG_REST.match(data, start.end())
            if rest is not None:
                closed = _CLOSE_CELL.match(data, rest.end())  # <c ...></c>: no value either
                if closed is None and not final and data.find(b">", rest.end()) < 0:
                    return data[start.start() :]
                empty = bool(rest.group(2)) or (start.group(1) == b"c" and closed is not None)
                self._tag(start.group(1), rest.group(1), may_hold_value=not empty)
                continue
            end = data.find(b">", start.end())
            if end < 0 and not final:
                return data[start.start() :]
            # Not well formed: calamine refuses it, or reads it as best it can; count it.
            self._tag(start.group(1), data[start.end() : max(end, 0)], may_hold_value=True)
        return data[limit:]

    def _scan_plain(self, data: bytes, limit: int) -> bool:
        """The quick way, for data where every cell and row tag is plain and numbered, as
        Excel and openpyxl write them: the farthest cell is the largest reference. False,
        having counted nothing, when any tag is otherwise."""
        tags = _PLAIN_TAG.findall(data, 0, limit)
        if len(tags) != len(_TAG_START.findall(data, 0, limit)):
            return False
        if any((tag == b"c") != bool(letters) for tag, letters, *_ in tags):
            return False
        valued = [
            (n, letters)
            for tag, letters, n, empty, closed in tags
            if tag == b"c" and not (empty or closed)
        ]
        if valued:
            rows = max(int(n) for n, _ in valued)
            column = _place(
                max((letters for _, letters in valued), key=lambda c: (len(c), c)) + b"1"
            )[1]
            self.rows, self.columns = max(self.rows, rows), max(self.columns, column)
            if self.rows * self.columns > MAX_CELLS:
                raise _Refused("too-many-cells", _TOO_MANY_CELLS)
        if tags:
            tag, letters, n, *_ = tags[-1]
            self.row, self.column = _place(letters + n) if tag == b"c" else (int(n), 0)
        return True

    def _tag(self, tag: bytes, attributes: bytes, *, may_hold_value: bool) -> None:
        places = [_place(ref) for ref in _R_ATTRIBUTE.findall(attributes)]
        if tag == b"row":
            self.row = max([self.row + 1, *(row for row, _ in places)])
            self.column = 0
            return
        self.row = max([self.row, *(row for row, _ in places)])
        self.column = max([self.column + 1, *(column for _, column in places)])
        if may_hold_value:  # calamine leaves out a cell with a style only
            self.rows, self.columns = max(self.rows, self.row), max(self.columns, self.column)
            if self.rows * self.columns > MAX_CELLS:
                raise _Refused("too-many-cells", _TOO_MANY_CELLS)


def _place(ref: bytes) -> tuple[int, int]:
    """(row, column), from 1, of a reference such as b"AB12" or a row number (past Excel's
    limits: _FAR); (0, 0) for anything else, which calamine refuses."""
    if ref.isdigit():
        return (int(ref) if len(ref) <= 7 else _FAR), 0
    match = _CELL_REF.match(ref)
    if match is None:
        return 0, 0
    letters, digits = match.groups()
    if len(letters) > 3 or len(digits) > 7:
        return _FAR, _FAR
    column = 0
    for letter in letters.upper():
        column = column * 26 + letter - 64
    return int(digits), column


_DATE1904 = re.compile(
    rb"""<(?:[^\s<>/:=!?]+:)?workbookPr\b[^>]*?\sdate1904\s*=\s*["'](1|true)["']"""
)


def _date1904(workbook_bytes: BinaryIO) -> bool:
    """Whether the workbook counts dates from 1904 (older Mac Excel): calamine applies it to
    date cells but gives plain numbers as numbers. The part was checked: no entities."""
    with zipfile.ZipFile(workbook_bytes) as archive, archive.open("xl/workbook.xml") as part:
        head = part.read(1024**2)  # workbookPr comes near the start, before the sheets
    workbook_bytes.seek(0)
    return _DATE1904.search(head) is not None


def _read_first_sheet(
    source: Source, dataset: Dataset, workbook_bytes: BinaryIO, problems: Problems
) -> RawTable | None:
    date1904 = _date1904(workbook_bytes)
    with CalamineWorkbook.from_filelike(workbook_bytes) as workbook:
        if len(workbook.sheet_names) > 1:
            problems.warn(source.name, None, None, "other-sheets", _OTHER_SHEETS)
        # Rows from A1 to the last cell holding a value, whatever the stored dimension says.
        rows = workbook.get_sheet_by_index(0).iter_rows()
        return _table(source, dataset, rows, _epoch(date1904), problems)


def _epoch(date1904: bool) -> dt.date:
    """The day Excel's serial number 0 stands for (in the 1900 system, from 1 March 1900: Excel
    counts a 29 February 1900 that never was)."""
    return dt.date(1904, 1, 1) if date1904 else dt.date(1899, 12, 30)


def _table(
    source: Source,
    dataset: Dataset,
    rows: Iterable[list[Any]],
    epoch: dt.date,
    problems: Problems,
) -> RawTable | None:
    rows_iter = iter(rows)
    first = next(rows_iter, None)
    header = [_text(v, date_column=False, epoch=epoch).strip() for v in (first or ())]
    while header and not header[-1]:
        header.pop()  # trailing empty cells of a formatted but empty column
    if not header:
        problems.error(source.name, None, None, "empty-file", "The sheet has no header row.")
        return None
    if len(header) > MAX_COLUMNS:
        problems.error(source.name, 1, None, "too-many-columns", _TOO_MANY_COLUMNS)
        return None
    dates = [h.lower() in dataset.date_columns for h in header]
    columns: list[list[str]] = [[] for _ in header]
    cap = max_rows()
    for count, values in enumerate(rows_iter, start=1):
        if count > cap:
            problems.error(source.name, None, None, "too-many-rows", too_many_rows(cap))
            return None
        for i, text in enumerate(_cells(values, dates, epoch)):
            columns[i].append(text)
    import pyarrow as pa  # where used, as in reading.py

    arrays = [pa.array(col, type=pa.string()) for col in columns]
    numbers = pa.array(range(2, len(columns[0]) + 2), type=pa.int64())
    names = [f"c{i}" for i in range(len(header))] + [ROW]
    raw = RawTable(source.name, dataset, header, pa.table([*arrays, numbers], names=names))
    report_long_cells(raw, problems)
    return raw


def _cells(values: list[Any], dates: list[bool], epoch: dt.date) -> Iterator[str]:
    for i, is_date in enumerate(dates):
        value = values[i] if i < len(values) else None
        yield _text(value, date_column=is_date, epoch=epoch)


def _text(value: Any, *, date_column: bool, epoch: dt.date) -> str:
    """A cell as calamine gives it (empty and error cells as ""), as text."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return _duration_text(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return _number_text(value, date_column=date_column, epoch=epoch)
    return str(value)


def _duration_text(value: dt.timedelta) -> str:
    """As Excel shows a duration: [h]:mm:ss, hours past 24 and all."""
    seconds = round(abs(value.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    sign = "-" if value < dt.timedelta(0) else ""
    return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _number_text(value: float, *, date_column: bool, epoch: dt.date) -> str:
    if not math.isfinite(value):
        return str(value)
    low, high = EXCEL_SERIAL_RANGE
    if date_column and low <= value <= high:
        serial = _serial_date(value, epoch)
        if serial is not None:
            return serial.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _serial_date(value: float, epoch: dt.date) -> dt.date | None:
    """The day of an Excel serial number (its fraction is the time of day), or None past
    9999-12-31."""
    days = math.floor(value)
    if epoch.year == 1899 and days < 60:
        days += 1  # before Excel's phantom 29 February 1900
    try:
        return epoch + dt.timedelta(days=days)
    except OverflowError:
        return None


_XLS = (
    "This is an old Excel workbook (.xls) or a password-protected one, not an .xlsx file. "
    "Open it in Excel, remove any password and save it as 'Excel Workbook (.xlsx)'."
)
_NOT_XLSX = "This file is not an Excel workbook (.xlsx). Save it from Excel as .xlsx or as CSV."
_MACROS = (
    "This workbook contains macros (.xlsm). Save it from Excel as 'Excel Workbook (.xlsx)', "
    "which has no macros."
)
_BOMB = (
    "The workbook unpacks to far more than its size (more than 100 MB, or a part more than "
    "100 times its packed size), so it was refused unread."
)
_TOO_LARGE = "The workbook is larger than 100 MB. Save the data as CSV instead."
_ENTITIES = (
    "The workbook contains XML entity declarations, which a workbook saved by Excel never "
    "has, so it was refused. Save the data from Excel again as .xlsx."
)
_UNREADABLE = "The workbook could not be read. Open it in Excel and save it again as .xlsx."
_OTHER_SHEETS = "The workbook has more than one sheet; only the first was read."
_TOO_MANY_COLUMNS = f"The header has more than {MAX_COLUMNS} columns."
_TOO_MANY_CELLS = (
    f"The sheet has cells so far down or to the right that it spans more than {MAX_CELLS:,} "
    "cells (rows × columns). Delete the rows and columns beyond your data, or save the data "
    "as CSV."
)
