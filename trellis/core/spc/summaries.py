"""Averages and moving ranges, computed the way R computes them where it matters."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

# Nelson (1982): a moving range of 3.267 times the average or more is an outlier, left out
# when the average is recomputed. Both references compare with `<`, so a range exactly at
# the bound is dropped.
MR_SCREEN_FACTOR = 3.267


def finite_or_none(value: float) -> float | None:
    """None for NaN and infinities: a line that does not exist (as qicharts2 blanks them)."""
    return value if math.isfinite(value) else None


def present(values: Sequence[float | None]) -> list[float]:
    return [value for value in values if value is not None]


def mean(values: Sequence[float]) -> float | None:
    """The mean, None for no values. R's mean() sums in extended precision; math.fsum's
    correctly rounded sum is the closest standard-library match."""
    if not values:
        return None
    try:
        return finite_or_none(math.fsum(values) / len(values))
    except OverflowError:  # the sum of huge values overflows; their scaled sum may not
        return finite_or_none(math.fsum(value / len(values) for value in values))


def median(values: Sequence[float]) -> float | None:
    """R's median(): the middle value, or the mean of the two middle values."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return mean(ordered[middle - 1 : middle + 1])


def moving_ranges(values: Sequence[float | None], centre: float = 0.0) -> list[float]:
    """Absolute differences of neighbours; a range touching a missing value is missing, so
    a gap is never bridged. qicharts2 differences the deviations from the centre line,
    NHSRplotthedots the values themselves; `centre` lets each do as its reference does
    (the two differ only in the last bits)."""
    ranges = []
    for earlier, later in pairwise(values):
        if earlier is not None and later is not None:
            ranges.append(abs((later - centre) - (earlier - centre)))
    return ranges


def screened_average(ranges: Sequence[float]) -> float | None:
    """The average moving range after leaving out ranges of 3.267 times the average or
    more. None when there is none left, as when every range is 0 (0 < 0 is false, so
    both references drop them all and have no limits)."""
    average = mean(ranges)
    if average is None:
        return None
    bound = MR_SCREEN_FACTOR * average
    return mean([value for value in ranges if value < bound])


def sign(value: float) -> int:
    return (value > 0) - (value < 0)
