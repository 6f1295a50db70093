"""Small hand-made extracts for the measure tests: Arrow tables built from a few rows, with
dates written as text, and helpers to pick the rows a test is about."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pyarrow as pa
from hypothesis import strategies as st

from trellis.casedata.compute import MeasureRow, compute_measures

D = dt.date.fromisoformat

DATE_COLUMNS = {
    "date_of_birth",
    "episode_start",
    "episode_end",
    "accommodated_date",
    "assessment_date",
    "registration_date",
    "deregistration_date",
    "contact_date",
    "service_start",
    "service_end",
    "review_date",
    "date_left_care",
}
INT_COLUMNS = {"possible_sessions", "attended_sessions"}

SEX_CODES = ("m", "f", "u")
PLACEMENT_CODES = ("home", "kinship", "foster", "residential", "community_other")
AREA_CODES = ("in_area", "out_of_area", "unknown")
CONTACT_CODES = ("face_to_face", "virtual", "phone")
REVIEW_CODES = ("short_break", "looked_after")
EET_CODES = ("y", "n", "u")

COLUMNS = {
    "episodes": (
        "child_id",
        "date_of_birth",
        "sex",
        "episode_start",
        "episode_end",
        "placement_type",
        "placement_area",
    ),
    "health_assessments": ("child_id", "accommodated_date", "assessment_date"),
    "cp_registrations": ("child_id", "registration_date", "deregistration_date"),
    "cp_contacts": ("child_id", "contact_date", "contact_type"),
    "short_breaks": ("child_id", "service_start", "service_end"),
    "reviews": ("child_id", "review_date", "review_type"),
    "care_leavers": ("child_id", "date_of_birth", "date_left_care"),
    "care_leaver_contacts": ("child_id", "contact_date", "eet"),
    "attendance": ("child_id", "academic_year", "possible_sessions", "attended_sessions"),
}


def column_type(name: str) -> pa.DataType:
    if name in DATE_COLUMNS:
        return pa.date32()
    return pa.int64() if name in INT_COLUMNS else pa.string()


def table(dataset: str, rows: Iterable[Sequence[Any]]) -> pa.Table:
    """A dataset's table from tuples in COLUMNS order; dates may be given as 'YYYY-MM-DD'."""
    names = COLUMNS[dataset]
    listed = [tuple(row) for row in rows]
    columns = {}
    for index, name in enumerate(names):
        values = [row[index] for row in listed]
        if name in DATE_COLUMNS:
            values = [D(v) if isinstance(v, str) else v for v in values]
        columns[name] = pa.array(values, column_type(name))
    return pa.table(columns)


def episode(
    child: str,
    start: str,
    end: str | None = None,
    *,
    born: str = "2010-06-15",
    sex: str = "f",
    placement: str = "foster",
    area: str = "in_area",
) -> tuple[Any, ...]:
    return (child, born, sex, start, end, placement, area)


def episodes(*rows: tuple[Any, ...]) -> pa.Table:
    return table("episodes", rows)


def compute(
    warn: Callable[[str], None] | None = None,
    *,
    start: str = "2020-01-01",
    end: str = "2020-12-31",
    extract: str = "2021-06-30",
    **tables: pa.Table,
) -> list[MeasureRow]:
    """compute_measures over the given tables, for the quarters of 2020 by default."""
    return compute_measures(
        tables,
        extract_date=D(extract),
        start=D(start),
        end=D(end),
        warn=warn or (lambda message: None),
    )


def rows_of(rows: Iterable[MeasureRow], measure: str, period_end: str | None = None) -> list:
    return [
        r
        for r in rows
        if r.measure == measure and (period_end is None or r.period_end == D(period_end))
    ]


def row(
    rows: Iterable[MeasureRow],
    measure: str,
    period_end: str,
    breakdown: dict[str, str] | None = None,
) -> MeasureRow:
    """The one row of the measure, period and breakdown (fails when absent or repeated)."""
    found = [r for r in rows_of(rows, measure, period_end) if r.breakdown == breakdown]
    assert len(found) == 1, f"{len(found)} rows of {measure} {period_end} {breakdown}"
    return found[0]


def breakdowns(rows: Iterable[MeasureRow], measure: str, period_end: str, field: str) -> dict:
    """{group: row} of one breakdown field of a measure in a period."""
    return {
        r.breakdown[field]: r
        for r in rows_of(rows, measure, period_end)
        if r.breakdown is not None and field in r.breakdown
    }


def figures(r: MeasureRow) -> tuple[int | None, int | None, float | int | None]:
    return (r.numerator, r.denominator, r.value)


# Hypothesis: small extracts that pass validation (no overlapping episodes or registrations
# of one child, one date of birth and sex per child, one care_leavers row per child, nothing
# after the extract date), with dates around the leap year 2020.

PROPERTY_START = dt.date(2019, 7, 1)
PROPERTY_EXTRACT = dt.date(2021, 12, 31)
_BASE = dt.date(2019, 1, 1)
CHILDREN = ("c0", "c1", "c2", "c3", "c4")
ACADEMIC_YEARS = ("2018/19", "2019/20", "2020/21")


def _day(offset: int) -> dt.date:
    return _BASE + dt.timedelta(days=offset)


def _within_extract(day: dt.date | None) -> dt.date | None:
    return None if day is None or day > PROPERTY_EXTRACT else day


@st.composite
def _spells(draw: st.DrawFn, *, min_length: int) -> list[tuple[dt.date, dt.date | None]]:
    """Consecutive [start, end) spells of one child, some with gaps, the last maybe open."""
    spells: list[tuple[dt.date, dt.date | None]] = []
    day = _day(draw(st.integers(0, 500)))
    for _ in range(draw(st.integers(0, 5))):
        day += dt.timedelta(days=draw(st.sampled_from((0, 0, 1, 30, 200, 365, 366))))
        if day > PROPERTY_EXTRACT:
            break
        end = day + dt.timedelta(days=draw(st.integers(min_length, 400)))
        spells.append((day, _within_extract(end)))
        if spells[-1][1] is None:
            break
        day = end
    leave_open: bool = draw(st.booleans())
    if spells and leave_open:
        spells[-1] = (spells[-1][0], None)
    return spells


@st.composite
def _child_episodes(draw: st.DrawFn, child: str) -> list[tuple]:
    spells = draw(_spells(min_length=1))
    if not spells:
        return []
    born = spells[0][0] - dt.timedelta(days=draw(st.integers(0, 7300)))
    sex = draw(st.sampled_from(SEX_CODES))
    return [
        (
            child,
            born,
            sex,
            start,
            end,
            draw(st.sampled_from(("home", *PLACEMENT_CODES))),  # home twice as often
            draw(st.sampled_from(AREA_CODES)),
        )
        for start, end in spells
    ]


def _after(day: dt.date, days: int | None) -> dt.date | None:
    """The day so many days later, None for None or past the extract date."""
    return None if days is None else _within_extract(day + dt.timedelta(days=days))


def _dates() -> st.SearchStrategy[dt.date]:
    return st.integers(0, (PROPERTY_EXTRACT - _BASE).days).map(_day)


@st.composite
def _child_rows(draw: st.DrawFn, child: str) -> dict[str, list[tuple]]:
    rows: dict[str, list[tuple]] = {"episodes": draw(_child_episodes(child))}
    rows["health_assessments"] = [
        (child, accommodated, _after(accommodated, delay))
        for accommodated, delay in draw(
            st.lists(st.tuples(_dates(), st.one_of(st.none(), st.integers(0, 40))), max_size=2)
        )
    ]
    rows["cp_registrations"] = [(child, *s) for s in draw(_spells(min_length=0))]
    rows["cp_contacts"] = [
        (child, day, how)
        for day, how in draw(
            st.lists(st.tuples(_dates(), st.sampled_from(CONTACT_CODES)), max_size=8)
        )
    ]
    rows["short_breaks"] = [
        (child, start, _within_extract(start + dt.timedelta(days=length)) if length else None)
        for start, length in draw(st.lists(st.tuples(_dates(), st.integers(0, 400)), max_size=2))
    ]
    rows["reviews"] = [
        (child, day, kind)
        for day, kind in draw(
            st.lists(st.tuples(_dates(), st.sampled_from(REVIEW_CODES)), max_size=3)
        )
    ]
    rows["care_leavers"] = []
    if draw(st.booleans()):
        born = dt.date(1994, 1, 1) + dt.timedelta(days=draw(st.integers(0, 4800)))
        rows["care_leavers"] = [(child, born, draw(_dates()))]
    rows["care_leaver_contacts"] = [
        (child, day, eet)
        for day, eet in draw(st.lists(st.tuples(_dates(), st.sampled_from(EET_CODES)), max_size=5))
    ]
    rows["attendance"] = [
        (child, year, possible, draw(st.integers(0, possible)))
        for year in ACADEMIC_YEARS
        if draw(st.booleans())
        for possible in [draw(st.integers(0, 400))]
    ]
    return rows


@st.composite
def extracts(draw: st.DrawFn) -> dict[str, list[tuple]]:
    """Rows per dataset of a valid extract of a few children."""
    extract: dict[str, list[tuple]] = {name: [] for name in COLUMNS}
    for child in CHILDREN[: draw(st.integers(0, len(CHILDREN)))]:
        for name, rows in draw(_child_rows(child)).items():
            extract[name].extend(rows)
    return extract


def compute_property_extract(extract: dict[str, list[tuple]]) -> list[MeasureRow]:
    return compute_measures(
        {name: table(name, rows) for name, rows in extract.items()},
        extract_date=PROPERTY_EXTRACT,
        start=PROPERTY_START,
        end=PROPERTY_EXTRACT,
    )
