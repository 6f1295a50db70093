"""Rule set `anhoej`: qicharts2 0.8.1's run, I and p charts.

Centre and limits come from the phase's baseline; the runs analysis covers every point of
the phase against that centre line, and a point strictly outside the limits is a special
cause (Shewhart's 3-sigma rule). The runs signal belongs to the phase, never to a point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from itertools import groupby

from trellis.core.spc.phase import PhaseOutcome, variation_of
from trellis.core.spc.request import Chart, Direction
from trellis.core.spc.result import COMMON, PointResult, RunsResult
from trellis.core.spc.summaries import (
    finite_or_none,
    mean,
    median,
    moving_ranges,
    present,
    screened_average,
    sign,
)

# Montgomery: sigma estimated as the average moving range over d2 = 1.128 (n = 2).
D2 = 1.128
SIGMA_LIMIT = 3


def analyse_phase(
    chart: Chart,
    values: Sequence[float | None],
    denominators: Sequence[float | None] | None,
    baseline: int,
    direction: Direction,
) -> PhaseOutcome:
    plotted, centre, lower, upper = chart_lines(chart, values, denominators, baseline)
    points = [
        point_verdict(value, low, high, direction)
        for value, low, high in zip(plotted, lower, upper, strict=True)
    ]
    return PhaseOutcome(centre, lower, upper, points, runs_analysis(plotted, centre), plotted)


ChartLines = tuple[list[float | None], float | None, list[float | None], list[float | None]]


def chart_lines(
    chart: Chart,
    values: Sequence[float | None],
    denominators: Sequence[float | None] | None,
    baseline: int,
) -> ChartLines:
    """What each position plots, the centre line, and each position's lower and upper
    limits."""
    n = len(values)
    if chart == "p":
        # Validation guarantees a p chart its denominators; the default never applies.
        denominators = denominators or [None] * n
        plotted = proportions(values, denominators)
        centre = p_centre(values[:baseline], denominators[:baseline])
        return (plotted, centre, *p_limits(centre, plotted, denominators))
    if chart == "run":
        centre, low, high = median(present(values[:baseline])), None, None
    else:
        centre, low, high = i_lines(values[:baseline])
    return list(values), centre, [low] * n, [high] * n


def i_lines(baseline: Sequence[float | None]) -> tuple[float | None, float | None, float | None]:
    """Centre (the mean) and 3-sigma limits of an I chart from its baseline values."""
    centre = mean(present(baseline))
    if centre is None:
        return None, None, None
    average_range = screened_average(moving_ranges(baseline, centre))
    if average_range is None:
        return centre, None, None
    sigma = average_range / D2
    return (
        centre,
        finite_or_none(centre - SIGMA_LIMIT * sigma),
        finite_or_none(centre + SIGMA_LIMIT * sigma),
    )


def proportions(
    numerators: Sequence[float | None], denominators: Sequence[float | None]
) -> list[float | None]:
    """Each point's proportion; none without both counts or with a zero denominator."""
    return [
        numerator / denominator if numerator is not None and denominator else None
        for numerator, denominator in zip(numerators, denominators, strict=True)
    ]


def p_centre(
    numerators: Sequence[float | None], denominators: Sequence[float | None]
) -> float | None:
    """Σ numerators / Σ denominators over the baseline's complete pairs (qicharts2 blanks
    both counts when either is missing)."""
    pairs = [
        (numerator, denominator)
        for numerator, denominator in zip(numerators, denominators, strict=True)
        if numerator is not None and denominator is not None
    ]
    total = math.fsum(denominator for _, denominator in pairs)
    if total <= 0:
        return None
    return math.fsum(numerator for numerator, _ in pairs) / total


def p_limits(
    centre: float | None,
    plotted: Sequence[float | None],
    denominators: Sequence[float | None],
) -> tuple[list[float | None], list[float | None]]:
    """3-sigma limits from each point's own denominator, floored at 0 and capped at 1.
    A point without a proportion has no limits: qicharts2 counts its denominator as 0,
    which makes the limits infinite, and then blanks them."""
    lower: list[float | None] = []
    upper: list[float | None] = []
    for proportion, denominator in zip(plotted, denominators, strict=True):
        if centre is None or proportion is None or not denominator:
            lower.append(None)
            upper.append(None)
            continue
        sigma = math.sqrt(centre * (1 - centre) / denominator)
        lower.append(max(centre - SIGMA_LIMIT * sigma, 0.0))
        upper.append(min(centre + SIGMA_LIMIT * sigma, 1.0))
    return lower, upper


def point_verdict(
    value: float | None, lower: float | None, upper: float | None, direction: Direction
) -> PointResult:
    """Special cause only for a point strictly outside its limits."""
    if value is None:
        return COMMON
    if upper is not None and value > upper:
        side = 1
    elif lower is not None and value < lower:
        side = -1
    else:
        return COMMON
    return PointResult(
        outside_limits=True, special_cause=True, variation=variation_of(side, direction)
    )


def runs_analysis(values: Sequence[float | None], centre: float | None) -> RunsResult:
    """Longest run and crossings of the centre line. Points on the line and missing values
    are dropped first, so they neither break nor extend a run."""
    sides = [] if centre is None else [sign(v - centre) for v in values if v is not None]
    useful = [side for side in sides if side != 0]
    if not useful:
        return RunsResult(0, None, None, None, None, signal=False)
    run_lengths = [len(list(run)) for _, run in groupby(useful)]
    longest, crossings = max(run_lengths), len(run_lengths) - 1
    longest_max, fewest = longest_run_max(len(useful)), crossings_min(len(useful))
    return RunsResult(
        n_useful=len(useful),
        longest_run=longest,
        longest_run_max=longest_max,
        n_crossings=crossings,
        n_crossings_min=fewest,
        signal=longest > longest_max or crossings < fewest,
    )


def longest_run_max(n_useful: int) -> int:
    """round(log2(n)) + 3 (Schilling 2012), with R's round-half-to-even.

    round(log2(n)) = k exactly when 2^(2k-1) < n² < 2^(2k+1); n² is a perfect square and
    2^odd is not, so there is never a tie, and k is half the bit length of n² (rounded
    down). Integer arithmetic makes the boundaries exact."""
    if n_useful < 1:
        raise ValueError("the longest-run limit needs at least one useful point")
    return (n_useful * n_useful).bit_length() // 2 + 3


def crossings_min(n_useful: int) -> int:
    """qbinom(0.05, n - 1, 0.5) (Chen 2010), as qicharts2 computes it."""
    return binomial_half_lower_5_percent(max(n_useful - 1, 0))


@lru_cache(maxsize=512)
def binomial_half_lower_5_percent(trials: int) -> int:
    """The smallest k with P(X <= k) >= 0.05 for X ~ Binomial(trials, 1/2).

    P(X <= k) = S / 2^trials with S = Σ C(trials, i) for i <= k, so the test is the exact
    integer comparison 20·S >= 2^trials. S / 2^trials never equals 1/20 (20 has the factor
    5), so R's fuzz factor in qbinom cannot change the answer at a boundary."""
    whole = 1 << trials
    term = total = 1  # C(trials, 0)
    k = 0
    while 20 * total < whole:
        k += 1
        term = term * (trials - k + 1) // k
        total += term
    return k
