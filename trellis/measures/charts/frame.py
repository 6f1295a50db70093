"""Where the plot sits in the picture and how dates and values map onto it."""

from __future__ import annotations

import datetime
import itertools
import math
import statistics
from dataclasses import dataclass

from .model import Chart
from .text import PERCENT, format_number, text_width

TICK_GAP = 8  # between a y tick label and the plot
X_LABELS_HEIGHT = 42  # two lines of period labels under the axis
TOP_BAND = 22  # the unit label and the notes' labels, above the plot


@dataclass(frozen=True)
class Frame:
    width: int
    height: int
    left: float  # the plot's edges, in picture coordinates
    top: float
    right: float
    bottom: float
    first_day: int  # the x domain, as proleptic ordinals
    last_day: int
    ticks: tuple[float, ...]  # y ticks, lowest first; the y domain is first to last

    def x(self, day: datetime.date) -> float:
        share = (day.toordinal() - self.first_day) / (self.last_day - self.first_day)
        return self.left + share * (self.right - self.left)

    def y(self, value: float) -> float:
        low, high = self.ticks[0], self.ticks[-1]
        return self.bottom - (value - low) / (high - low) * (self.bottom - self.top)

    def holds(self, day: datetime.date) -> bool:
        return self.first_day <= day.toordinal() <= self.last_day


def make_frame(
    chart: Chart, width: int, height: int, *, top: float, right_margin: float
) -> Frame | None:
    """The frame for a chart, or None when there is nothing to draw."""
    days = x_extent(chart)
    if days is None:
        return None
    values = y_values(chart, days)
    if not values:
        return None
    ticks = tuple(y_ticks(min(values), max(values), chart.unit))
    left = max(text_width(tick_label(tick, ticks, chart.unit), 13) for tick in ticks) + TICK_GAP
    return Frame(
        width=width,
        height=height,
        left=max(left + 4, 36),
        top=top,
        right=width - right_margin,
        bottom=max(height - X_LABELS_HEIGHT, top + 40),
        first_day=days[0],
        last_day=days[1],
        ticks=ticks,
    )


def x_extent(chart: Chart) -> tuple[int, int] | None:
    """First and last day shown: every point and the trajectory, padded by half a period so
    markers clear the plot's edges. Comparators only set it when nothing else does."""
    days = [point.when.toordinal() for point in chart.points]
    days += [day.toordinal() for day, _value in chart.trajectory()]
    if not days:
        days = [
            day.toordinal() for comparator in chart.comparators for day, _v in comparator.values
        ]
    if not days:
        return None
    return min(days) - _half_period(chart), max(days) + _half_period(chart)


def _half_period(chart: Chart) -> int:
    days = sorted({point.when.toordinal() for point in chart.points})
    gaps = [later - earlier for earlier, later in itertools.pairwise(days)]
    return max(round(statistics.median(gaps) / 2), 1) if gaps else 45


def y_values(chart: Chart, days: tuple[int, int]) -> list[float]:
    """Every value that will be drawn, so that nothing falls outside the plot."""
    values: list[float] = []
    for point in chart.points:
        for value in (point.value, point.centre, point.lower, point.upper):
            if value is not None:
                values.append(value)
    values += [value for _day, value in chart.trajectory()]
    for comparator in chart.comparators:
        values += [v for day, v in comparator.values if days[0] <= day.toordinal() <= days[1]]
    return [value for value in values if math.isfinite(value)]


def y_ticks(low: float, high: float, unit: str) -> list[float]:
    """Round-number ticks covering low to high: about five, from zero when zero is near,
    never beyond 0–100 for percentages, never a zero-height range."""
    if low >= 0 and low <= high * 0.5:
        low = 0.0  # counts and rates read truer from zero when the data is not far from it
    if high - low < 1e-9:  # all values equal: centre them in a range of their own
        margin = max(abs(high) * 0.1, 1.0)
        low, high = (low - margin if low < 0 else max(low - margin, 0.0)), high + margin
    step = nice_step((high - low) / 4)
    start = math.floor(low / step + 1e-9) * step
    stop = math.ceil(high / step - 1e-9) * step
    if unit == PERCENT:
        start = max(start, 0.0) if low >= 0 else start
        stop = min(stop, 100.0) if high <= 100 else stop
    count = round((stop - start) / step)
    return [round(start + index * step, 10) for index in range(count + 1)]


def nice_step(rough: float) -> float:
    """The smallest of 1, 2, 2.5 and 5 times a power of ten at least `rough`."""
    power = 10 ** math.floor(math.log10(rough))
    for multiple in (1, 2, 2.5, 5, 10):
        if multiple * power >= rough - 1e-12:
            return multiple * power
    return 10 * power


def tick_label(value: float, ticks: tuple[float, ...], unit: str) -> str:
    """ "40%" for percentages, plain numbers otherwise (other units are named above the axis)."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    shown = format_number(value, _decimals_of(step))
    return f"{shown}%" if unit == PERCENT else shown


def _decimals_of(step: float) -> int:
    for decimals in range(7):
        scaled = step * 10**decimals
        if abs(scaled - round(scaled)) < 1e-6:
            return decimals
    return 6
