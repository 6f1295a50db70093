"""The Anhøj limits: qbinom(0.05, n - 1, 0.5) for the fewest crossings, round(log2 n) + 3
for the longest run, and the exact boundaries of both."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from trellis.core.spc import RunsResult, SpcRequest, analyse, crossings_min, longest_run_max

# Critical values for n useful points = 1 … 40: (longest run max, fewest crossings),
# worked out with exact fractions from the definitions (as exact_qbinom_5_percent does).
# The specification's checkpoints: 10 → 2, 20 → 6 and 30 → 10 crossings.
ANHOEJ_TABLE = {
    1: (3, 0), 2: (4, 0), 3: (5, 0), 4: (5, 0), 5: (5, 0), 6: (6, 1), 7: (6, 1),
    8: (6, 1), 9: (6, 2), 10: (6, 2), 11: (6, 2), 12: (7, 3), 13: (7, 3), 14: (7, 4),
    15: (7, 4), 16: (7, 4), 17: (7, 5), 18: (7, 5), 19: (7, 6), 20: (7, 6), 21: (7, 6),
    22: (7, 7), 23: (8, 7), 24: (8, 8), 25: (8, 8), 26: (8, 8), 27: (8, 9), 28: (8, 9),
    29: (8, 10), 30: (8, 10), 31: (8, 11), 32: (8, 11), 33: (8, 11), 34: (8, 12),
    35: (8, 12), 36: (8, 13), 37: (8, 13), 38: (8, 14), 39: (8, 14), 40: (8, 14),
}  # fmt: skip


def exact_qbinom_5_percent(trials: int) -> int:
    """The textbook definition with exact fractions: the smallest k whose binomial
    cumulative probability reaches 1/20."""
    cumulative = Fraction(0)
    for k in range(trials + 1):
        cumulative += Fraction(math.comb(trials, k), 2**trials)
        if cumulative >= Fraction(1, 20):
            return k
    raise AssertionError("the cumulative probability reaches 1")


def r_round(x: float) -> int:
    """R's round(): half to even, which is Python's round() too."""
    return round(x)


@pytest.mark.parametrize("n", range(1, 41))
def test_the_crossings_and_run_limits_match_the_anhoej_table(n: int) -> None:
    assert (longest_run_max(n), crossings_min(n)) == ANHOEJ_TABLE[n]
    assert crossings_min(n) == exact_qbinom_5_percent(n - 1)
    assert longest_run_max(n) == r_round(math.log2(n)) + 3


def test_the_published_crossing_limits_for_10_20_and_30_points() -> None:
    assert [crossings_min(n) for n in (10, 20, 30)] == [2, 6, 10]


def test_the_crossings_limit_follows_the_exact_definition_for_long_series() -> None:
    for n in (50, 99, 100, 101, 250, 500):
        assert crossings_min(n) == exact_qbinom_5_percent(n - 1)


def test_rs_fuzz_in_qbinom_never_changes_the_limit() -> None:
    # R's qbinom looks for P(X <= k) >= 0.05·(1 - 64ε). That could differ from the exact
    # answer only if some P(X <= k) = S / 2^m fell in [0.05·(1 - 64ε), 0.05); in integers,
    # 2^m - 20·S <= 2^m·64ε with 20·S < 2^m. No m below 1000 comes close.
    epsilon = Fraction(1, 2**52)
    for m in range(1000):
        below = 0
        for k in range(m + 1):
            step = math.comb(m, k)
            if 20 * (below + step) >= 2**m:
                break
            below += step
        assert Fraction(2**m - 20 * below, 2**m) > 64 * epsilon


def test_log2_of_a_count_is_never_a_rounding_tie() -> None:
    # round(log2 n) would depend on the rounding rule only at x.5, which would need
    # n = 2^(k + 1/2), an irrational number. Floating point keeps well clear of it too.
    for n in range(1, 100_000):
        fraction = math.log2(n) % 1
        assert abs(fraction - 0.5) > 1e-9
        assert longest_run_max(n) == r_round(math.log2(n)) + 3


def runs_against(centre: float, values: list[float]) -> RunsResult:
    """A run chart whose centre line is fixed at `centre`: freeze = 1 makes the baseline
    its first point, which then sits on the line and is not a useful point."""
    result = analyse(SpcRequest(chart="run", values=[centre, *values], freeze=1))
    return result.runs[0]


UP, DOWN = 1.0, -1.0


def test_a_longest_run_exactly_at_the_limit_is_no_signal() -> None:
    # 10 useful points: longest run allowed 6, crossings needed 2.
    runs = runs_against(0, [DOWN, *[UP] * 6, DOWN, DOWN, DOWN])
    assert runs == RunsResult(10, 6, 6, 2, 2, signal=False)


def test_a_longest_run_one_over_the_limit_is_a_signal() -> None:
    runs = runs_against(0, [DOWN, *[UP] * 7, DOWN, DOWN])
    assert runs == RunsResult(10, 7, 6, 2, 2, signal=True)


def test_crossings_exactly_at_the_limit_are_no_signal() -> None:
    runs = runs_against(0, [DOWN] * 4 + [UP] * 3 + [DOWN] * 3)
    assert runs == RunsResult(10, 4, 6, 2, 2, signal=False)


def test_one_crossing_fewer_than_the_limit_is_a_signal() -> None:
    runs = runs_against(0, [DOWN] * 5 + [UP] * 5)
    assert runs == RunsResult(10, 5, 6, 1, 2, signal=True)


def test_the_boundaries_at_twenty_points() -> None:
    # 20 useful points: longest run allowed 7, crossings needed 6.
    alternating_blocks = ([UP] * 3 + [DOWN] * 3) * 3 + [UP, UP]  # 6 crossings, runs of 3
    assert runs_against(0, alternating_blocks) == RunsResult(20, 3, 7, 6, 6, signal=False)
    fewer = [UP] * 7 + [DOWN] * 4 + [UP] * 4 + [DOWN] * 3 + [UP, DOWN]
    assert runs_against(0, fewer) == RunsResult(20, 7, 7, 5, 6, signal=True)
    longer = [UP] * 8 + [DOWN, UP] * 6
    assert runs_against(0, longer) == RunsResult(20, 8, 7, 12, 6, signal=True)


def test_points_on_the_centre_line_do_not_count_toward_n() -> None:
    # 12 points, two on the line: the limits are those of 10, not 12.
    runs = runs_against(0, [DOWN, 0, *[UP] * 6, 0, DOWN, DOWN, DOWN])
    assert (runs.n_useful, runs.longest_run_max, runs.n_crossings_min) == (10, 6, 2)
