"""CSV exports are safe from formula injection (SECURITY-BAR row 25): text that a
spreadsheet would run as a formula is written as text, numbers stay numbers, and quoting
follows RFC 4180."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from trellis.csvsafe import TRIGGERS, csv_response, csv_text, safe_cell


def read_back(*cells: Any) -> list[str]:
    rows = list(csv.reader(io.StringIO(csv_text([cells]), newline="")))
    assert len(rows) == 1
    return rows[0]


def significant(text: str) -> str:
    """The first character after leading white space that is not itself a trigger."""
    for char in text:
        if char in TRIGGERS or not char.isspace():
            return char
    return ""


@given(st.text())
@example("=1+1")
@example("  =cmd|' /C calc'!A0")
@example("\t=1")
@example("\r@x")
@example("\x00=1")
@example(" \n-2")
@example("＝1")
def test_no_exported_text_cell_starts_with_a_trigger_unless_it_starts_with_a_quote(
    text: str,
) -> None:
    (cell,) = read_back(text)

    assert cell.startswith("'") or significant(cell) not in TRIGGERS


@given(st.text())
def test_text_reads_back_unchanged_apart_from_the_quote_prefix(text: str) -> None:
    (cell,) = read_back(text)

    assert cell in (text, "'" + text)


@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.decimals(allow_nan=False)))
def test_numbers_are_written_unchanged(number: int | float | Decimal) -> None:
    (cell,) = read_back(number)

    assert cell == str(number)
    assert safe_cell(number) is number


def test_a_negative_number_stays_negative_while_the_same_text_is_prefixed() -> None:
    assert read_back(-5, "-5", Decimal("-1.50"), -0.25) == ["-5", "'-5", "-1.50", "-0.25"]


def test_every_trigger_after_leading_spaces_gets_the_prefix() -> None:
    cells = read_back("=A1", "+A1", "-A1", "@A1", "\tA1", "\rA1", "\x00A1", "   =A1")

    assert cells == ["'=A1", "'+A1", "'-A1", "'@A1", "'\tA1", "'\rA1", "'\x00A1", "'   =A1"]


def test_ordinary_text_dates_and_empty_cells_are_written_plainly() -> None:
    cells = read_back("Improve health assessments", dt.date(2020, 10, 14), None, "a=b")

    assert cells == ["Improve health assessments", "2020-10-14", "", "a=b"]


def test_quoting_follows_rfc_4180() -> None:
    text = csv_text([["a,b", 'say "hi"', "two\nlines", "plain"]])

    assert text == '"a,b","say ""hi""","two\nlines",plain\r\n'


def test_the_download_is_an_attachment_with_a_byte_order_mark() -> None:
    response = csv_response([["£5", "=1"]], filename="report.csv")

    assert response.content == "\ufeff£5,'=1\r\n".encode()
    assert response["Content-Disposition"] == 'attachment; filename="report.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
