"""Rule set `mdc`: NHS England "Making Data Count" XmR rules, as NHSRplotthedots 0.2.2.

Limits are mean ± 2.66·MR̄ from the phase's baseline. Four rules flag points, and the
first that applies, in this order, says which side a special cause is on:
outside the limits; a trend of 7 points each strictly above (or below) the one before;
two of three consecutive points close to a limit, all three on one side of the mean;
a shift of 7 points on one side of the mean. A missing value breaks any window it is in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from trellis.core.spc.phase import PhaseOutcome, variation_of
from trellis.core.spc.request import Direction
from trellis.core.spc.result import COMMON, PointResult
from trellis.core.spc.summaries import (
    finite_or_none,
    mean,
    moving_ranges,
    present,
    screened_average,
    sign,
)

LIMIT = 2.66
# The 2-sigma lines, written as the reference writes them so the float is the same.
CLOSE = 2 * (LIMIT / 3)
RUN_LENGTH = 7  # both the trend and the shift rule
WINDOW = 3  # two of three


@dataclass(frozen=True)
class Lines:
    centre: float | None
    lower: float | None
    upper: float | None
    close_lower: float | None
    close_upper: float | None


@dataclass(frozen=True)
class RuleFlags:
    """Each position's side of the mean (None where unknown) and each rule's flag."""

    sides: list[int | None]
    outside: list[bool]
    trend: list[bool]
    two_of_three: list[bool]
    shift: list[bool]


def analyse_phase(
    values: Sequence[float | None], baseline: int, direction: Direction
) -> PhaseOutcome:
    lines = xmr_lines(values[:baseline])
    flags = apply_rules(values, lines)
    points = [point_verdict(i, values, flags, direction) for i in range(len(values))]
    n = len(values)
    return PhaseOutcome(
        lines.centre, [lines.lower] * n, [lines.upper] * n, points, None, list(values)
    )


def apply_rules(values: Sequence[float | None], lines: Lines) -> RuleFlags:
    sides = [
        None if value is None or lines.centre is None else sign(value - lines.centre)
        for value in values
    ]
    outside = [is_outside(value, lines) for value in values]
    close = [is_close(value, lines) and not out for value, out in zip(values, outside, strict=True)]
    return RuleFlags(
        sides=sides,
        outside=outside,
        trend=trend_points(values),
        two_of_three=two_of_three_points(sides, close),
        shift=shift_points(sides),
    )


def point_verdict(
    i: int, values: Sequence[float | None], flags: RuleFlags, direction: Direction
) -> PointResult:
    if values[i] is None:
        return COMMON
    fired = (flags.outside[i], flags.trend[i], flags.two_of_three[i], flags.shift[i])
    if not any(fired):
        return COMMON
    return PointResult(
        outside_limits=flags.outside[i],
        shift=flags.shift[i],
        trend=flags.trend[i],
        two_of_three=flags.two_of_three[i],
        special_cause=True,
        variation=variation_of(special_cause_side(i, values, flags), direction),
    )


def xmr_lines(baseline: Sequence[float | None]) -> Lines:
    centre = mean(present(baseline))
    average_range = screened_average(moving_ranges(baseline))
    if centre is None or average_range is None:
        return Lines(centre, None, None, None, None)
    return Lines(
        centre,
        finite_or_none(centre - LIMIT * average_range),
        finite_or_none(centre + LIMIT * average_range),
        finite_or_none(centre - CLOSE * average_range),
        finite_or_none(centre + CLOSE * average_range),
    )


def is_outside(value: float | None, lines: Lines) -> bool:
    if value is None or lines.lower is None or lines.upper is None:
        return False
    return value > lines.upper or value < lines.lower


def is_close(value: float | None, lines: Lines) -> bool:
    """Strictly beyond a 2-sigma line; the caller rules out points beyond the limits, so a
    point exactly on a limit is still close."""
    if value is None or lines.close_lower is None or lines.close_upper is None:
        return False
    return value > lines.close_upper or value < lines.close_lower


def trend_points(values: Sequence[float | None]) -> list[bool]:
    """Every point of 7 in a row each strictly above (or each strictly below) the one
    before; a tie or a missing value breaks the run."""
    flagged = [False] * len(values)
    for start in range(len(values) - RUN_LENGTH + 1):
        window = [value for value in values[start : start + RUN_LENGTH] if value is not None]
        if len(window) < RUN_LENGTH:
            continue
        steps = {sign(later - earlier) for earlier, later in pairwise(window)}
        if steps in ({1}, {-1}):
            flagged[start : start + RUN_LENGTH] = [True] * RUN_LENGTH
    return flagged


def shift_points(sides: Sequence[int | None]) -> list[bool]:
    """Every point of 7 in a row on one side of the mean; a point on the mean or a
    missing value breaks the run."""
    flagged = [False] * len(sides)
    for start in range(len(sides) - RUN_LENGTH + 1):
        window = set(sides[start : start + RUN_LENGTH])
        if window in ({1}, {-1}):
            flagged[start : start + RUN_LENGTH] = [True] * RUN_LENGTH
    return flagged


def two_of_three_points(sides: Sequence[int | None], close: Sequence[bool]) -> list[bool]:
    """The close points of any 3 in a row that are all on one side of the mean and hold at
    least 2 close points. Only the close points are flagged, as the reference does."""
    flagged = [False] * len(sides)
    for start in range(len(sides) - WINDOW + 1):
        span = range(start, start + WINDOW)
        if {sides[i] for i in span} not in ({1}, {-1}):
            continue
        if sum(close[i] for i in span) >= 2:
            for i in span:
                flagged[i] = flagged[i] or close[i]
    return flagged


def special_cause_side(i: int, values: Sequence[float | None], flags: RuleFlags) -> int:
    """+1 for a high special cause, -1 for a low one, decided by the first rule that
    applies: a trend by its direction, every other rule by the side of the mean."""
    if flags.trend[i] and not flags.outside[i]:
        return trend_direction(i, values, flags.trend)
    return 1 if (flags.sides[i] or 0) > 0 else -1


def trend_direction(i: int, values: Sequence[float | None], trend: Sequence[bool]) -> int:
    """The reference reads a trend point's direction from its step to the next point when
    that point is in a trend too, otherwise from its step from the previous point; any
    step that is not a rise counts as falling (so a tie where two trends meet reads as
    falling, as it does in NHSRplotthedots)."""
    if i + 1 < len(values) and trend[i + 1]:
        step = _step(values[i], values[i + 1])
    elif i > 0:
        step = _step(values[i - 1], values[i])
    else:
        step = 0
    return 1 if step > 0 else -1


def _step(earlier: float | None, later: float | None) -> int:
    if earlier is None or later is None:
        return 0
    return sign(later - earlier)
