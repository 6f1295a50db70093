"""attendance_gap on hand-made extracts. The span 2020 holds one academic year, 2019/20
(1 August 2019 to 31 July 2020), whose census day is 31 July 2020."""

from __future__ import annotations

import pytest

from tests.casedata.compute_helpers import (
    D,
    breakdowns,
    compute,
    episode,
    episodes,
    figures,
    row,
    rows_of,
    table,
)

YEAR_END = "2020-07-31"

LOOKED_AFTER = episodes(
    episode("a", "2019-01-01", placement="home"),
    episode("b", "2019-01-01", placement="foster"),
    episode("c", "2020-07-31", placement="residential"),
    episode("d", "2019-01-01", YEAR_END, placement="home"),
)


def attendance(*rows: tuple) -> dict:
    return {"episodes": LOOKED_AFTER, "attendance": table("attendance", rows)}


def test_attendance_gap_is_home_rate_minus_other_rate_pooled_over_sessions() -> None:
    # Home: a 90 of 100. Other: b 150 of 200 and c (placed on 31 July) 50 of 100, pooled
    # 200 of 300. d left care on 31 July: left out. a's 2018/19 record is another year.
    rows = compute(
        **attendance(
            ("a", "2019/20", 100, 90),
            ("a", "2018/19", 100, 10),
            ("b", "2019/20", 200, 150),
            ("c", "2019/20", 100, 50),
            ("d", "2019/20", 100, 0),
        )
    )
    gap = row(rows, "attendance_gap", YEAR_END)
    assert (gap.numerator, gap.denominator) == (None, None)
    assert gap.value == pytest.approx(0.9 - 2 / 3)
    assert (gap.period_start, gap.period_end) == (D("2019-08-01"), D(YEAR_END))
    groups = breakdowns(rows, "attendance_gap", YEAR_END, "placement_group")
    assert {k: figures(v) for k, v in groups.items()} == {
        "home": (90, 100, 0.9),
        "other": (200, 300, 2 / 3),
    }


def test_attendance_gap_is_null_when_a_group_is_empty_and_the_other_row_is_still_given() -> None:
    rows = compute(**attendance(("b", "2019/20", 200, 150)))
    assert row(rows, "attendance_gap", YEAR_END).value is None
    groups = breakdowns(rows, "attendance_gap", YEAR_END, "placement_group")
    assert {k: figures(v) for k, v in groups.items()} == {"other": (150, 200, 0.75)}


def test_attendance_gap_with_no_sessions_at_all_is_null() -> None:
    rows = compute(**attendance(("a", "2019/20", 0, 0), ("b", "2019/20", 10, 5)))
    assert row(rows, "attendance_gap", YEAR_END).value is None
    assert figures(row(rows, "attendance_gap", YEAR_END, {"placement_group": "home"})) == (
        0,
        0,
        None,
    )


def test_an_academic_year_ending_after_the_extract_date_is_skipped() -> None:
    extract = attendance(("a", "2019/20", 100, 90), ("b", "2019/20", 200, 150))
    assert rows_of(compute(extract="2020-07-30", **extract), "attendance_gap") == []
    assert len(rows_of(compute(extract=YEAR_END, **extract), "attendance_gap")) == 3


def test_an_academic_year_counts_when_it_ends_inside_the_span_whenever_it_starts() -> None:
    # Span 2020-07-31 to 2021-07-30: 2019/20 ends on its first day; 2020/21 a day too late.
    rows = compute(
        start="2020-07-31",
        end="2021-07-30",
        extract="2021-12-31",
        **attendance(("a", "2019/20", 100, 90), ("a", "2020/21", 100, 90)),
    )
    assert {r.period_end for r in rows_of(rows, "attendance_gap")} == {D(YEAR_END)}


def test_attendance_gap_is_yearly_and_not_provisional() -> None:
    rows = compute(extract=YEAR_END, **attendance(("a", "2019/20", 100, 90)))
    assert [r.provisional for r in rows_of(rows, "attendance_gap")] == [False, False]
