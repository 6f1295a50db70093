"""short_breaks_reviewed on hand-made extracts. On the census day 2020-12-31 the 365 days
ending on it run from 2020-01-02; 2020-01-01 is 365 days before, one too many."""

from __future__ import annotations

from tests.casedata.compute_helpers import compute, figures, row, table


def short_breaks(services: list[tuple], reviews: list[tuple]) -> dict:
    return {
        "short_breaks": table("short_breaks", services),
        "reviews": table("reviews", reviews),
    }


def test_a_short_break_review_364_days_before_the_census_day_counts_and_365_does_not() -> None:
    rows = compute(
        **short_breaks(
            [("a", "2020-01-01", None), ("b", "2020-01-01", None)],
            [("a", "2020-01-02", "short_break"), ("b", "2020-01-01", "short_break")],
        )
    )
    assert figures(row(rows, "short_breaks_reviewed", "2020-12-31")) == (1, 2, 0.5)


def test_only_children_whose_service_covers_the_census_day_are_counted() -> None:
    # c's service ends on the census day (not covered); d's starts on it and is reviewed
    # that day (both ends of the window are included); e has a looked-after review only;
    # f has two services covering the day and counts once. d and f reviewed: 2 / 3.
    rows = compute(
        **short_breaks(
            [
                ("c", "2019-01-01", "2020-12-31"),
                ("d", "2020-12-31", None),
                ("e", "2020-06-01", None),
                ("f", "2020-03-01", None),
                ("f", "2020-06-01", "2021-02-01"),
            ],
            [
                ("c", "2020-06-01", "short_break"),
                ("d", "2020-12-31", "short_break"),
                ("e", "2020-07-01", "looked_after"),
                ("f", "2020-06-01", "short_break"),
            ],
        )
    )
    assert figures(row(rows, "short_breaks_reviewed", "2020-12-31")) == (2, 3, 2 / 3)


def test_a_review_of_another_child_does_not_count() -> None:
    rows = compute(
        **short_breaks([("a", "2020-01-01", None)], [("b", "2020-03-01", "short_break")])
    )
    assert figures(row(rows, "short_breaks_reviewed", "2020-03-31")) == (0, 1, 0.0)


def test_a_quarter_with_no_service_is_null_over_zero() -> None:
    rows = compute(**short_breaks([("a", "2020-05-01", None)], []))
    assert figures(row(rows, "short_breaks_reviewed", "2020-03-31")) == (0, 0, None)


def test_short_breaks_reviewed_is_left_out_without_reviews() -> None:
    warnings: list[str] = []
    rows = compute(warnings.append, short_breaks=table("short_breaks", [("a", "2020-01-01", None)]))
    assert rows == []
    about = [w for w in warnings if "short_breaks_reviewed" in w]
    assert len(about) == 1
    assert "reviews" in about[0]
