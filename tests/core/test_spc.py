"""Worked examples for trellis.core.spc, each derived by hand from the references'
documented definitions (qicharts2 0.8.1 for `anhoej`, NHSRplotthedots 0.2.2 for `mdc`).

Expected figures are worked out in the comments, in exact fractions where that helps, and
compared to a relative 1e-9 (the contract's tolerance)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import pytest

from trellis.core.spc import (
    PhaseSummary,
    PointResult,
    RunsResult,
    SpcRequest,
    SpcResult,
    analyse,
)

REL = 1e-9


def run(**request: Any) -> SpcResult:
    return analyse(SpcRequest(**request))


def approx(value: float | Fraction) -> Any:
    return pytest.approx(float(value), rel=REL)


def flags(result: SpcResult, name: str) -> list[int]:
    """1-based positions whose flag `name` is set."""
    return [i for i, point in enumerate(result.points, start=1) if getattr(point, name)]


def variations(result: SpcResult) -> list[str]:
    return [point.variation for point in result.points]


# --- Anhøj: run charts ----------------------------------------------------------------


def test_a_point_exactly_on_the_median_neither_breaks_nor_extends_a_run() -> None:
    # Sorted: 1 1 1 3 3 5 5 5, so the median is (3 + 3) / 2 = 3. Dropping the two 3s
    # leaves - - - + + +: if the 3 inside the first run broke it, the longest run would
    # be 2; if it extended it, 4. It does neither: 6 useful points, longest run 3.
    result = run(chart="run", values=[1, 1, 3, 1, 5, 5, 3, 5])
    assert result.centre == [3.0] * 8
    assert result.runs == [RunsResult(6, 3, 6, 1, 1, signal=False)]


def test_a_run_chart_has_a_median_centre_and_no_limits_or_point_signals() -> None:
    result = run(chart="run", values=[9, 1, 9, 1, 100, 1])
    # Sorted 1 1 1 9 9 100: median (1 + 9) / 2 = 5; 100 is just another point above it.
    assert result.centre == [5.0] * 6
    assert result.lower == [None] * 6
    assert result.upper == [None] * 6
    assert result.points == [PointResult()] * 6


def test_all_values_equal_leave_no_useful_point_and_no_signal() -> None:
    # Every point is on the median: nothing useful, so the figures are null.
    result = run(chart="run", values=[4, 4, 4, 4, 4])
    assert result.centre == [4.0] * 5
    assert result.runs == [RunsResult(0, None, None, None, None, signal=False)]


def test_all_values_equal_give_an_i_chart_no_limits() -> None:
    # Every moving range is 0, MR̄ = 0, and screening keeps ranges below 3.267·0 = 0:
    # none. Both references then average nothing, so there are no limits at all.
    for rules in ("anhoej", "mdc"):
        result = run(chart="i", values=[4] * 14, rules=rules)
        assert result.centre == [4.0] * 14
        assert result.lower == [None] * 14
        assert result.upper == [None] * 14
        assert not any(point.special_cause for point in result.points)


def test_an_empty_series_is_one_empty_phase() -> None:
    result = run(chart="run", values=[])
    assert (result.centre, result.lower, result.upper, result.points) == ([], [], [], [])
    assert result.runs == [RunsResult(0, None, None, None, None, signal=False)]
    assert run(chart="i", values=[], rules="mdc").runs == []


def test_a_single_point_is_on_its_own_median_and_has_no_moving_range() -> None:
    assert run(chart="run", values=[5]).runs == [RunsResult(0, None, None, None, None, False)]
    single = run(chart="i", values=[5])
    assert (single.centre, single.lower, single.upper) == ([5.0], [None], [None])


def test_two_points_give_an_i_chart_from_their_one_moving_range() -> None:
    # Mean 2; one moving range |3 - 1| = 2 (< 3.267·2, kept); sigma = 2 / 1.128.
    result = run(chart="i", values=[1, 3])
    sigma = Fraction(2) / Fraction("1.128")
    assert result.centre == [2.0, 2.0]
    assert result.lower == [approx(2 - 3 * sigma)] * 2
    assert result.upper == [approx(2 + 3 * sigma)] * 2
    # Sides - +: longest run 1, one crossing; limits round(log2 2) + 3 = 4 and
    # qbinom(0.05, 1, 0.5) = 0 (P(X <= 0) = 1/2 already).
    assert result.runs == [RunsResult(2, 1, 4, 1, 0, signal=False)]
    mdc = run(chart="i", values=[1, 3], rules="mdc")
    assert mdc.lower == [approx(2 - Fraction("2.66") * 2)] * 2


def test_six_points_on_one_side_are_a_runs_signal_with_no_minimum_length() -> None:
    # freeze = 1 puts the centre line at the first value, which is then on the line.
    # Five points above: longest 5 = round(log2 5) + 3 = 5 and 0 crossings against
    # qbinom(0.05, 4, 0.5) = 0 (P(X = 0) = 1/16 >= 0.05): no signal.
    assert not run(chart="run", values=[0, 1, 1, 1, 1, 1], freeze=1).runs[0].signal
    # Six: P(X = 0) = 1/32 < 0.05 <= 6/32, so at least 1 crossing is expected; 0 is a signal.
    six = run(chart="run", values=[0, 1, 1, 1, 1, 1, 1], freeze=1).runs[0]
    assert (six.longest_run, six.longest_run_max, six.n_crossings, six.n_crossings_min) == (
        6,
        6,
        0,
        1,
    )
    assert six.signal


# --- Anhøj: missing values ---------------------------------------------------------------


def test_missing_values_take_no_part_in_a_run_chart() -> None:
    # Median of 1 5 1 5 is 3; sides - + - + with the gaps dropped; 3 crossings.
    result = run(chart="run", values=[1, None, 5, 1, None, 5])
    assert result.centre == [3.0] * 6
    assert result.runs == [RunsResult(4, 1, 5, 3, 0, signal=False)]
    assert result.points[1] == PointResult()


def test_a_moving_range_never_bridges_a_gap() -> None:
    # Mean of 2, 8, 6 = 16/3. The only moving range is |6 - 8| = 2 (2 < 3.267·2, kept);
    # bridging the gap would add |8 - 2| = 6 and double MR̄.
    result = run(chart="i", values=[2, None, 8, 6])
    centre = Fraction(16, 3)
    sigma = Fraction(2) / Fraction("1.128")
    assert result.centre == [approx(centre)] * 4
    assert result.lower == [approx(centre - 3 * sigma)] * 4
    assert result.upper == [approx(centre + 3 * sigma)] * 4
    assert result.points[1] == PointResult()


def test_moving_ranges_of_3267_times_the_average_or_more_are_screened_out() -> None:
    # Ranges 1 ×10 and 22: MR̄ = 32/11 ≈ 2.91, bound 3.267·32/11 ≈ 9.5, so 22 goes and
    # MR̄ is recomputed from the ten 1s: 1. Mean (6·0 + 5·1 + 22) / 12 = 27/12; the
    # upper limit 2.25 + 3/1.128 ≈ 4.91 (unscreened it would be ≈ 9.99).
    values = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 22]
    result = run(chart="i", values=values)
    centre = Fraction(27, 12)
    assert result.centre[0] == approx(centre)
    assert result.upper[0] == approx(centre + 3 / Fraction("1.128"))
    assert flags(result, "outside_limits") == [12]


# --- Anhøj: I chart limits, freeze and phases ----------------------------------------


def test_a_frozen_baseline_sets_the_lines_and_the_runs_cover_every_point() -> None:
    # Baseline 1 3 1 3 1 3: mean 2, five moving ranges of 2, sigma 2/1.128, limits
    # 2 ± 5.319…. Every later 10 is above the upper limit. Runs over all 14 points
    # against 2: - + - + - then + ×9, so the longest run 9 > round(log2 14) + 3 = 7.
    values = [1, 3, 1, 3, 1, 3, *[10] * 8]
    result = run(chart="i", values=values, freeze=6, direction="increase")
    sigma = Fraction(2) / Fraction("1.128")
    assert result.centre == [2.0] * 14
    assert result.upper == [approx(2 + 3 * sigma)] * 14
    assert flags(result, "outside_limits") == list(range(7, 15))
    assert variations(result)[6:] == ["improvement"] * 8
    assert result.runs == [RunsResult(14, 9, 7, 5, 4, signal=True)]


def test_a_point_exactly_on_a_limit_is_not_outside_it() -> None:
    # Baseline 9 11 ×6: mean 10, MR̄ 2, so the upper limit is 10 + 3·(2/1.128).
    upper = 10 + 3 * (2 / 1.128)
    result = run(chart="i", values=[9, 11] * 6 + [upper, upper + 0.01], freeze=12)
    assert result.upper[0] == upper
    assert flags(result, "outside_limits") == [14]


def test_each_phase_has_its_own_lines_and_runs_analysis() -> None:
    # Phase 1: 1 3 1 3, mean 2; phase 2: 11 13 11 13, mean 12; both MR̄ 2.
    result = run(chart="i", values=[1, 3, 1, 3, 11, 13, 11, 13], phases=[5])
    half_width = 3 * Fraction(2) / Fraction("1.128")
    assert result.centre == [2.0] * 4 + [12.0] * 4
    assert result.lower == [approx(2 - half_width)] * 4 + [approx(12 - half_width)] * 4
    assert result.runs == [RunsResult(4, 1, 5, 3, 0, False)] * 2


def test_anhoej_ignores_freeze_once_there_are_phases() -> None:
    # As qicharts2: with parts, freeze is set to Inf. Medians of each whole phase:
    # (2 + 30) / 2 = 16 (not 1.5 from the first two) and 20.
    result = run(chart="run", values=[1, 2, 30, 40, 10, 20, 30], phases=[5], freeze=2)
    assert result.centre == [16.0] * 4 + [20.0] * 3
    assert result.runs[1] == RunsResult(2, 1, 4, 1, 0, signal=False)


def test_a_point_outside_the_limits_is_labelled_by_the_direction() -> None:
    values = [9, 11] * 6 + [30, -10]
    by_direction = {
        direction: variations(run(chart="i", values=values, freeze=12, direction=direction))
        for direction in ("increase", "decrease", "neutral")
    }
    assert by_direction["increase"][12:] == ["improvement", "concern"]
    assert by_direction["decrease"][12:] == ["concern", "improvement"]
    assert by_direction["neutral"][12:] == ["neither", "neither"]
    assert by_direction["neutral"][:12] == ["common"] * 12


def test_anhoej_flags_only_points_outside_the_limits() -> None:
    # Seven rising points and eight on one side: rules of `mdc`, never of `anhoej`.
    result = run(chart="i", values=[1, 2, 3, 4, 5, 6, 7, 8], direction="increase")
    for point in result.points:
        assert not (point.shift or point.trend or point.two_of_three)
        assert point.special_cause == point.outside_limits


def test_a_runs_signal_belongs_to_the_phase_not_to_its_points() -> None:
    result = run(chart="run", values=[0, *[1] * 10], freeze=1, direction="increase")
    assert result.runs[0].signal
    assert variations(result) == ["common"] * 11


# --- Anhøj: p charts ---------------------------------------------------------------------


def test_montgomery_example_7_1_p_chart() -> None:
    # Montgomery, Introduction to Statistical Quality Control, Example 7.1 (orange juice
    # cans, 30 samples of 50): p̄ = 347/1500 = 0.2313, limits 0.2313 ± 3·√(p̄(1-p̄)/50)
    # = 0.0524 and 0.4102; samples 15 (22/50) and 23 (24/50) are above the upper limit.
    defectives = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22]
    defectives += [8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6]
    result = run(chart="p", values=defectives, denominators=[50] * 30)
    p_bar = Fraction(347, 1500)
    sigma = math.sqrt(p_bar * (1 - p_bar) / 50)
    assert result.centre == [approx(p_bar)] * 30
    assert result.lower == [approx(float(p_bar) - 3 * sigma)] * 30
    assert result.upper == [approx(float(p_bar) + 3 * sigma)] * 30
    assert round(result.lower[0] or 0, 4) == 0.0524
    assert round(result.upper[0] or 0, 4) == 0.4102
    assert flags(result, "outside_limits") == [15, 23]
    # Above the centre means more than 11.57 defectives:
    # ++ ---- + - + --- +++ --- + - ++++ - + - + -- : 16 runs, longest 4.
    assert result.runs == [RunsResult(30, 4, 8, 15, 10, signal=False)]


def test_zero_and_very_small_denominators() -> None:
    # p̄ = (0 + 3 + 5 + 1) / (0 + 10 + 10 + 1) = 3/7. A zero denominator has no value and
    # no limits. Each limit comes from the point's own denominator, floored at 0 and
    # capped at 1: with n = 1, 3/7 ± 3·√(12/49) leaves [0, 1]. The 1/1 point sits on
    # the cap and is not outside (strictly).
    result = run(chart="p", values=[0, 3, 5, 1], denominators=[0, 10, 10, 1])
    p_bar = Fraction(3, 7)
    ten = math.sqrt(p_bar * (1 - p_bar) / 10)
    assert result.centre == [approx(p_bar)] * 4
    assert result.plotted == [None, 0.3, 0.5, 1.0]
    assert result.lower == [None, 0.0, 0.0, 0.0]
    assert result.upper == [
        None,
        approx(float(p_bar) + 3 * ten),
        approx(float(p_bar) + 3 * ten),
        1.0,
    ]
    assert result.points == [PointResult()] * 4
    # 0.3 below, 0.5 and 1.0 above: the zero denominator is no useful point.
    assert result.runs == [RunsResult(3, 2, 5, 1, 0, signal=False)]


def test_a_p_chart_point_above_its_limit_is_special_cause() -> None:
    # p̄ = 80/500 = 0.16, sigma √(0.16·0.84/100) ≈ 0.0367: limits ≈ 0.050 and 0.270.
    result = run(chart="p", values=[10, 10, 10, 10, 40], denominators=[100] * 5)
    assert result.centre[0] == approx(Fraction(16, 100))
    assert flags(result, "outside_limits") == [5]


def test_a_missing_count_leaves_a_p_chart_point_without_value_or_limits() -> None:
    # qicharts2 blanks both counts of an incomplete pair, so neither counts toward p̄:
    # p̄ = (2 + 4) / (10 + 10) = 0.3 (the 20 beside the missing numerator is ignored).
    result = run(chart="p", values=[2, None, 4, 5], denominators=[10, 20, 10, None])
    assert result.centre == [0.3] * 4
    assert result.lower[1] is None and result.upper[1] is None
    assert result.lower[3] is None and result.upper[3] is None
    assert result.plotted == [0.2, None, 0.4, None]


def test_a_p_chart_baseline_freezes_the_centre() -> None:
    # Baseline 1/10 and 3/10: p̄ = 4/20 = 0.2; the later 9/10 is judged against it.
    result = run(chart="p", values=[1, 3, 9], denominators=[10, 10, 10], freeze=2)
    assert result.centre == [0.2] * 3
    assert flags(result, "outside_limits") == [3]


# --- Making Data Count -----------------------------------------------------------------

BASELINE = [9, 11] * 6  # mean 10, MR̄ 2: limits 10 ± 5.32, 2-sigma lines 10 ± 3.5466…


def mdc(values: Sequence[float | None], **request: Any) -> SpcResult:
    return run(chart="i", values=values, rules="mdc", **request)


def test_mdc_limits_are_the_mean_plus_or_minus_266_average_moving_ranges() -> None:
    result = mdc([*BASELINE, 12, 8], freeze=12)
    assert result.centre == [10.0] * 14
    assert result.lower == [approx(10 - Fraction("2.66") * 2)] * 14
    assert result.upper == [approx(10 + Fraction("2.66") * 2)] * 14
    assert result.runs == []


def test_a_trend_at_the_start_of_the_series_flags_all_seven_points() -> None:
    result = mdc([1, 2, 3, 4, 5, 6, 7, 3, 5, 3, 5, 3, 5, 3], direction="increase")
    assert flags(result, "trend") == [1, 2, 3, 4, 5, 6, 7]
    assert variations(result)[:7] == ["improvement"] * 7


def test_a_trend_after_a_higher_first_point_starts_at_the_second() -> None:
    # NHSRplotthedots' own example: c(2, 1:7, 3) has its trend at positions 2 to 8.
    assert flags(mdc([2, 1, 2, 3, 4, 5, 6, 7, 3]), "trend") == [2, 3, 4, 5, 6, 7, 8]


def test_a_tie_inside_a_trend_breaks_it() -> None:
    # NHSRplotthedots' own example: c(1:3, 3:6) is no trend; nor is 3 3 4 5 6 7 8.
    assert flags(mdc([1, 2, 3, 3, 4, 5, 6]), "trend") == []
    assert flags(mdc([1, 2, 3, 3, 4, 5, 6, 7, 8]), "trend") == []


def test_a_falling_trend_is_a_concern_when_higher_is_better() -> None:
    result = mdc([7, 6, 5, 4, 3, 2, 1, 5, 3, 5, 3, 5, 3, 5], direction="increase")
    assert flags(result, "trend") == [1, 2, 3, 4, 5, 6, 7]
    assert set(variations(result)[:7]) == {"concern"}


def test_a_point_exactly_on_the_mean_inside_a_shift_breaks_it() -> None:
    # Mean (53 + 17) / 14 = 5, and the fourth and last points are exactly 5. Sides:
    # + + + 0 + + + - - - - - - 0, so no seven in a row. MR̄ = 34/13 ≈ 2.6: limits
    # 5 ± 6.96 and 2-sigma lines 5 ± 4.64 leave every point common.
    broken = mdc([7, 9, 7, 5, 9, 7, 9, 3, 1, 3, 1, 3, 1, 5], direction="increase")
    assert broken.centre[0] == 5.0
    assert flags(broken, "shift") == []
    assert variations(broken) == ["common"] * 14
    # The same with 7 and 3 in place of the 5s (mean still 5): both halves are shifts.
    whole = mdc([7, 9, 7, 7, 9, 7, 9, 3, 1, 3, 1, 3, 1, 3], direction="increase")
    assert flags(whole, "shift") == list(range(1, 15))
    assert variations(whole) == ["improvement"] * 7 + ["concern"] * 7


def test_two_of_three_close_points_on_one_side_flag_only_the_close_points() -> None:
    # After the baseline: 14 (beyond 13.55, close), exactly on the upper limit
    # 10 + 2.66·2 (close: not outside), 11 (above the mean, not close). The windows
    # 12–14 and 13–15 are all above the mean with two close points.
    on_limit = 10 + 2.66 * 2
    result = mdc([*BASELINE, 14, on_limit, 11], freeze=12, direction="increase")
    assert result.upper[0] == on_limit
    assert flags(result, "outside_limits") == []
    assert flags(result, "two_of_three") == [13, 14]
    assert variations(result)[12:] == ["improvement", "improvement", "common"]


def test_a_point_beyond_the_limit_does_not_count_as_close() -> None:
    result = mdc([*BASELINE, 14, 16, 11], freeze=12)
    assert flags(result, "outside_limits") == [14]
    assert flags(result, "two_of_three") == []


def test_close_points_on_opposite_sides_of_the_mean_are_common_cause() -> None:
    # NHSRplotthedots' own example (issue #143): 1 -1 … then 5.5 and -5.5. Mean 0;
    # ranges 2 ×13, 6.5, 11: MR̄ 43.5/15 = 2.9, 11 >= 3.267·2.9 is screened, MR̄ =
    # 32.5/14; 2-sigma lines ±4.12 and limits ±6.18: both points close, opposite sides.
    result = mdc([1, -1] * 7 + [5.5, -5.5], direction="increase")
    assert result.upper[0] == approx(Fraction("2.66") * Fraction("32.5") / 14)
    assert variations(result)[14:] == ["common", "common"]


def test_the_first_rule_that_applies_decides_the_label() -> None:
    # A fall from 20 to 8 after the baseline: 20, 18, 16 are above the upper limit
    # (15.32), so they are labelled by their side (high: improvement); 14 … 8 only by
    # the falling trend (concern). 10 is on the mean, so there is no shift.
    result = mdc([*BASELINE, 20, 18, 16, 14, 12, 10, 8], freeze=12, direction="increase")
    assert flags(result, "trend") == list(range(13, 20))
    assert flags(result, "outside_limits") == [13, 14, 15]
    assert flags(result, "shift") == []
    assert variations(result)[12:] == ["improvement"] * 3 + ["concern"] * 4
    neutral = mdc([*BASELINE, 20, 18, 16, 14, 12, 10, 8], freeze=12)
    assert variations(neutral)[12:] == ["neither"] * 7


def test_a_tie_where_two_rising_trends_meet_reads_as_falling_as_in_the_reference() -> None:
    # 1…7, 7, 8…13: two trends of 7. NHSRplotthedots reads a trend point's direction
    # from its step to the next point when that point is in a trend too; from the first
    # 7 to the second that step is 0, which its code reads as "Decreasing".
    values = [1, 2, 3, 4, 5, 6, 7, 7, 8, 9, 10, 11, 12, 13]
    result = mdc(values, direction="increase")
    assert flags(result, "trend") == list(range(1, 15))
    assert flags(result, "outside_limits") == [1, 2, 3, 4, 11, 12, 13, 14]
    assert variations(result)[6:8] == ["concern", "improvement"]


def test_a_missing_value_breaks_a_trend() -> None:
    assert flags(mdc([1, 2, 3, 4, None, 5, 6, 7]), "trend") == []
    assert flags(mdc([1, 2, 3, 4, 5, 6, 7, None]), "trend") == [1, 2, 3, 4, 5, 6, 7]


def test_a_missing_value_breaks_a_shift() -> None:
    # Mean 48/13 ≈ 3.7: the first block has a gap; the last seven are all below.
    result = mdc([7, 9, 7, None, 9, 7, 9, 3, 1, 3, 1, 3, 1, 3])
    assert flags(result, "shift") == list(range(8, 15))
    assert result.points[3] == PointResult()


def test_a_missing_value_breaks_a_two_of_three_window() -> None:
    assert flags(mdc([*BASELINE, 14, None, 14, 9], freeze=12), "two_of_three") == []
    assert flags(mdc([*BASELINE, 14, 12, 14, 9], freeze=12), "two_of_three") == [13, 15]


def test_mdc_applies_freeze_within_each_phase() -> None:
    # Each phase's lines come from its own first 12 points, as NHSRplotthedots fixes
    # limits after n points of every rebase group.
    first = [*BASELINE, 30, 30]
    second = [19, 21] * 6 + [0, 0]
    result = mdc(first + second, phases=[15], freeze=12)
    assert result.centre == [10.0] * 14 + [20.0] * 14
    assert result.upper[14] == approx(20 + Fraction("2.66") * 2)
    assert flags(result, "outside_limits") == [13, 14, 27, 28]


def test_mdc_rules_do_not_reach_across_a_phase_boundary() -> None:
    # Seven rising points, but the fourth starts a new phase.
    values = [1, 2, 3, 4, 5, 6, 7, 3, 5, 4]
    assert flags(mdc(values), "trend") == [1, 2, 3, 4, 5, 6, 7]
    assert flags(mdc(values, phases=[4]), "trend") == []


# --- What the lines rest on ---------------------------------------------------------------


def test_each_phase_reports_how_many_baseline_points_its_lines_rest_on() -> None:
    # Phase 1: positions 1–5 with one gap, 4 points; phase 2: positions 6–20, 15 points.
    values = [1, None, 3, 2, 4, *range(15)]
    result = run(chart="i", values=values, phases=[6])
    assert result.phases == [PhaseSummary(1, 5, 4), PhaseSummary(6, 15, 15)]
    assert [phase.limits_are_settled for phase in result.phases] == [False, True]


def test_a_frozen_baseline_counts_only_its_own_points() -> None:
    result = run(chart="i", values=[*range(12), None, *range(20)], freeze=13)
    assert result.phases == [PhaseSummary(1, 33, 12)]


def test_zero_denominators_do_not_count_as_baseline_points() -> None:
    result = run(chart="p", values=[0, 1, 2], denominators=[0, 4, 4])
    assert result.phases == [PhaseSummary(1, 3, 2)]
