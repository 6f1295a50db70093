"""Read the first sheet of an xlsx dataset file into text columns, safely.

Before openpyxl sees the file: the bytes must be a zip (an old .xls, or a password-protected
workbook, is an OLE2 file), within the zip limits (a zip bomb is refused unread), hold a
workbook (xl/workbook.xml) and no macros (.xlsm content type or vbaProject.bin). openpyxl then
reads with defusedxml active (entities and DTDs are refused), in read-only mode and with
data_only=True: a formula is never evaluated; its cell reads as the value Excel cached, or as
empty when there is none.

Cells become text: a date cell gives YYYY-MM-DD; in a date column an Excel serial number (a
date cell that lost its format) gives its date; whole numbers lose their ".0".
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

import openpyxl
import pyarrow as pa
from defusedxml import DefusedXmlException
from openpyxl.utils.datetime import from_excel

from trellis.casedata.problems import Problems
from trellis.casedata.reading import (
    ROW,
    LimitExceeded,
    RawTable,
    Source,
    head_of,
    read_capped,
    safe_members,
)
from trellis.casedata.schema import Dataset

XLSX_MAX_BYTES = 100 * 1024**2  # the packed workbook
XLSX_MAX_UNPACKED = 100 * 1024**2  # all its parts unpacked (shared/SECURITY-BAR.md §1.5)
MAX_COLUMNS = 200
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
    except Exception as error:  # a hostile workbook may break openpyxl anywhere
        if _caused_by_entities(error):
            problems.error(source.name, None, None, "xml-entities", _ENTITIES)
        else:
            problems.error(source.name, None, None, "unreadable-xlsx", _UNREADABLE)
    return None


def _caused_by_entities(error: BaseException | None) -> bool:
    """openpyxl wraps defusedxml's refusal in a ValueError: look down the chain."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, DefusedXmlException):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


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
    if any(_declares_entities(archive, n) for n in names if n.lower().endswith((".xml", ".rels"))):
        raise _Refused("xml-entities", _ENTITIES)


# A document type declaration (the only place entities are declared), as UTF-8 or UTF-16.
_DOCTYPE = tuple(b"<!DOCTYPE".decode().encode(e) for e in ("utf-8", "utf-16-le", "utf-16-be"))


def _declares_entities(archive: zipfile.ZipFile, name: str) -> bool:
    """Whether the part declares a document type. Excel never writes one; refusing it here,
    before any XML parser sees the part, keeps entity attacks out whichever parser openpyxl
    picks (it uses lxml when that is installed)."""
    overlap = max(len(marker) for marker in _DOCTYPE)
    tail = b""
    with archive.open(name) as part:  # the sizes were capped by safe_members
        while chunk := part.read(1024**2):
            window = (tail + chunk).upper()
            if any(marker.upper() in window for marker in _DOCTYPE):
                return True
            tail = chunk[-overlap:]
    return False


def _read_first_sheet(
    source: Source, dataset: Dataset, workbook_bytes: BinaryIO, problems: Problems
) -> RawTable | None:
    if openpyxl.DEFUSEDXML is not True:
        problems.error(source.name, None, None, "xml-unsafe", _UNSAFE)
        return None
    workbook = openpyxl.load_workbook(
        workbook_bytes, read_only=True, data_only=True, keep_links=False
    )
    try:
        if len(workbook.worksheets) > 1:
            problems.warn(source.name, None, None, "other-sheets", _OTHER_SHEETS)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # a wrong stored dimension must not hide rows
        return _table(source, dataset, sheet.iter_rows(values_only=True), workbook.epoch, problems)
    finally:
        workbook.close()


def _table(
    source: Source,
    dataset: Dataset,
    rows: Iterable[tuple[Any, ...]],
    epoch: dt.datetime,
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
    for values in rows_iter:
        for i, text in enumerate(_cells(values, dates, epoch)):
            columns[i].append(text)
    arrays = [pa.array(col, type=pa.string()) for col in columns]
    numbers = pa.array(range(2, len(columns[0]) + 2), type=pa.int64())
    names = [f"c{i}" for i in range(len(header))] + [ROW]
    return RawTable(source.name, dataset, header, pa.table([*arrays, numbers], names=names))


def _cells(values: tuple[Any, ...], dates: list[bool], epoch: dt.datetime) -> Iterator[str]:
    for i, is_date in enumerate(dates):
        value = values[i] if i < len(values) else None
        yield _text(value, date_column=is_date, epoch=epoch)


def _text(value: Any, *, date_column: bool, epoch: dt.datetime) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return _number_text(value, date_column=date_column, epoch=epoch)
    return str(value)


def _number_text(value: float, *, date_column: bool, epoch: dt.datetime) -> str:
    low, high = EXCEL_SERIAL_RANGE
    if date_column and low <= value <= high:
        serial = from_excel(value, epoch=epoch)
        if isinstance(serial, dt.datetime):
            return serial.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
_UNSAFE = "Workbooks cannot be read safely on this server (defusedxml is not active); use CSV."
_UNREADABLE = "The workbook could not be read. Open it in Excel and save it again as .xlsx."
_OTHER_SHEETS = "The workbook has more than one sheet; only the first was read."
_TOO_MANY_COLUMNS = f"The header has more than {MAX_COLUMNS} columns."
