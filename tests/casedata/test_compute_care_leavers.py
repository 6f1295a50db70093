"""care_leavers_in_touch and care_leavers_eet on hand-made extracts, in Q4 2020
(2020-10-01 to 2020-12-31; ages on 2020-12-31)."""

from __future__ import annotations

from tests.casedata.compute_helpers import breakdowns, compute, figures, row, table

Q4 = "2020-12-31"


def leavers(people: list[tuple], contacts: list[tuple]) -> dict:
    return {
        "care_leavers": table("care_leavers", people),
        "care_leaver_contacts": table("care_leaver_contacts", contacts),
    }


# a (18): contact in the quarter, eet y.
# b turns 26 on the quarter's last day: not counted at all.
# c (25): last contact on 30 September, before the quarter: not in touch.
# d left care after the quarter: not counted.
# e (17, left care on the quarter's last day): latest day 20 December has a y and an n: eet.
# f (18): latest contact says n, an earlier one y: not eet.
# g (18): latest contact says u: in touch, not eet.
# h (12): no contact: not in touch.
# In touch: a, e, f, g of a, c, e, f, g, h: 4 / 6. EET: a, e of a, e, f, g: 2 / 4.
EXTRACT = leavers(
    [
        ("a", "2002-01-01", "2020-01-01"),
        ("b", "1994-12-31", "2012-12-31"),
        ("c", "1995-01-01", "2013-01-01"),
        ("d", "2003-01-01", "2021-01-01"),
        ("e", "2003-06-01", Q4),
        ("f", "2002-05-05", "2019-05-05"),
        ("g", "2002-07-07", "2020-06-01"),
        ("h", "2008-01-01", "2020-03-01"),
    ],
    [
        ("a", "2020-11-01", "y"),
        ("b", "2020-11-01", "y"),
        ("c", "2020-09-30", "y"),
        ("d", "2020-11-01", "y"),
        ("e", "2020-12-01", "n"),
        ("e", "2020-12-20", "n"),
        ("e", "2020-12-20", "y"),
        ("f", "2020-10-05", "y"),
        ("f", "2020-12-15", "n"),
        ("g", "2020-11-11", "u"),
    ],
)


def test_care_leavers_in_touch_counts_leavers_under_26_with_a_contact_in_the_period() -> None:
    rows = compute(**EXTRACT)
    assert figures(row(rows, "care_leavers_in_touch", Q4)) == (4, 6, 4 / 6)


def test_a_care_leaver_turning_26_on_the_periods_last_day_is_not_counted() -> None:
    rows = compute(**leavers([("b", "1994-12-31", "2012-12-31")], [("b", Q4, "y")]))
    assert figures(row(rows, "care_leavers_in_touch", Q4)) == (0, 0, None)
    rows = compute(**leavers([("b", "1995-01-01", "2013-01-01")], [("b", Q4, "y")]))
    assert figures(row(rows, "care_leavers_in_touch", Q4)) == (1, 1, 1.0)


def test_care_leavers_eet_follows_the_latest_contact_and_a_tie_says_yes_if_any_does() -> None:
    rows = compute(**EXTRACT)
    assert figures(row(rows, "care_leavers_eet", Q4)) == (2, 4, 0.5)


def test_a_tie_of_no_contacts_on_the_latest_day_is_not_eet() -> None:
    rows = compute(
        **leavers(
            [("a", "2002-01-01", "2020-01-01")],
            [("a", "2020-10-02", "y"), ("a", "2020-11-02", "n"), ("a", "2020-11-02", "u")],
        )
    )
    assert figures(row(rows, "care_leavers_eet", Q4)) == (0, 1, 0.0)


def test_care_leaver_age_bands_are_taken_on_the_periods_last_day() -> None:
    # In touch by band: 18+ is a, c, f, g (a, f, g in touch); 16-17 is e; 12-15 is h.
    rows = compute(**EXTRACT)
    bands = breakdowns(rows, "care_leavers_in_touch", Q4, "age_band")
    assert {k: figures(v) for k, v in bands.items()} == {
        "12-15": (0, 1, 0.0),
        "16-17": (1, 1, 1.0),
        "18+": (3, 4, 0.75),
    }


def test_care_leavers_eet_gives_rows_only_for_bands_with_anyone_in_touch() -> None:
    # h (12-15) is a care leaver but not in touch, so eet has no 12-15 row.
    rows = compute(**EXTRACT)
    bands = breakdowns(rows, "care_leavers_eet", Q4, "age_band")
    assert {k: figures(v) for k, v in bands.items()} == {
        "16-17": (1, 1, 1.0),
        "18+": (1, 3, 1 / 3),
    }


def test_a_care_leaver_counts_from_the_quarter_they_left_care() -> None:
    # Left on 2020-07-01: not a care leaver in Q2, one (not in touch) in Q3.
    rows = compute(**leavers([("a", "2002-01-01", "2020-07-01")], []))
    assert figures(row(rows, "care_leavers_in_touch", "2020-06-30")) == (0, 0, None)
    assert figures(row(rows, "care_leavers_in_touch", "2020-09-30")) == (0, 1, 0.0)
    assert figures(row(rows, "care_leavers_eet", "2020-09-30")) == (0, 0, None)
