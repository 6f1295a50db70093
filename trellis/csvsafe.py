"""CSV exports that are safe to open in a spreadsheet (SECURITY-BAR row 25, ASVS 5.0 1.2.10).

A text cell whose first character after any leading spaces is `= + - @`, TAB, CR or NUL
(or the full-width `＝ ＋ － ＠` some spreadsheets read as the same) would run as a formula
in Excel or LibreOffice. Such a cell gets a leading `'`, which spreadsheets show as text.
Numbers (int, float, Decimal) are written unchanged, so `-5` stays `-5`. Quoting follows
RFC 4180: fields holding a comma, quote or line break are quoted, quotes doubled, and rows
end in CRLF.

Use `csv_response()` for a download, or `writer()` on any text stream.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Protocol

from django.http import HttpResponse
from django.utils.http import content_disposition_header

TRIGGERS = frozenset("=+-@\t\r\0＝＋－＠")
PREFIX = "'"

Cell = str | int | float | Decimal


def _first_significant(text: str) -> str:
    """The first character that is a trigger or not white space ('' if there is none).
    TAB and CR are triggers themselves, so they are not skipped as white space."""
    for char in text:
        if char in TRIGGERS or not char.isspace():
            return char
    return ""


def safe_cell(value: Any) -> Cell:
    """The value as a CSV cell: numbers unchanged, text prefixed with `'` if a spreadsheet
    could read it as a formula, dates in ISO form, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if _first_significant(text) in TRIGGERS:
        return PREFIX + text
    return text


class RowWriter(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


class SafeWriter:
    """A csv writer (RFC 4180, Excel dialect) that makes every cell safe first."""

    def __init__(self, stream: Any) -> None:
        self._writer: RowWriter = csv.writer(stream, dialect="excel", lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: Any) -> SafeWriter:
    return SafeWriter(stream)


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    stream = io.StringIO(newline="")
    writer(stream).writerows(rows)
    return stream.getvalue()


def csv_response(rows: Iterable[Sequence[Any]], *, filename: str) -> HttpResponse:
    """A CSV download: UTF-8 with a byte-order mark (so Excel reads £ and é), always an
    attachment, never sniffed or cached."""
    body = csv_text(rows).encode("utf-8-sig")
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
