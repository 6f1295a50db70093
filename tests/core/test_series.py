"""The paste parser: periods written the ways councils write them, figures as spreadsheets
print them, and pasted blocks read line by line with every problem named by line and
column."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trellis.core.series import (
    FREQUENCIES,
    PeriodError,
    parse_number,
    parse_pasted,
    parse_period,
    period_end,
    period_label,
)

D = dt.date
dates = st.dates(min_value=D(1000, 1, 1), max_value=D(9999, 12, 31))
frequencies = st.sampled_from(FREQUENCIES)


# Periods


@pytest.mark.parametrize(
    ("text", "frequency", "ends"),
    [
        ("Q1 2020", "quarter", D(2020, 3, 31)),
        ("2020 Q1", "quarter", D(2020, 3, 31)),
        ("q3 2021", "quarter", D(2021, 9, 30)),
        ("Q2-2020", "quarter", D(2020, 6, 30)),
        ("2020Q4", "quarter", D(2020, 12, 31)),
        ("Mar 2020", "month", D(2020, 3, 31)),
        ("March 2020", "month", D(2020, 3, 31)),
        ("Sept 2020", "month", D(2020, 9, 30)),
        ("Sep 2020", "month", D(2020, 9, 30)),
        ("Feb 2020", "month", D(2020, 2, 29)),
        ("Feb 2021", "month", D(2021, 2, 28)),
        ("Mar 20", "month", D(2020, 3, 31)),
        ("2020-03-31", "quarter", D(2020, 3, 31)),
        ("31/03/2020", "quarter", D(2020, 3, 31)),
        ("2020-03", "month", D(2020, 3, 31)),
        ("  Q1 2020  ", "quarter", D(2020, 3, 31)),
    ],
)
def test_every_documented_form_names_its_periods_last_day(
    text: str, frequency: str, ends: dt.date
) -> None:
    assert parse_period(text, frequency) == ends


@pytest.mark.parametrize(
    ("text", "frequency", "ends"),
    [
        ("2020-02-14", "quarter", D(2020, 3, 31)),
        ("14/02/2020", "quarter", D(2020, 3, 31)),
        ("2020-05-01", "quarter", D(2020, 6, 30)),
        ("2020-02-14", "month", D(2020, 2, 29)),
        ("01/12/2019", "month", D(2019, 12, 31)),
        ("2020-02-14", "year", D(2020, 12, 31)),
        ("May 2020", "quarter", D(2020, 6, 30)),
        ("Q3 2020", "year", D(2020, 12, 31)),
    ],
)
def test_any_day_is_stored_as_the_last_day_of_its_period(
    text: str, frequency: str, ends: dt.date
) -> None:
    assert parse_period(text, frequency) == ends


@pytest.mark.parametrize(
    "text", ["Spring 2020", "Q5 2020", "2020-02-30", "13/13/2020", "Marc 2020", "last year", ""]
)
def test_text_that_names_no_period_is_a_period_error_quoting_the_text(text: str) -> None:
    with pytest.raises(PeriodError) as refused:
        parse_period(text, "quarter")

    assert f"'{text}'" in str(refused.value)
    assert "Q1 2020" in str(refused.value)  # and says how to write one


@pytest.mark.parametrize("text", ["Q1 0000", "0000 Q2", "Mar 0000"])
def test_a_year_nought_is_a_period_error_not_a_crash(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(text, "quarter")


def test_a_quarters_label_names_its_number_and_year() -> None:
    assert period_label(D(2020, 9, 30), "quarter") == "Q3 2020"
    assert period_label(D(2020, 9, 30), "month") == "Sep 2020"
    assert period_label(D(2020, 9, 30), "year") == "2020"
    assert period_label(D(2020, 7, 31), "academic") == "2019/20"


def test_an_academic_year_runs_from_august_to_july_and_reads_as_councils_write_it() -> None:
    assert period_end(D(2019, 8, 1), "academic") == D(2020, 7, 31)
    assert period_end(D(2020, 7, 31), "academic") == D(2020, 7, 31)
    for text in ("2019/20", "2019-20", "2019/2020", "31/07/2020", "Mar 2020"):
        assert parse_period(text, "academic") == D(2020, 7, 31)
    with pytest.raises(PeriodError, match="academic year as 2019/20"):
        parse_period("2019/21", "academic")


@given(dates, frequencies)
def test_an_iso_date_parses_to_the_end_of_its_period(day: dt.date, frequency: str) -> None:
    assert parse_period(day.isoformat(), frequency) == period_end(day, frequency)


@given(dates, frequencies)
def test_a_british_date_parses_to_the_end_of_its_period(day: dt.date, frequency: str) -> None:
    text = f"{day.day:02d}/{day.month:02d}/{day.year:04d}"

    assert parse_period(text, frequency) == period_end(day, frequency)


@given(dates, frequencies)
def test_the_end_of_a_period_is_its_own_end(day: dt.date, frequency: str) -> None:
    ends = period_end(day, frequency)

    assert period_end(ends, frequency) == ends


@given(dates, frequencies)
def test_a_periods_end_is_on_or_after_the_day_and_the_next_day_starts_a_new_period(
    day: dt.date, frequency: str
) -> None:
    ends = period_end(day, frequency)
    if ends == D(9999, 12, 31):
        return  # no day after it to look at
    starts_next = ends + dt.timedelta(days=1)

    assert day <= ends
    assert ends.year == day.year + (frequency == "academic" and day.month > 7)
    assert starts_next.day == 1
    assert (
        starts_next.month
        in {"month": range(1, 13), "quarter": (1, 4, 7, 10), "year": (1,), "academic": (8,)}[
            frequency
        ]
    )
    assert (starts_next - day).days <= {"month": 31, "quarter": 92, "year": 366, "academic": 366}[
        frequency
    ]


@given(dates, frequencies)
def test_a_periods_label_reads_back_as_the_same_period(day: dt.date, frequency: str) -> None:
    ends = period_end(day, frequency)

    assert parse_period(period_label(ends, frequency), frequency) == ends


# Figures


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("58", 58.0),
        ("58%", 58.0),
        ("58 %", 58.0),
        ("1,234", 1234.0),
        ("1,234.5", 1234.5),
        ("12.5", 12.5),
        (".5", 0.5),
        ("-3", -3.0),
        ("  7 ", 7.0),
    ],
)
def test_a_figure_is_read_as_spreadsheets_print_it(text: str, number: float) -> None:
    assert parse_number(text) == number


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "5 apples", "--3", "n/a", "inf", "NaN"])
def test_text_that_is_not_a_figure_is_refused_quoting_it(text: str) -> None:
    with pytest.raises(ValueError, match="is not a number") as refused:
        parse_number(text)

    assert f"'{text.strip()}'" in str(refused.value)


def test_a_figure_too_large_to_hold_is_refused_rather_than_read_as_infinity() -> None:
    with pytest.raises(ValueError):
        parse_number("1" + "0" * 400)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_a_whole_number_with_thousands_separators_reads_back(n: int) -> None:
    assert parse_number(f"{n:,}") == n


@given(st.text(alphabet="0123456789.,-% ", max_size=30))
def test_a_figure_is_a_finite_number_or_a_value_error(text: str) -> None:
    try:
        number = parse_number(text)
    except ValueError:
        return
    assert math.isfinite(number)


# Pasted blocks


def test_a_pasted_line_gives_the_periods_last_day_and_its_figures() -> None:
    pasted = parse_pasted("Q1 2020\t12\t30\n", frequency="quarter", columns=2)

    assert pasted.errors == []
    assert [(r.line, r.period_ends, r.numbers) for r in pasted.rows] == [
        (1, D(2020, 3, 31), (12.0, 30.0))
    ]


@pytest.mark.parametrize("separator", ["\t", ",", ";", ", ", " ; "])
def test_tabs_commas_and_semicolons_separate_the_cells(separator: str) -> None:
    text = f"Q1 2020{separator}58\nQ2 2020{separator}61"

    pasted = parse_pasted(text, frequency="quarter", columns=1)

    assert pasted.errors == []
    assert [r.numbers for r in pasted.rows] == [(58.0,), (61.0,)]


def test_a_heading_line_is_skipped() -> None:
    pasted = parse_pasted("Quarter\tValue\nQ1 2020\t58", frequency="quarter", columns=1)

    assert pasted.errors == []
    assert [(r.line, r.period_ends) for r in pasted.rows] == [(2, D(2020, 3, 31))]


def test_a_title_line_of_another_shape_is_skipped() -> None:
    text = "Initial health assessments\nQ1 2020\t12\t30"

    pasted = parse_pasted(text, frequency="quarter", columns=2)

    assert pasted.errors == []
    assert len(pasted.rows) == 1


def test_a_first_line_with_a_real_period_and_a_bad_figure_is_an_error_not_a_heading() -> None:
    pasted = parse_pasted("Q1 2020\t5o\nQ2 2020\t61", frequency="quarter", columns=1)

    assert pasted.errors == ["Line 1, column 2: '5o' is not a number."]


def test_blank_lines_are_skipped_but_keep_the_line_numbers() -> None:
    pasted = parse_pasted("Q1 2020\t58\n\n   \nQ2 2020\t61", frequency="quarter", columns=1)

    assert pasted.errors == []
    assert [r.line for r in pasted.rows] == [1, 4]


def test_every_problem_is_named_by_line_and_column() -> None:
    text = "Q1 2020\t12\t30\nSpring 2020\t13\t30\nQ3 2020\tlots\t30\nQ4 2020\t14\tmany"

    pasted = parse_pasted(text, frequency="quarter", columns=2)

    assert len(pasted.errors) == 3
    assert pasted.errors[0].startswith("Line 2, column 1: 'Spring 2020' is not a period")
    assert pasted.errors[1] == "Line 3, column 2: 'lots' is not a number."
    assert pasted.errors[2] == "Line 4, column 3: 'many' is not a number."


def test_a_line_with_a_bad_period_and_a_bad_figure_reports_both() -> None:
    pasted = parse_pasted("Q1 2020\t58\nSoon\tsome", frequency="quarter", columns=1)

    assert [e.split(":")[0] for e in pasted.errors] == ["Line 2, column 1", "Line 2, column 2"]


def test_a_line_with_the_wrong_number_of_cells_says_how_many_were_expected() -> None:
    pasted = parse_pasted("Q1 2020\t12\t30\nQ2 2020\t15", frequency="quarter", columns=2)

    assert pasted.errors == [
        "Line 2: expected 3 columns (a period then a numerator and a denominator), found 2."
    ]


def test_the_same_period_written_twice_is_refused_naming_both_lines() -> None:
    pasted = parse_pasted("Q1 2020\t58\n2020-02-14\t59", frequency="quarter", columns=1)

    assert pasted.errors == ["Line 2, column 1: the same period as line 1."]
    assert [r.line for r in pasted.rows] == [1]


def test_nothing_pasted_is_an_error() -> None:
    pasted = parse_pasted(" \n\n", frequency="quarter", columns=1)

    assert pasted.rows == []
    assert len(pasted.errors) == 1
    assert "Nothing to read" in pasted.errors[0]


def test_a_line_of_year_nought_is_reported_not_a_crash() -> None:
    pasted = parse_pasted("Q1 2020\t58\nQ1 0000\t59", frequency="quarter", columns=1)

    assert [e.split(":")[0] for e in pasted.errors] == ["Line 2, column 1"]


@given(st.text(), frequencies, st.sampled_from([1, 2]))
def test_any_text_gives_rows_or_errors_and_never_raises(
    text: str, frequency: str, columns: int
) -> None:
    pasted = parse_pasted(text, frequency=frequency, columns=columns)

    assert pasted.rows or pasted.errors
    assert all(len(r.numbers) == columns for r in pasted.rows)
    assert len({r.period_ends for r in pasted.rows}) == len(pasted.rows)


# Lines that look like a paste: plausible periods and figures, with some junk.
years = st.integers(min_value=0, max_value=9999).map(lambda y: f"{y:04d}")
periods = st.one_of(
    st.builds(lambda q, y: f"Q{q} {y}", st.integers(0, 5), years),
    st.builds(lambda m, y: f"{m} {y}", st.sampled_from(["Jan", "Sept", "March", "Foo"]), years),
    st.builds(
        lambda y, m, d: f"{y}-{m:02d}-{d:02d}", years, st.integers(0, 13), st.integers(0, 32)
    ),
    st.builds(
        lambda d, m, y: f"{d:02d}/{m:02d}/{y}", st.integers(0, 32), st.integers(0, 13), years
    ),
    st.text(max_size=8),
)
figures = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f"{f:,.1f}"),
    st.integers(0, 100).map(lambda n: f"{n}%"),
    st.text(max_size=5),
)
lines = st.builds(
    lambda period, numbers, separator: separator.join([period, *numbers]),
    periods,
    st.lists(figures, min_size=0, max_size=3),
    st.sampled_from(["\t", ",", ";"]),
)


@given(st.lists(lines, max_size=8), frequencies, st.sampled_from([1, 2]))
def test_any_plausible_paste_gives_rows_or_errors_and_never_raises(
    pasted_lines: list[str], frequency: str, columns: int
) -> None:
    pasted = parse_pasted("\n".join(pasted_lines), frequency=frequency, columns=columns)

    assert pasted.rows or pasted.errors
    assert all(math.isfinite(n) for r in pasted.rows for n in r.numbers)
