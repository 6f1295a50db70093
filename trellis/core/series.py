"""Reading a measure's figures as people paste them from a spreadsheet: one period per line,
then a value (or a numerator and a denominator), separated by tabs, commas or semicolons.

Periods are named the way councils name them ("Q1 2020", "Mar 2020", "2020-03-31",
"31/03/2020", "2019/20" for an academic year) and stored as the last day of the period, so
the same quarter always lands on the same date whichever way it was written. An academic
year runs from 1 August to 31 July (DATA.md, attendance).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from dataclasses import dataclass, field

FREQUENCIES = ("quarter", "month", "year", "academic")
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9


class PeriodError(ValueError):
    pass


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def period_end(day: dt.date, frequency: str) -> dt.date:
    """The last day of the calendar quarter, month or year, or of the academic year,
    holding `day`."""
    if frequency == "month":
        return _month_end(day.year, day.month)
    if frequency == "quarter":
        return _month_end(day.year, (day.month - 1) // 3 * 3 + 3)
    if frequency == "academic":
        if day.year == dt.MAXYEAR and day.month > 7:
            return dt.date.max  # the academic year would end past the calendar's end
        return dt.date(day.year + (day.month > 7), 7, 31)
    return dt.date(day.year, 12, 31)


def period_label(ends: dt.date, frequency: str) -> str:
    """How a period is named on charts and tables: "Q1 2020", "Mar 2020", "2020", and
    "2019/20" for the academic year ending on 31 July 2020."""
    if frequency == "quarter":
        return f"Q{(ends.month - 1) // 3 + 1} {ends.year}"
    if frequency == "month":
        return f"{calendar.month_abbr[ends.month]} {ends.year}"
    if frequency == "academic":
        return f"{ends.year - 1}/{ends.year % 100:02d}"
    return str(ends.year)


def parse_period(text: str, frequency: str) -> dt.date:
    """The last day of the period `text` names, or PeriodError saying what was expected."""
    cleaned = text.strip().lower()
    if frequency == "academic" and (academic := _read_academic_year(cleaned)):
        return academic
    # A bare year names a whole year: only a yearly measure's period.
    day = None if frequency != "year" and cleaned.isdigit() else _read_period(cleaned)
    if day is None:
        academic_hint = " or an academic year as 2019/20" if frequency == "academic" else ""
        raise PeriodError(
            f"'{text.strip()}' is not a period: write it as Q1 2020, Mar 2020, 2020-03-31, "
            f"31/03/2020{academic_hint}."
        )
    return period_end(day, frequency)


def _read_academic_year(text: str) -> dt.date | None:
    """ "2019/20" or "2019-2020": the academic year ending on 31 July 2020."""
    found = re.fullmatch(r"(\d{4})\s*[-/]\s*(\d{2}|\d{4})", text)
    if found is None:
        return None
    first, second = int(found[1]), int(found[2])
    if second != (first + 1) % (100 if len(found[2]) == 2 else 10_000):
        return None
    return dt.date(first + 1, 7, 31)


def _read_period(text: str) -> dt.date | None:
    try:
        return _read_date(text)
    except ValueError:  # a date out of range, such as year 0
        return None


def _read_date(text: str) -> dt.date | None:
    quarter = re.fullmatch(r"q([1-4])\s*[-/ ]?\s*(\d{4})|(\d{4})\s*[-/ ]?\s*q([1-4])", text)
    if quarter:
        q = int(quarter[1] or quarter[4])
        return dt.date(int(quarter[2] or quarter[3]), q * 3, 1)
    month = re.fullmatch(r"([a-z]+)\.?[\s\-/]*(\d{4}|\d{2})", text)
    if month and month[1] in _MONTHS:
        year = int(month[2]) + (2000 if len(month[2]) == 2 else 0)
        return dt.date(year, _MONTHS[month[1]], 1)
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m", "%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_number(text: str) -> float:
    """A figure as spreadsheets print it: "1,234", "58%", "12.5", "-3"."""
    cleaned = text.strip().replace(",", "").removesuffix("%").strip()
    if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", cleaned):
        raise ValueError(f"'{text.strip()}' is not a number.")
    number = float(cleaned)
    if not math.isfinite(number):
        raise ValueError(f"'{text.strip()[:20]}…' is too large a number.")
    return number


@dataclass(frozen=True)
class PastedRow:
    line: int
    period_ends: dt.date
    numbers: tuple[float, ...]


@dataclass
class Pasted:
    rows: list[PastedRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "Line 3, column 2: ..."


def _cells(line: str) -> list[str]:
    for separator in ("\t", ";", ","):
        if separator in line:
            return [c.strip() for c in line.split(separator)]
    return line.split()


def parse_pasted(text: str, *, frequency: str, columns: int) -> Pasted:
    """Read pasted lines of a period then `columns` numbers. A first line whose figures are
    not numbers is taken for a header and skipped; blank lines are skipped. Every problem is
    reported, by line and column, so the whole paste can be corrected at once."""
    result = Pasted()
    seen: dict[dt.date, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = _cells(line)
        if len(cells) != columns + 1:
            if not result.rows and not result.errors and number == 1:
                continue  # a header of another shape
            result.errors.append(
                f"Line {number}: expected {columns + 1} columns (a period then "
                f"{_figures(columns)}), found {len(cells)}."
            )
            continue
        row = _read_row(number, cells, frequency, result)
        if row is None:
            continue
        if row.period_ends in seen:
            result.errors.append(
                f"Line {number}, column 1: the same period as line {seen[row.period_ends]}."
            )
            continue
        seen[row.period_ends] = number
        result.rows.append(row)
    if not result.rows and not result.errors:
        result.errors.append("Nothing to read: paste a period and its figures on each line.")
    return result


def _figures(columns: int) -> str:
    return "a value" if columns == 1 else "a numerator and a denominator"


def _read_row(number: int, cells: list[str], frequency: str, result: Pasted) -> PastedRow | None:
    errors: list[str] = []
    ends: dt.date | None = None
    try:
        ends = parse_period(cells[0], frequency)
    except PeriodError as exc:
        errors.append(f"Line {number}, column 1: {exc}")
    figures: list[float] = []
    for column, cell in enumerate(cells[1:], start=2):
        try:
            figures.append(parse_number(cell))
        except ValueError as exc:
            errors.append(f"Line {number}, column {column}: {exc}")
    if ends is None and number == 1 and not result.rows and not result.errors and not figures:
        return None  # a header line such as "Quarter, Value"
    result.errors.extend(errors)
    if errors or ends is None:
        return None
    return PastedRow(number, ends, tuple(figures))
