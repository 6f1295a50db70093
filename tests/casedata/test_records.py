"""records_behind: the records behind a computed figure, on hand-made extracts (quarters of
2020, census days 2020-03-31, 06-30, 09-30, 12-31) and, as a property, on generated ones:
the records always add up to the figure."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.casedata.compute_helpers import (
    PROPERTY_EXTRACT,
    D,
    compute,
    compute_property_extract,
    episode,
    episodes,
    extracts,
    row,
    table,
)
from trellis.casedata.compute import MEASURE_CODES, MeasureRow
from trellis.casedata.compute.records import records_behind

EXTRACT = "2021-06-30"


def quarter_start(period_end: str) -> dt.date:
    end = D(period_end)
    return dt.date(end.year, end.month - 2, 1)


def behind(
    tables: dict[str, pa.Table],
    measure: str,
    period_end: str,
    breakdown: dict[str, str] | None = None,
    *,
    period_start: str | None = None,
    extract: str = EXTRACT,
) -> list[dict[str, Any]]:
    """records_behind as a list of rows, dates written YYYY-MM-DD."""
    found = records_behind(
        tables,
        measure=measure,
        period_start=D(period_start) if period_start else quarter_start(period_end),
        period_end=D(period_end),
        breakdown=breakdown,
        extract_date=D(extract),
    )
    return [
        {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in r.items()}
        for r in found.to_pylist()
    ]


def flagged(records: list[dict[str, Any]], flag: str = "in_numerator") -> list[str]:
    return [r["child_id"] for r in records if r[flag]]


def column(records: list[dict[str, Any]], name: str) -> list[Any]:
    return [r[name] for r in records]


# --- Census measures of the episodes ------------------------------------------------------

# On 31 March 2020: a moved foster -> residential (out of area) on 15 March; b is at home
# since 2019; c's episode ends on the census day (not looked after); d starts on it, area
# unknown. a had 3 episodes touching the 365 days ending on 31 March.
LOOKED_AFTER = {
    "episodes": episodes(
        episode("a", "2019-06-01", "2020-01-10", placement="foster"),
        episode("a", "2020-01-10", "2020-03-15", placement="foster"),
        episode("a", "2020-03-15", placement="residential", area="out_of_area"),
        episode("b", "2019-02-01", sex="m", placement="home", born="2016-01-01"),
        episode("c", "2020-01-01", "2020-03-31", placement="kinship"),
        episode("d", "2020-03-31", "2020-05-01", sex="m", placement="foster", area="unknown"),
    )
}


def test_the_records_behind_looked_after_are_the_children_whose_episode_covers_the_census_day():
    records = behind(LOOKED_AFTER, "looked_after", "2020-03-31")
    assert column(records, "child_id") == ["a", "b", "d"]
    assert records[0] == {
        "child_id": "a",
        "date_of_birth": "2010-06-15",
        "sex": "f",
        "age_band": "5-11",
        "episode_start": "2020-03-15",
        "episode_end": None,
        "placement_type": "residential",
        "placement_area": "out_of_area",
        "in_denominator": True,
        "in_numerator": True,
    }
    count = row(compute(**LOOKED_AFTER), "looked_after", "2020-03-31")
    assert len(records) == count.numerator == 3


def test_a_breakdown_keeps_only_the_records_of_its_group() -> None:
    assert flagged(behind(LOOKED_AFTER, "looked_after", "2020-03-31", {"sex": "m"})) == ["b", "d"]
    by_age = behind(LOOKED_AFTER, "looked_after", "2020-03-31", {"age_band": "0-4"})
    assert column(by_age, "child_id") == ["b"]
    nobody = behind(LOOKED_AFTER, "looked_after", "2020-03-31", {"placement_type": "kinship"})
    assert nobody == []


def test_balance_of_care_lists_everyone_looked_after_and_flags_those_in_the_type() -> None:
    foster = behind(LOOKED_AFTER, "balance_of_care", "2020-03-31", {"placement_type": "foster"})
    assert flagged(foster, "in_denominator") == ["a", "b", "d"]
    assert flagged(foster) == ["d"]
    kinship = behind(LOOKED_AFTER, "balance_of_care", "2020-03-31", {"placement_type": "kinship"})
    assert (len(kinship), flagged(kinship)) == (3, [])


def test_out_of_area_leaves_out_children_whose_placement_area_is_unknown() -> None:
    records = behind(LOOKED_AFTER, "out_of_area", "2020-03-31")
    assert flagged(records, "in_denominator") == ["a", "b"]
    assert flagged(records) == ["a"]


def test_placement_moves_shows_the_end_of_the_episode_two_before_the_covering_one() -> None:
    records = behind(LOOKED_AFTER, "placement_moves", "2020-03-31")
    assert column(records, "episode_two_before_end") == ["2020-01-10", None, None]
    assert flagged(records) == ["a"]


# --- Health, child protection, short breaks -----------------------------------------------


def test_health_assessment_records_are_listed_per_record_with_the_open_window_provisional() -> None:
    # Extract date 2020-04-20. a is accommodated twice in Q1: in time (28 days), then not
    # yet assessed with the window closing 2020-04-22 (provisional); b was assessed late;
    # c was accommodated in Q2.
    tables = {
        "health_assessments": table(
            "health_assessments",
            [
                ("a", "2020-01-10", "2020-02-07"),
                ("a", "2020-03-25", None),
                ("b", "2020-02-01", "2020-03-01"),
                ("c", "2020-04-02", None),
            ],
        )
    }
    records = behind(tables, "iha_within_4_weeks", "2020-03-31", extract="2020-04-20")
    assert [
        (r["child_id"], r["accommodated_date"], r["assessment_date"], r["provisional"])
        for r in records
    ] == [
        ("a", "2020-01-10", "2020-02-07", False),
        ("a", "2020-03-25", None, True),
        ("b", "2020-02-01", "2020-03-01", False),
    ]
    assert column(records, "in_numerator") == [True, False, False]
    figure = row(compute(extract="2020-04-20", **tables), "iha_within_4_weeks", "2020-03-31")
    assert (figure.numerator, figure.denominator, figure.provisional) == (1, 3, True)


def test_the_child_weeks_of_a_registration_are_listed_with_their_face_to_face_contact() -> None:
    # Registered Wednesday 2020-01-01: the whole weeks of Q1 are the 12 from Monday 6 January
    # to Sunday 29 March. Face to face on 8 and 10 January (one week), virtual on 15 January,
    # face to face on Wednesday 1 April (its week crosses into Q2: no child-week of Q1).
    tables = {
        "cp_registrations": table("cp_registrations", [("a", "2020-01-01", None)]),
        "cp_contacts": table(
            "cp_contacts",
            [
                ("a", "2020-01-10", "face_to_face"),
                ("a", "2020-01-08", "face_to_face"),
                ("a", "2020-01-15", "virtual"),
                ("a", "2020-04-01", "face_to_face"),
            ],
        ),
    }
    records = behind(tables, "cp_weekly_face_to_face", "2020-03-31")
    assert len(records) == 12
    assert (records[0]["week_start"], records[0]["week_end"]) == ("2020-01-06", "2020-01-12")
    assert records[-1]["week_start"] == "2020-03-23"
    assert [
        (r["week_start"], r["face_to_face_contact_date"]) for r in records if r["in_numerator"]
    ] == [("2020-01-06", "2020-01-08")]
    assert records[0]["registration_date"] == "2020-01-01"
    figure = row(compute(**tables), "cp_weekly_face_to_face", "2020-03-31")
    assert (figure.numerator, figure.denominator) == (1, 12)


def test_a_child_on_the_register_is_listed_once_with_the_registration_covering_the_census_day():
    tables = {
        "cp_registrations": table(
            "cp_registrations",
            [
                ("a", "2019-01-01", "2019-06-01"),
                ("a", "2020-02-01", None),
                ("b", "2020-01-01", "2020-03-31"),
            ],
        )
    }
    records = behind(tables, "on_cp_register", "2020-03-31")
    assert [(r["child_id"], r["registration_date"], r["in_numerator"]) for r in records] == [
        ("a", "2020-02-01", True)
    ]


def test_each_registration_in_the_quarter_shows_the_previous_deregistration_of_the_child() -> None:
    # a re-registered 365 days after deregistering; b 366 days after; c for the first time.
    tables = {
        "cp_registrations": table(
            "cp_registrations",
            [
                ("a", "2018-06-01", "2019-02-10"),
                ("a", "2020-02-10", None),
                ("b", "2018-06-01", "2019-02-10"),
                ("b", "2020-02-11", None),
                ("c", "2020-03-01", None),
            ],
        )
    }
    records = behind(tables, "cp_reregistered_12m", "2020-03-31")
    assert [
        (
            r["child_id"],
            r["registration_date"],
            r["previous_deregistration_date"],
            r["in_numerator"],
        )
        for r in records
    ] == [
        ("a", "2020-02-10", "2019-02-10", True),
        ("b", "2020-02-11", "2019-02-10", False),
        ("c", "2020-03-01", None, False),
    ]


def test_a_child_served_on_the_census_day_is_listed_once_with_their_latest_review() -> None:
    # a has two services covering 31 March and short_break reviews on the first of the 365
    # days ending on it (2019-04-02, 2020 being a leap year) and the day before; b only a
    # looked_after review.
    tables = {
        "short_breaks": table(
            "short_breaks",
            [
                ("a", "2019-01-01", "2020-06-01"),
                ("a", "2020-01-01", None),
                ("b", "2020-01-01", None),
            ],
        ),
        "reviews": table(
            "reviews",
            [
                ("a", "2019-04-02", "short_break"),
                ("a", "2019-04-01", "short_break"),
                ("b", "2020-02-01", "looked_after"),
            ],
        ),
    }
    records = behind(tables, "short_breaks_reviewed", "2020-03-31")
    assert [
        (r["child_id"], r["service_start"], r["service_end"], r["review_date"], r["in_numerator"])
        for r in records
    ] == [("a", "2019-01-01", None, "2019-04-02", True), ("b", "2020-01-01", None, None, False)]


# --- Care leavers and attendance ----------------------------------------------------------

# In Q4 2020: a (18) has contacts on 1 November (y) and 1 December (n); b (25) was last in
# touch in September; c turns 26 on 31 December (not counted); d (17) says y.
CARE_LEAVERS = {
    "care_leavers": table(
        "care_leavers",
        [
            ("a", "2002-01-01", "2020-01-01"),
            ("b", "1995-01-01", "2013-01-01"),
            ("c", "1994-12-31", "2012-12-31"),
            ("d", "2003-06-01", "2020-12-01"),
        ],
    ),
    "care_leaver_contacts": table(
        "care_leaver_contacts",
        [
            ("a", "2020-11-01", "y"),
            ("a", "2020-12-01", "n"),
            ("b", "2020-09-30", "y"),
            ("c", "2020-11-01", "y"),
            ("d", "2020-12-05", "y"),
        ],
    ),
}


def test_care_leavers_in_touch_lists_every_care_leaver_under_26_with_their_latest_contact():
    records = behind(CARE_LEAVERS, "care_leavers_in_touch", "2020-12-31")
    assert [
        (r["child_id"], r["age_band"], r["latest_contact_date"], r["in_numerator"]) for r in records
    ] == [
        ("a", "18+", "2020-12-01", True),
        ("b", "18+", None, False),
        ("d", "16-17", "2020-12-05", True),
    ]
    assert flagged(
        behind(CARE_LEAVERS, "care_leavers_in_touch", "2020-12-31", {"age_band": "16-17"})
    ) == ["d"]
    figure = row(compute(**CARE_LEAVERS), "care_leavers_in_touch", "2020-12-31")
    assert (figure.numerator, figure.denominator) == (2, 3)


def test_care_leavers_eet_lists_those_in_touch_by_what_their_latest_contact_says() -> None:
    records = behind(CARE_LEAVERS, "care_leavers_eet", "2020-12-31")
    assert [(r["child_id"], r["latest_contact_says_eet"]) for r in records] == [
        ("a", False),
        ("d", True),
    ]
    assert flagged(records) == ["d"]


def test_the_attendance_behind_a_placement_group_is_each_childs_pooled_sessions() -> None:
    # 2019/20: on 31 July 2020 a is at home, b in foster care (two schools), c not looked
    # after, d looked after at home but without attendance.
    tables = {
        "episodes": episodes(
            episode("a", "2019-01-01", placement="home"),
            episode("b", "2020-07-31", placement="foster"),
            episode("c", "2019-01-01", "2020-07-31", placement="home"),
            episode("d", "2019-01-01", placement="home"),
        ),
        "attendance": table(
            "attendance",
            [
                ("a", "2019/20", 300, 240),
                ("b", "2019/20", 100, 90),
                ("b", "2019/20", 200, 150),
                ("c", "2019/20", 300, 300),
                ("a", "2020/21", 300, 10),
            ],
        ),
    }

    def sessions(group: str | None) -> list[tuple]:
        records = behind(
            tables,
            "attendance_gap",
            "2020-07-31",
            None if group is None else {"placement_group": group},
            period_start="2019-08-01",
        )
        return [
            (r["child_id"], r["placement_group"], r["attended_sessions"], r["possible_sessions"])
            for r in records
        ]

    assert sessions("home") == [("a", "home", 240, 300)]
    assert sessions("other") == [("b", "other", 240, 300)]
    assert sessions(None) == [("a", "home", 240, 300), ("b", "other", 240, 300)]
    rows = compute(start="2020-01-01", end="2020-12-31", **tables)
    other = row(rows, "attendance_gap", "2020-07-31", {"placement_group": "other"})
    assert (other.numerator, other.denominator) == (240, 300)


# --- The table itself and what is refused -------------------------------------------------


def test_the_table_has_its_columns_and_types_even_with_no_records() -> None:
    found = records_behind(
        {"episodes": episodes()},
        measure="placement_moves",
        period_start=D("2020-01-01"),
        period_end=D("2020-03-31"),
        breakdown=None,
        extract_date=D(EXTRACT),
    )
    assert found.num_rows == 0
    assert found.column_names == [
        "child_id",
        "date_of_birth",
        "sex",
        "age_band",
        "episode_start",
        "episode_end",
        "placement_type",
        "placement_area",
        "episode_two_before_end",
        "in_denominator",
        "in_numerator",
    ]
    assert found.schema.field("episode_start").type == pa.date32()
    assert found.schema.field("in_numerator").type == pa.bool_()


@pytest.mark.parametrize(
    ("measure", "period_start", "period_end", "breakdown", "message"),
    [
        ("no_such_measure", "2020-01-01", "2020-03-31", None, "Unknown measure"),
        ("looked_after", "2020-01-01", "2020-06-30", None, "not a calendar quarter"),
        ("looked_after", "2020-01-02", "2020-03-31", None, "not a calendar quarter"),
        ("looked_after", "2020-02-01", "2020-04-30", None, "not a calendar quarter"),
        ("looked_after", "2021-07-01", "2021-09-30", None, "has not ended"),
        ("attendance_gap", "2020-01-01", "2020-03-31", None, "not an academic year"),
        ("out_of_area", "2020-01-01", "2020-03-31", {"placement_area": "in_area"}, "not broken"),
        ("looked_after", "2020-01-01", "2020-03-31", {"sex": "x"}, "not a group"),
        ("looked_after", "2020-01-01", "2020-03-31", {"sex": "m", "age_band": "0-4"}, "one"),
        ("balance_of_care", "2020-01-01", "2020-03-31", None, "name one"),
        ("iha_within_4_weeks", "2020-01-01", "2020-03-31", None, "health_assessments"),
    ],
)
def test_a_figure_that_compute_measures_cannot_give_is_refused(
    measure, period_start, period_end, breakdown, message
) -> None:
    with pytest.raises(ValueError, match=message):
        records_behind(
            LOOKED_AFTER,
            measure=measure,
            period_start=D(period_start),
            period_end=D(period_end),
            breakdown=breakdown,
            extract_date=D(EXTRACT),
        )


# --- The property -------------------------------------------------------------------------
# One call opens a DuckDB connection and registers the extract (some 50 ms), and a generated
# extract gives some 300 figures; so each example checks one figure of every measure, drawn
# by hypothesis from all the figures compute_measures gave for that measure.


def check_records_add_up(tables: dict[str, pa.Table], figure: MeasureRow, rows: list) -> None:
    records = records_behind(
        tables,
        measure=figure.measure,
        period_start=figure.period_start,
        period_end=figure.period_end,
        breakdown=figure.breakdown,
        extract_date=PROPERTY_EXTRACT,
    ).to_pylist()
    where = (figure.measure, figure.period_end, figure.breakdown)
    assert all(r["in_denominator"] for r in records), where
    if figure.measure == "attendance_gap":
        # Sessions, not units: the unbroken row's records are both groups'.
        groups = [
            r
            for r in rows
            if r.measure == "attendance_gap"
            and r.period_end == figure.period_end
            and (r.breakdown == figure.breakdown or (figure.breakdown is None and r.breakdown))
        ]
        attended = sum(r["attended_sessions"] for r in records)
        possible = sum(r["possible_sessions"] for r in records)
        assert all(r["in_numerator"] for r in records), where
        assert attended == sum(g.numerator or 0 for g in groups), where
        assert possible == sum(g.denominator or 0 for g in groups), where
        return
    counted = figure.numerator if figure.denominator is None else figure.denominator
    assert len(records) == counted, where
    assert sum(r["in_numerator"] for r in records) == figure.numerator, where
    if figure.measure == "iha_within_4_weeks":
        assert any(r["provisional"] for r in records) == figure.provisional, where


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extract=extracts(), data=st.data())
def test_the_records_behind_a_figure_add_up_to_its_numerator_and_denominator(extract, data):
    tables = {name: table(name, rows) for name, rows in extract.items()}
    rows = compute_property_extract(extract)
    for measure in MEASURE_CODES:
        figures = [r for r in rows if r.measure == measure]
        figure = data.draw(st.sampled_from(figures), label=measure)
        check_records_add_up(tables, figure, rows)
