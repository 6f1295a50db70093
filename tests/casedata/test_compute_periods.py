"""Which periods are reported, absent datasets, and the rows' shape."""

from __future__ import annotations

import datetime as dt
import json

from tests.casedata.compute_helpers import D, compute, episode, episodes, row, rows_of, table
from trellis.casedata.compute import MEASURE_CODES, MeasureRow
from trellis.casedata.compute.periods import academic_years, quarters


def ends(periods: tuple) -> list[str]:
    return [p.end.isoformat() for p in periods]


def test_quarters_start_on_or_after_start_and_end_on_or_before_end() -> None:
    found = quarters(D("2020-02-01"), D("2020-12-30"), D("2030-01-01"))
    assert ends(found) == ["2020-06-30", "2020-09-30"]
    assert [p.start for p in found] == [D("2020-04-01"), D("2020-07-01")]


def test_a_quarter_ending_after_the_extract_date_is_skipped() -> None:
    assert ends(quarters(D("2020-01-01"), D("2020-12-31"), D("2020-09-29"))) == [
        "2020-03-31",
        "2020-06-30",
    ]
    assert ends(quarters(D("2020-01-01"), D("2020-12-31"), D("2020-09-30")))[-1] == "2020-09-30"


def test_academic_years_are_those_ending_inside_the_span_by_the_extract_date() -> None:
    found = academic_years(D("2019-01-01"), D("2021-12-31"), D("2021-07-30"))
    assert [(p.start, p.end, p.label) for p in found] == [
        (D("2018-08-01"), D("2019-07-31"), "2018/19"),
        (D("2019-08-01"), D("2020-07-31"), "2019/20"),
    ]


def test_an_academic_year_label_crosses_the_century_with_two_digits() -> None:
    found = academic_years(D("2000-01-01"), D("2000-12-31"), D("2001-01-01"))
    assert [p.label for p in found] == ["1999/00"]


def test_an_absent_dataset_leaves_its_measures_out_with_a_warning_each() -> None:
    warnings: list[str] = []
    rows = compute(warnings.append, episodes=episodes(episode("a", "2020-01-01")))
    assert {r.measure for r in rows} == {
        "looked_after",
        "balance_of_care",
        "out_of_area",
        "placement_moves",
    }
    left_out = set(MEASURE_CODES) - {r.measure for r in rows}
    assert {w.split()[0] for w in warnings} == left_out
    assert any("attendance_gap" in w and "attendance" in w for w in warnings)


def test_no_dataset_at_all_gives_no_rows_and_warns_for_every_measure() -> None:
    warnings: list[str] = []
    assert compute(warnings.append) == []
    assert len(warnings) == len(MEASURE_CODES)


def test_an_empty_dataset_is_computed_as_nobody() -> None:
    rows = compute(episodes=episodes())
    assert row(rows, "looked_after", "2020-03-31").value == 0


def test_rows_come_in_measure_order_then_period_then_breakdown() -> None:
    rows = compute(
        episodes=episodes(episode("a", "2020-01-01", sex="m"), episode("b", "2020-01-01")),
        health_assessments=table("health_assessments", [("a", "2020-01-02", None)]),
    )
    measures = list(dict.fromkeys(r.measure for r in rows))
    assert measures == [m for m in MEASURE_CODES if m in measures]
    looked_after = rows_of(rows, "looked_after")
    assert [r.period_end for r in looked_after] == sorted(r.period_end for r in looked_after)
    q1 = rows_of(rows, "looked_after", "2020-03-31")
    assert [r.breakdown for r in q1[:3]] == [None, {"sex": "m"}, {"sex": "f"}]


def test_a_row_as_json_has_iso_dates_and_every_field() -> None:
    measure_row = MeasureRow(
        "out_of_area", dt.date(2020, 1, 1), dt.date(2020, 3, 31), {"sex": "f"}, 1, 4, 0.25, False
    )
    assert json.loads(json.dumps(measure_row.to_json())) == {
        "measure": "out_of_area",
        "period_start": "2020-01-01",
        "period_end": "2020-03-31",
        "breakdown": {"sex": "f"},
        "numerator": 1,
        "denominator": 4,
        "value": 0.25,
        "provisional": False,
    }


def test_counts_are_integers_and_shares_unrounded_fractions() -> None:
    rows = compute(
        episodes=episodes(
            episode("a", "2020-01-01", area="out_of_area"),
            episode("b", "2020-01-01"),
            episode("c", "2020-01-01"),
        )
    )
    count = row(rows, "looked_after", "2020-03-31")
    assert type(count.value) is int and type(count.numerator) is int
    assert row(rows, "out_of_area", "2020-03-31").value == 1 / 3


def test_a_missing_optional_column_reads_as_empty() -> None:
    # An extract without episode_end: every episode is open.
    full = episodes(episode("a", "2020-01-01", "2020-02-01"))
    rows = compute(episodes=full.drop_columns(["episode_end"]))
    assert row(rows, "looked_after", "2020-12-31").value == 1
