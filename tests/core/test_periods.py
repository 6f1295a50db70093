from __future__ import annotations

import datetime as dt
import itertools

import holidays
from hypothesis import given
from hypothesis import strategies as st

from trellis.core.periods import PeriodKind, add_working_days, periods_between

D = dt.date


def test_calendar_quarters_of_a_plan_year() -> None:
    periods = list(periods_between(D(2019, 10, 1), D(2020, 10, 31)))
    assert [(p.starts, p.ends, p.label) for p in periods[:2]] == [
        (D(2019, 10, 1), D(2019, 12, 31), "Q4 2019"),
        (D(2020, 1, 1), D(2020, 3, 31), "Q1 2020"),
    ]
    assert periods[-1].starts == D(2020, 10, 1)
    assert len(periods) == 5


def test_financial_year_quarters_start_in_april() -> None:
    periods = list(periods_between(D(2020, 1, 15), D(2020, 7, 1), year_start_month=4))
    assert [(p.starts, p.label) for p in periods] == [
        (D(2020, 1, 1), "Q4 2019/20"),
        (D(2020, 4, 1), "Q1 2020/21"),
        (D(2020, 7, 1), "Q2 2020/21"),
    ]


def test_monthly_periods() -> None:
    periods = list(periods_between(D(2020, 1, 31), D(2020, 3, 1), kind=PeriodKind.MONTH))
    assert [p.label for p in periods] == ["January 2020", "February 2020", "March 2020"]
    assert periods[1].ends == D(2020, 2, 29)


def test_due_date_skips_weekends_and_scottish_bank_holidays() -> None:
    scotland = holidays.country_holidays("GB", subdiv="SCT", years=[2019, 2020])
    # Q4 2019 ends Tuesday 31 December; 1 and 2 January are Scottish holidays.
    q4 = next(periods_between(D(2019, 10, 1), D(2019, 12, 31), holidays=scotland))
    assert q4.due == D(2020, 1, 16)
    england = holidays.country_holidays("GB", subdiv="ENG", years=[2019, 2020])
    q4_england = next(periods_between(D(2019, 10, 1), D(2019, 12, 31), holidays=england))
    assert q4_england.due == D(2020, 1, 15)


def test_ten_working_days_after_a_friday_is_two_weeks_later() -> None:
    assert add_working_days(D(2020, 7, 3), 10, frozenset()) == D(2020, 7, 17)


@given(
    first=st.dates(min_value=D(2000, 1, 1), max_value=D(2040, 1, 1)),
    days=st.integers(min_value=0, max_value=800),
    kind=st.sampled_from(list(PeriodKind)),
    start_month=st.integers(min_value=1, max_value=12),
)
def test_periods_tile_the_range_without_gaps_or_overlaps(
    first: dt.date, days: int, kind: PeriodKind, start_month: int
) -> None:
    last = first + dt.timedelta(days=days)
    periods = list(periods_between(first, last, kind=kind, year_start_month=start_month))
    assert periods[0].starts <= first <= periods[0].ends
    assert periods[-1].starts <= last <= periods[-1].ends
    for before, after in itertools.pairwise(periods):
        assert after.starts == before.ends + dt.timedelta(days=1)
    for p in periods:
        assert p.due > p.ends
        assert p.due.weekday() < 5
        if kind is PeriodKind.QUARTER:
            assert (p.starts.month - start_month) % 3 == 0


@given(
    day=st.dates(min_value=D(2000, 1, 1), max_value=D(2040, 1, 1)),
    count=st.integers(min_value=1, max_value=40),
)
def test_working_days_are_counted_exactly(day: dt.date, count: int) -> None:
    due = add_working_days(day, count, frozenset())
    between = [day + dt.timedelta(days=i) for i in range(1, (due - day).days + 1)]
    assert sum(d.weekday() < 5 for d in between) == count
    assert due.weekday() < 5
