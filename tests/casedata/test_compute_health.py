"""iha_within_4_weeks on hand-made extracts (quarters of 2020)."""

from __future__ import annotations

from tests.casedata.compute_helpers import compute, figures, row, rows_of, table


def assessments(*rows: tuple) -> dict:
    return {"health_assessments": table("health_assessments", rows)}


def test_an_assessment_28_days_after_accommodation_is_in_time_and_29_is_not() -> None:
    # Q1 2020: a in time (28 days), b late (29 days), c never assessed: 1 / 3.
    rows = compute(
        **assessments(
            ("a", "2020-01-10", "2020-02-07"),
            ("b", "2020-01-10", "2020-02-08"),
            ("c", "2020-02-01", None),
        )
    )
    assert figures(row(rows, "iha_within_4_weeks", "2020-03-31")) == (1, 3, 1 / 3)


def test_a_child_accommodated_twice_counts_twice() -> None:
    # a in time on 2020-01-10 and late on 2020-03-01: 1 / 2.
    rows = compute(
        **assessments(("a", "2020-01-10", "2020-01-20"), ("a", "2020-03-01", "2020-04-15"))
    )
    assert figures(row(rows, "iha_within_4_weeks", "2020-03-31")) == (1, 2, 0.5)


def test_records_count_in_the_quarter_of_their_accommodated_date_both_ends_included() -> None:
    # 2019-12-31 is Q4 2019 (not reported); 2020-01-01 and 2020-03-31 are Q1; 2020-04-01 Q2.
    rows = compute(
        **assessments(
            ("a", "2019-12-31", "2020-01-02"),
            ("b", "2020-01-01", "2020-01-02"),
            ("c", "2020-03-31", "2020-04-28"),
            ("d", "2020-04-01", None),
        )
    )
    assert figures(row(rows, "iha_within_4_weeks", "2020-03-31")) == (2, 2, 1.0)
    assert figures(row(rows, "iha_within_4_weeks", "2020-06-30")) == (0, 1, 0.0)


def test_a_window_still_open_at_the_extract_date_makes_the_quarter_provisional() -> None:
    # Accommodated 2020-03-25, not yet assessed: the window closes 2020-04-22, after the
    # extract date 2020-04-20.
    rows = compute(extract="2020-04-20", **assessments(("a", "2020-03-25", None)))
    q1 = row(rows, "iha_within_4_weeks", "2020-03-31")
    assert q1.provisional is True
    assert figures(q1) == (0, 1, 0.0)


def test_a_window_closing_on_the_extract_date_is_not_provisional() -> None:
    # Accommodated 2020-03-23: the window closes 2020-04-20, the extract date.
    rows = compute(extract="2020-04-20", **assessments(("a", "2020-03-23", None)))
    assert row(rows, "iha_within_4_weeks", "2020-03-31").provisional is False


def test_an_assessment_already_done_leaves_nothing_provisional() -> None:
    rows = compute(extract="2020-04-20", **assessments(("a", "2020-03-25", "2020-04-01")))
    q1 = row(rows, "iha_within_4_weeks", "2020-03-31")
    assert (q1.provisional, figures(q1)) == (False, (1, 1, 1.0))


def test_a_quarter_without_accommodations_is_null_over_zero_and_not_provisional() -> None:
    rows = compute(**assessments(("a", "2020-01-10", "2020-01-12")))
    q2 = row(rows, "iha_within_4_weeks", "2020-06-30")
    assert (figures(q2), q2.provisional) == ((0, 0, None), False)


def test_a_quarter_ending_after_the_extract_date_is_skipped() -> None:
    rows = compute(extract="2020-06-29", **assessments(("a", "2020-01-10", "2020-01-12")))
    assert [r.period_end.isoformat() for r in rows_of(rows, "iha_within_4_weeks")] == ["2020-03-31"]


def test_iha_has_no_breakdown_rows() -> None:
    rows = compute(**assessments(("a", "2020-01-10", "2020-01-12")))
    assert all(r.breakdown is None for r in rows_of(rows, "iha_within_4_weeks"))
