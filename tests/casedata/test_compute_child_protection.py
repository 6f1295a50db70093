"""on_cp_register, cp_reregistered_12m and cp_weekly_face_to_face on hand-made extracts.
2020-01-01 is a Wednesday: the whole Monday-to-Sunday weeks of Q1 2020 are the 12 weeks
from Monday 6 January to Sunday 29 March."""

from __future__ import annotations

from tests.casedata.compute_helpers import compute, figures, row, rows_of, table


def registrations(*rows: tuple) -> dict:
    return {"cp_registrations": table("cp_registrations", rows)}


def with_contacts(registered: list[tuple], contacts: list[tuple]) -> dict:
    return {
        **registrations(*registered),
        "cp_contacts": table("cp_contacts", contacts),
    }


def test_on_cp_register_counts_registrations_covering_the_census_day() -> None:
    # a ends on 31 March (not on it), b starts on it (on it), c is open, d has two
    # registrations and the second covers 31 March: 3 children.
    rows = compute(
        **registrations(
            ("a", "2020-01-01", "2020-03-31"),
            ("b", "2020-03-31", "2020-05-01"),
            ("c", "2019-01-01", None),
            ("d", "2019-01-01", "2019-06-01"),
            ("d", "2020-02-01", None),
        )
    )
    assert figures(row(rows, "on_cp_register", "2020-03-31")) == (3, None, 3)
    assert row(rows, "on_cp_register", "2020-06-30").value == 2


def test_a_reregistration_0_days_or_365_days_after_deregistration_counts_but_366_does_not() -> None:
    # In Q1 2020: a re-registered the day it was deregistered (0 days); b 365 days after
    # (2019-02-10 to 2020-02-10); c 366 days after; d registered for the first time.
    # a's first registration (2019) is outside the quarter: 2 / 4.
    rows = compute(
        **registrations(
            ("a", "2019-03-01", "2020-01-15"),
            ("a", "2020-01-15", None),
            ("b", "2018-06-01", "2019-02-10"),
            ("b", "2020-02-10", None),
            ("c", "2018-06-01", "2019-02-10"),
            ("c", "2020-02-11", None),
            ("d", "2020-03-01", None),
        )
    )
    assert figures(row(rows, "cp_reregistered_12m", "2020-03-31")) == (2, 4, 0.5)


def test_a_reregistration_looks_at_every_earlier_deregistration_of_the_child() -> None:
    # e's latest earlier deregistration is a year and a half before; an older one does not
    # help. f has a same-day registration and deregistration before re-registering that day.
    rows = compute(
        **registrations(
            ("e", "2018-01-01", "2018-03-01"),
            ("e", "2018-04-01", "2018-09-01"),
            ("e", "2020-03-01", None),
            ("f", "2020-02-01", "2020-02-01"),
            ("f", "2020-02-01", None),
        )
    )
    # Registrations in Q1 2020: e's third (not re-registered), f's first (no earlier one)
    # and f's second (0 days after f's first): 1 / 3.
    assert figures(row(rows, "cp_reregistered_12m", "2020-03-31")) == (1, 3, 1 / 3)


def test_child_weeks_run_monday_to_sunday_inside_the_quarter_and_one_registration() -> None:
    # a: registered all quarter: 12 child-weeks; face-to-face on Monday 6 and Sunday 12
    # January (one week), Monday 3 February; a virtual contact on Sunday 19 January; a
    # face-to-face contact on Thursday 2 January, in a week that starts in 2019. 2 weeks.
    # b: registered Wednesday 8 to Monday 27 January: weeks of 13 and 20 January (2);
    # face-to-face on Thursday 9 January (week not inside the registration) and Sunday
    # 26 January (counted). 1 week.
    # c: deregistered and re-registered on Wednesday 5 February: the week of 3 February is
    # inside neither registration; 4 weeks before it, 7 after (10 February to 29 March).
    # Face-to-face on 4 February (not counted) and Monday 23 March (counted). 1 week.
    rows = compute(
        **with_contacts(
            [
                ("a", "2019-06-01", None),
                ("b", "2020-01-08", "2020-01-27"),
                ("c", "2019-12-01", "2020-02-05"),
                ("c", "2020-02-05", None),
            ],
            [
                ("a", "2020-01-06", "face_to_face"),
                ("a", "2020-01-12", "face_to_face"),
                ("a", "2020-02-03", "face_to_face"),
                ("a", "2020-01-19", "virtual"),
                ("a", "2020-01-02", "face_to_face"),
                ("b", "2020-01-09", "face_to_face"),
                ("b", "2020-01-26", "face_to_face"),
                ("c", "2020-02-04", "face_to_face"),
                ("c", "2020-03-23", "face_to_face"),
                ("z", "2020-03-23", "face_to_face"),
            ],
        )
    )
    assert figures(row(rows, "cp_weekly_face_to_face", "2020-03-31")) == (4, 25, 4 / 25)


def test_a_week_straddling_two_quarters_belongs_to_neither() -> None:
    # Monday 30 March to Sunday 5 April 2020. Q2's whole weeks run from Monday 6 April to
    # Sunday 28 June: 12 weeks.
    rows = compute(
        **with_contacts([("a", "2020-01-01", None)], [("a", "2020-04-01", "face_to_face")])
    )
    assert figures(row(rows, "cp_weekly_face_to_face", "2020-03-31")) == (0, 12, 0.0)
    assert figures(row(rows, "cp_weekly_face_to_face", "2020-06-30")) == (0, 12, 0.0)


def test_a_registration_ending_on_a_monday_keeps_the_week_before_it() -> None:
    # Registered Monday 6 January to Monday 13 January: the week of 6 January only.
    rows = compute(
        **with_contacts([("a", "2020-01-06", "2020-01-13")], [("a", "2020-01-12", "face_to_face")])
    )
    assert figures(row(rows, "cp_weekly_face_to_face", "2020-03-31")) == (1, 1, 1.0)


def test_a_registration_ending_on_a_sunday_loses_that_week() -> None:
    # Registered Wednesday 8 to Sunday 26 January: Sunday 26 is not covered, so only the
    # week of 13 January is a child-week, and a visit on Tuesday 21 January counts for none.
    rows = compute(
        **with_contacts([("a", "2020-01-08", "2020-01-26")], [("a", "2020-01-21", "face_to_face")])
    )
    assert figures(row(rows, "cp_weekly_face_to_face", "2020-03-31")) == (0, 1, 0.0)


def test_child_protection_measures_have_no_breakdowns_and_are_not_provisional() -> None:
    rows = compute(
        extract="2020-12-31",
        **with_contacts([("a", "2020-12-01", None)], [("a", "2020-12-31", "face_to_face")]),
    )
    measures = ("on_cp_register", "cp_reregistered_12m", "cp_weekly_face_to_face")
    found = [r for m in measures for r in rows_of(rows, m)]
    assert len(found) == 12
    assert not any(r.breakdown or r.provisional for r in found)
