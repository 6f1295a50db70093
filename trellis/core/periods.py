"""Reporting calendars: the periods of a plan and when each period's updates are due.

A calendar is quarters whose year starts in any month (January for calendar quarters,
April for financial years) or months. An update is due a number of working days after its
period ends; working days skip weekends and the given holidays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterator
from dataclasses import dataclass
from enum import StrEnum


class PeriodKind(StrEnum):
    QUARTER = "quarter"
    MONTH = "month"


@dataclass(frozen=True)
class Period:
    starts: dt.date
    ends: dt.date
    due: dt.date
    label: str


def add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def add_working_days(day: dt.date, count: int, holidays: Container[dt.date]) -> dt.date:
    """The date `count` working days after `day` (Monday to Friday, not a holiday)."""
    current = day
    remaining = count
    while remaining > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            remaining -= 1
    return current


def _period_start(day: dt.date, kind: PeriodKind, year_start_month: int) -> dt.date:
    if kind is PeriodKind.MONTH:
        return day.replace(day=1)
    offset = (day.month - year_start_month) % 3
    return add_months(day.replace(day=1), -offset)


def _label(starts: dt.date, kind: PeriodKind, year_start_month: int) -> str:
    if kind is PeriodKind.MONTH:
        return f"{starts:%B %Y}"
    quarter = ((starts.month - year_start_month) % 12) // 3 + 1
    if year_start_month == 1:
        return f"Q{quarter} {starts.year}"
    first_year = starts.year if starts.month >= year_start_month else starts.year - 1
    return f"Q{quarter} {first_year}/{str(first_year + 1)[-2:]}"


def periods_between(
    first: dt.date,
    last: dt.date,
    *,
    kind: PeriodKind = PeriodKind.QUARTER,
    year_start_month: int = 1,
    due_working_days: int = 10,
    holidays: Container[dt.date] = frozenset(),
) -> Iterator[Period]:
    """Every period that overlaps the days from `first` to `last`, in order."""
    if not 1 <= year_start_month <= 12:
        raise ValueError("year_start_month must be 1 to 12")
    step = 1 if kind is PeriodKind.MONTH else 3
    starts = _period_start(first, kind, year_start_month)
    while starts <= last:
        following = add_months(starts, step)
        ends = following - dt.timedelta(days=1)
        yield Period(
            starts=starts,
            ends=ends,
            due=add_working_days(ends, due_working_days, holidays),
            label=_label(starts, kind, year_start_month),
        )
        starts = following
