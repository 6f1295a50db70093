"""The periods measures are reported for (DATA.md, "Periods").

Every calendar quarter that starts on or after `start` and ends on or before `end`, and every
academic year (1 August to 31 July) that ends inside [start, end]; either is skipped when it
ends after the extract date, since its census day has not come yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    label: str


def _quarter_containing(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _quarter_after(first: dt.date) -> dt.date:
    return (
        dt.date(first.year + 1, 1, 1) if first.month == 10 else first.replace(month=first.month + 3)
    )


def quarters(start: dt.date, end: dt.date, extract_date: dt.date) -> tuple[Period, ...]:
    found: list[Period] = []
    first = _quarter_containing(start)
    if first < start:
        first = _quarter_after(first)
    last_allowed = min(end, extract_date)
    while True:
        following = _quarter_after(first)
        last = following - dt.timedelta(days=1)
        if last > last_allowed:
            return tuple(found)
        found.append(Period(first, last, f"Q{(first.month + 2) // 3} {first.year}"))
        first = following


def academic_years(start: dt.date, end: dt.date, extract_date: dt.date) -> tuple[Period, ...]:
    """Academic years by their last day, 31 July; labelled as attendance records them
    ("2019/20" runs from 1 August 2019 to 31 July 2020)."""
    last_allowed = min(end, extract_date)
    found: list[Period] = []
    for year in range(start.year, last_allowed.year + 1):
        last = dt.date(year, 7, 31)
        if start <= last <= last_allowed:
            label = f"{year - 1}/{year % 100:02d}"
            found.append(Period(dt.date(year - 1, 8, 1), last, label))
    return tuple(found)


def as_table(periods: tuple[Period, ...]) -> pa.Table:
    return pa.table(
        {
            "period_start": pa.array([p.start for p in periods], pa.date32()),
            "period_end": pa.array([p.end for p in periods], pa.date32()),
            "label": pa.array([p.label for p in periods], pa.string()),
        }
    )
