"""The records behind a computed figure: one row per unit the figure counts, so an analyst
can check it against the extract.

`records_behind` lists the units of one figure (a measure, a period and a breakdown group)
with child_id as stored (the pseudonym), the dates and codes that decide whether each is
counted, and two booleans, in_denominator and in_numerator. Each measure's units come from
the very query its figures are grouped from (the engine modules' population SQL, which
carries child_id and the key dates for this purpose) and are counted by the same
conditions, imported from those modules, so the records and the figures cannot drift
apart; the tests check on generated extracts that they add up to the figures.

The unit of each measure and its columns (besides child_id and the two flags):

- looked_after, balance_of_care, out_of_area, placement_moves: a child looked after on the
  census day; date_of_birth, sex, age_band, and episode_start, episode_end,
  placement_type, placement_area of the episode covering the day. placement_moves adds
  episode_two_before_end: 3 or more episodes touched the 365 days when it is after census
  day - 364.
- iha_within_4_weeks: a health_assessments record accommodated in the quarter;
  accommodated_date, assessment_date, provisional (not assessed and the 28 days not over
  by the extract date).
- on_cp_register: a child on the register on the census day; registration_date,
  deregistration_date of the registration covering it.
- cp_reregistered_12m: a registration in the quarter; registration_date,
  deregistration_date, previous_deregistration_date (the latest of the child's other
  registrations on or before it, however long before).
- cp_weekly_face_to_face: a child-week; registration_date, deregistration_date,
  week_start (Monday), week_end (Sunday), face_to_face_contact_date (the week's first).
- short_breaks_reviewed: a child served on the census day; service_start (earliest) and
  service_end (latest, empty when one is open) of the services covering it, review_date
  (the latest short_break review in the 365 days).
- care_leavers_in_touch: a care leaver under 26 on the quarter's last day;
  date_of_birth, date_left_care, age_band, latest_contact_date (in the quarter).
  care_leavers_eet: those of them in touch, adding latest_contact_says_eet.
- attendance_gap: a child looked after on 31 July with attendance that academic year;
  academic_year, episode_start, episode_end, placement_type, placement_group,
  attended_sessions, possible_sessions (the child's rows of the year pooled).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from trellis.casedata.compute import (
    FAMILIES,
    attendance,
    care_leavers,
    child_protection,
    health,
    looked_after,
    short_breaks,
)
from trellis.casedata.compute.periods import Period, academic_years, quarters
from trellis.casedata.compute.rows import GROUP_ORDER
from trellis.casedata.compute.session import open_session

__all__ = ["records_behind"]


@dataclass(frozen=True)
class Units:
    """How one measure's units are listed.

    `sql` gives one row per unit and period, with period_start, child_id, the `columns`
    shown, the breakdown fields and whatever the conditions read. `denominator` and
    `numerator` are SQL conditions on such a row (for a count both are "true": every unit
    is counted). A breakdown group restricts the units to the group, except for a measure
    with `group_is_numerator` (balance_of_care), whose denominator is everyone and whose
    numerator is the group."""

    sql: str
    columns: tuple[str, ...]
    numerator: str = "true"
    denominator: str = "true"
    breakdowns: tuple[str, ...] = ()
    group_is_numerator: bool = False
    yearly: bool = False
    # Rows sharing these columns are one unit: the first by `columns` order is kept.
    one_per: tuple[str, ...] = ()


CENSUS_COLUMNS = (
    "date_of_birth",
    "sex",
    "age_band",
    "episode_start",
    "episode_end",
    "placement_type",
    "placement_area",
)
CENSUS_BREAKDOWNS = looked_after.BREAKDOWNS

# A child on the register counts once: the registration covering the census day is shown
# (with valid data there is only one).
ON_REGISTER = child_protection.REGISTERED

# The previous deregistration shown is the latest of another registration of the child on
# or before this one's registration_date, whether or not within 365 days; whether it
# re-registers is the engine's own flag.
REREGISTRATIONS = f"""
SELECT r.*,
    (SELECT max(earlier.deregistration_date) FROM cp_registrations AS earlier
     WHERE {child_protection.EARLIER_REGISTRATION}) AS previous_deregistration_date
FROM ({child_protection.REREGISTRATIONS}) AS r
"""  # noqa: S608 - a constant query

# The engine counts each registration's whole weeks in the quarter arithmetically; here
# they are listed, Monday by Monday, from the same spans: from the first Monday on or after
# the span's first day to the last Monday whose Sunday is in the span.
CHILD_WEEKS = f"""
WITH spans AS ({child_protection.SPANS}),
visited_weeks AS ({child_protection.VISITED_WEEKS}),
weeks AS (
    SELECT period_start, period_end, child_id, registration_date, deregistration_date,
        unnest(generate_series(
            first_monday(first_day)::TIMESTAMP,
            (last_sunday(last_day) - 6)::TIMESTAMP,
            INTERVAL 7 DAY
        ))::DATE AS week_start
    FROM spans
)
SELECT w.*, w.week_start + 6 AS week_end,
    v.first_contact AS face_to_face_contact_date,
    v.child_id IS NOT NULL AS visited
FROM weeks AS w
LEFT JOIN visited_weeks AS v ON v.child_id = w.child_id AND v.monday = w.week_start
"""  # noqa: S608 - a constant query

# A child served on the census day counts once however many services cover it: shown are
# the earliest start and the latest end (empty when one is open) of those services, and
# the latest short_break review in the window.
SHORT_BREAKS = f"""
WITH served AS (
    SELECT period_start, period_end, child_id,
        min(service_start) AS service_start,
        CASE WHEN bool_or(service_end IS NULL) THEN NULL ELSE max(service_end) END
            AS service_end
    FROM ({short_breaks.SERVICES})
    GROUP BY ALL
)
SELECT served.*,
    (SELECT max(r.review_date) FROM reviews AS r WHERE {short_breaks.REVIEW_IN_WINDOW})
        AS review_date,
    {short_breaks.REVIEWED} AS reviewed
FROM served
"""  # noqa: S608 - a constant query

# A child's attendance rows of the year (several after a change of school) are pooled.
ATTENDANCE = f"""
SELECT period_start, period_end, child_id, label AS academic_year,
    episode_start, episode_end, placement_type, placement_group,
    sum(attended_sessions)::BIGINT AS attended_sessions,
    sum(possible_sessions)::BIGINT AS possible_sessions
FROM ({attendance.CHILD_SESSIONS})
GROUP BY ALL
"""  # noqa: S608 - a constant query

UNITS: dict[str, Units] = {
    "looked_after": Units(
        looked_after.CENSUS_POPULATION, CENSUS_COLUMNS, breakdowns=CENSUS_BREAKDOWNS
    ),
    "balance_of_care": Units(
        looked_after.CENSUS_POPULATION,
        CENSUS_COLUMNS,
        breakdowns=("placement_type",),
        group_is_numerator=True,
    ),
    "out_of_area": Units(
        looked_after.CENSUS_POPULATION,
        CENSUS_COLUMNS,
        numerator=looked_after.OUT_OF_AREA,
        denominator=looked_after.AREA_KNOWN,
        breakdowns=("sex", "age_band", "placement_type"),
    ),
    "placement_moves": Units(
        looked_after.CENSUS_POPULATION,
        # The end of the child's episode two before the one covering the census day: 3 or
        # more episodes touched the 365 days when it is after census day - 364.
        (*CENSUS_COLUMNS, "end_two_before AS episode_two_before_end"),
        numerator=looked_after.MOVED,
        breakdowns=CENSUS_BREAKDOWNS,
    ),
    "iha_within_4_weeks": Units(
        health.POPULATION,
        ("accommodated_date", "assessment_date", "window_open AS provisional"),
        numerator="in_time",
    ),
    "on_cp_register": Units(
        ON_REGISTER,
        ("registration_date", "deregistration_date"),
        one_per=("child_id",),
    ),
    "cp_reregistered_12m": Units(
        REREGISTRATIONS,
        ("registration_date", "deregistration_date", "previous_deregistration_date"),
        numerator="reregistered",
    ),
    "cp_weekly_face_to_face": Units(
        CHILD_WEEKS,
        (
            "registration_date",
            "deregistration_date",
            "week_start",
            "week_end",
            "face_to_face_contact_date",
        ),
        numerator="visited",
    ),
    "short_breaks_reviewed": Units(
        SHORT_BREAKS, ("service_start", "service_end", "review_date"), numerator="reviewed"
    ),
    "care_leavers_in_touch": Units(
        care_leavers.POPULATION,
        ("date_of_birth", "date_left_care", "age_band", "latest_contact_date"),
        numerator="in_touch",
        breakdowns=("age_band",),
    ),
    "care_leavers_eet": Units(
        care_leavers.POPULATION,
        (
            "date_of_birth",
            "date_left_care",
            "age_band",
            "latest_contact_date",
            "eet AS latest_contact_says_eet",
        ),
        numerator="eet",
        denominator="in_touch",
        breakdowns=("age_band",),
    ),
    "attendance_gap": Units(
        ATTENDANCE,
        (
            "academic_year",
            "episode_start",
            "episode_end",
            "placement_type",
            "placement_group",
            "attended_sessions",
            "possible_sessions",
        ),
        breakdowns=("placement_group",),
        yearly=True,
    ),
}

DATASETS: dict[str, tuple[str, ...]] = {
    code: family.datasets for family in FAMILIES for code in family.codes
}


def records_behind(
    tables: Mapping[str, pa.Table],
    *,
    measure: str,
    period_start: dt.date,
    period_end: dt.date,
    breakdown: dict[str, str] | None,
    extract_date: dt.date,
) -> pa.Table:
    """The units behind one figure of `compute_measures` over the same tables and extract
    date: one row per unit (a child, a record, a registration, a child-week, a care leaver
    or a child's attendance, as the measure counts), ordered by child_id, with child_id as
    stored (the pseudonym), the columns that decide the unit, and in_denominator and
    in_numerator.

    A share lists its denominator's units (in_denominator always true) and flags those in
    its numerator; a count lists the units counted (both flags true). balance_of_care's
    breakdown {"placement_type": t} lists everyone looked after, t's children in the
    numerator. attendance_gap lists, per child looked after on 31 July with attendance that
    year, their pooled sessions: a breakdown row's numerator and denominator are the sums
    of attended_sessions and possible_sessions (both flags are true); the unbroken row lists
    both groups.

    Raises ValueError for an unknown measure, a breakdown the measure does not have, a
    period that is not one of the measure's periods (a calendar quarter, or for
    attendance_gap an academic year) or that ends after the extract date, or a missing
    dataset the measure needs."""
    units = UNITS.get(measure)
    if units is None:
        raise ValueError(f"Unknown measure {measure!r}.")
    period = _period(units, period_start, period_end, extract_date)
    field, group = _group(measure, units, breakdown)
    needed = {name: tables.get(name) for name in DATASETS[measure]}
    missing = [name for name, table in needed.items() if table is None]
    if missing:
        raise ValueError(f"{measure} needs the {' and '.join(missing)} dataset.")
    sql, params = _query(units, field, group)
    params["extract_date"] = extract_date
    periods = (period,)
    with open_session(
        {name: table for name, table in needed.items() if table is not None},
        quarters=() if units.yearly else periods,
        academic_years=periods if units.yearly else (),
        extract_date=extract_date,
    ) as session:
        return session.con.sql(sql, params=_used(sql, params)).to_arrow_table()


def _period(units: Units, start: dt.date, end: dt.date, extract_date: dt.date) -> Period:
    """The one quarter (or academic year) that runs from start to end, if it has ended by
    the extract date."""
    kind = "an academic year" if units.yearly else "a calendar quarter"
    found = (academic_years if units.yearly else quarters)(start, end, extract_date)
    if end > extract_date:
        raise ValueError(f"The period ending {end} has not ended by the extract date.")
    if len(found) != 1 or (found[0].start, found[0].end) != (start, end):
        raise ValueError(f"{start} to {end} is not {kind}.")
    return found[0]


def _group(
    measure: str, units: Units, breakdown: Mapping[str, str] | None
) -> tuple[str | None, str | None]:
    """The breakdown's field and group, checked against the measure's breakdowns."""
    if not breakdown:
        if units.group_is_numerator:
            raise ValueError(f"{measure} has one figure per {units.breakdowns[0]}: name one.")
        return None, None
    if len(breakdown) != 1:
        raise ValueError("A figure is broken down by one field at most.")
    ((field, group),) = breakdown.items()
    if field not in units.breakdowns:
        raise ValueError(f"{measure} is not broken down by {field!r}.")
    if group not in GROUP_ORDER[field]:
        raise ValueError(f"{group!r} is not a group of {field}.")
    return field, group


def _query(units: Units, field: str | None, group: str | None) -> tuple[str, dict[str, Any]]:
    """The query listing the units of the (single) period, restricted to the group."""
    params: dict[str, Any] = {}
    numerator, where = units.numerator, [units.denominator]
    if field is not None:
        # field is one of the measure's breakdowns (checked); the group is a parameter.
        params["group"] = group
        if units.group_is_numerator:
            numerator = f"{field} = $group"
        else:
            where.append(f"{field} = $group")
    columns = ", ".join(units.columns)
    conditions = " AND ".join(f"({condition})" for condition in where)
    dedupe = ""
    if units.one_per:
        keys = ", ".join(units.one_per)
        order = ", ".join(column.split(" AS ")[0] for column in units.columns)
        dedupe = f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {order}) = 1"
    sql = f"""
SELECT child_id, {columns},
    coalesce(({units.denominator}), false) AS in_denominator,
    coalesce(({numerator}), false) AS in_numerator
FROM ({units.sql}) AS units
WHERE {conditions}
{dedupe}
ORDER BY ALL
"""  # noqa: S608 - the package's constants; the group is a parameter
    return sql, params


def _used(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters the query names (DuckDB refuses unused ones)."""
    return {name: value for name, value in params.items() if f"${name}" in sql}
