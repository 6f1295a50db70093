"""Trajectory arithmetic: the expected value between, on, before and after dated targets, and
the status of a latest value against it."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trellis.core.trajectory import Direction, Point, Status, expected_at, next_target, status

D = dt.date
BASELINE = Point(D(2019, 9, 30), 31.0)
TARGETS = (Point(D(2020, 9, 30), 50.0), Point(D(2021, 9, 30), 75.0), Point(D(2022, 9, 30), 90.0))
TRAJECTORY = (BASELINE, *TARGETS)


def test_nothing_is_expected_before_the_baseline() -> None:
    assert expected_at(TRAJECTORY, D(2019, 9, 29)) is None


def test_on_the_baseline_the_baseline_is_expected() -> None:
    assert expected_at(TRAJECTORY, D(2019, 9, 30)) == 31.0


def test_on_a_target_date_the_target_is_expected() -> None:
    assert expected_at(TRAJECTORY, D(2021, 9, 30)) == 75.0


def test_between_two_points_the_straight_line_by_days_is_expected() -> None:
    # 30 Sep 2020 to 30 Sep 2021 is 365 days; 31 Mar 2021 is 182 days in.
    assert expected_at(TRAJECTORY, D(2021, 3, 31)) == pytest.approx(50 + 25 * 182 / 365)


def test_between_the_baseline_and_the_first_target_the_line_starts_at_the_baseline() -> None:
    # 30 Sep 2019 to 30 Sep 2020 is 366 days (a leap year); 31 Dec 2019 is 92 days in.
    assert expected_at(TRAJECTORY, D(2019, 12, 31)) == pytest.approx(31 + 19 * 92 / 366)


def test_after_the_last_target_the_last_target_is_expected() -> None:
    assert expected_at(TRAJECTORY, D(2030, 1, 1)) == 90.0


def test_points_may_come_in_any_order() -> None:
    shuffled = (TARGETS[2], BASELINE, TARGETS[0], TARGETS[1])
    assert expected_at(shuffled, D(2021, 3, 31)) == expected_at(TRAJECTORY, D(2021, 3, 31))


def test_no_points_expect_nothing() -> None:
    assert expected_at((), D(2021, 1, 1)) is None


def test_a_falling_trajectory_falls() -> None:
    points = (Point(D(2020, 1, 1), 40.0), Point(D(2020, 1, 11), 20.0))
    assert expected_at(points, D(2020, 1, 6)) == pytest.approx(30.0)


@given(st.dates(min_value=D(2019, 9, 30), max_value=D(2022, 9, 30)))
def test_between_the_baseline_and_the_last_target_a_rising_line_stays_within_them(
    when: dt.date,
) -> None:
    value = expected_at(TRAJECTORY, when)
    assert value is not None and 31.0 <= value <= 90.0


# Status


def judge(value: float | None, when: dt.date, direction: Direction = Direction.INCREASE) -> Status:
    latest = None if value is None else Point(when, value)
    return status(direction=direction, baseline=BASELINE, targets=TARGETS, latest=latest)


def test_a_value_at_or_above_the_expected_is_on_track() -> None:
    assert judge(50.0, D(2020, 9, 30)) is Status.ON_TRACK
    assert judge(49.9, D(2020, 9, 30)) is Status.OFF_TRACK


def test_a_value_meeting_the_last_target_is_achieved() -> None:
    assert judge(90.0, D(2020, 9, 30)) is Status.ACHIEVED


def test_for_a_decrease_lower_is_better() -> None:
    targets = (Point(D(2020, 9, 30), 10.0),)
    base = Point(D(2019, 9, 30), 20.0)
    judged = [
        status(direction=Direction.DECREASE, baseline=base, targets=targets, latest=Point(w, v))
        for w, v in ((D(2020, 3, 31), 14.0), (D(2020, 3, 31), 16.0), (D(2020, 6, 30), 10.0))
    ]
    assert judged == [Status.ON_TRACK, Status.OFF_TRACK, Status.ACHIEVED]


def test_no_value_or_no_target_is_not_enough_data() -> None:
    assert judge(None, D(2020, 9, 30)) is Status.NOT_ENOUGH_DATA
    no_targets = status(
        direction=Direction.INCREASE, baseline=BASELINE, targets=(), latest=Point(D(2020, 1, 1), 5)
    )
    assert no_targets is Status.NOT_ENOUGH_DATA


def test_a_value_from_before_the_baseline_is_not_judged() -> None:
    assert judge(40.0, D(2019, 6, 30)) is Status.NOT_ENOUGH_DATA


def test_a_neutral_measure_is_never_judged_against_targets() -> None:
    assert judge(95.0, D(2021, 1, 1), Direction.NEUTRAL) is Status.NOT_ENOUGH_DATA


def test_the_next_target_is_the_first_dated_after_the_day() -> None:
    assert next_target(TARGETS, D(2020, 9, 30)) == TARGETS[1]
    assert next_target(TARGETS, D(2023, 1, 1)) is None
