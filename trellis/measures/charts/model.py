"""What a chart is drawn from: plain, frozen dataclasses built by the caller (no ORM here)."""

from __future__ import annotations

import dataclasses
import datetime
import math
from dataclasses import dataclass

from trellis.core import trajectory


@dataclass(frozen=True)
class ChartPoint:
    label: str  # the period, e.g. "Q1 2020" or "Apr 2021"
    when: datetime.date  # the period's last day (x position)
    value: float | None  # None = missing (a gap in the line, not bridged)
    centre: float | None = None
    lower: float | None = None
    upper: float | None = None
    variation: str = "common"  # "common" | "improvement" | "concern" | "neither"
    provisional: bool = False
    suppressed: bool = False  # withheld by disclosure control: shown as the mark, not drawn


@dataclass(frozen=True)
class Target:
    when: datetime.date
    value: float


@dataclass(frozen=True)
class Annotation:
    when: datetime.date
    text: str
    process_change: bool = False  # a change in the process: limits are recalculated from here


@dataclass(frozen=True)
class Comparator:
    name: str  # "Scotland", "Family group"
    values: tuple[tuple[datetime.date, float], ...]


@dataclass(frozen=True)
class Chart:
    title: str
    unit: str  # "%" (values 0–100), "" for counts, or e.g. "days", "per 10,000"
    decimals: int  # decimals to show
    chart_kind: str  # "run" (centre = median), "i" or "p" (centre = mean, with limits)
    direction: str  # "increase" | "decrease" | "neutral" (which way is better)
    points: tuple[ChartPoint, ...]
    baseline: tuple[datetime.date, float] | None = None  # first point of the trajectory
    targets: tuple[Target, ...] = ()  # trajectory = straight lines baseline → targets
    annotations: tuple[Annotation, ...] = ()
    comparators: tuple[Comparator, ...] = ()
    runs_signal: bool = False  # the latest phase's runs analysis shows a shift / too few crossings
    status: str = "not-enough-data"  # "on-track" | "off-track" | "achieved" | "not-enough-data"
    expected_latest: float | None = None  # the trajectory's expected value at the latest point
    next_target: Target | None = None  # the next target after the latest point, if any
    # The latest phase's limits rest on this many points, fewer than the 12 that settle
    # them (docs/spc.md): drawn and named as trial limits. None when settled or absent.
    trial_limits: int | None = None
    # How many figures the latest phase's verdict rests on; below 10 the summary says the
    # verdict is early or not yet possible (docs/spc.md). None: not judged by length.
    phase_figures: int | None = None

    def valued_points(self) -> list[ChartPoint]:
        """The points that have a value, in the order given."""
        return [point for point in self.points if point.value is not None]

    def trajectory(self) -> list[tuple[datetime.date, float]]:
        """Baseline then each target, in date order: the corners of the trajectory line."""
        corners = [(target.when, target.value) for target in self.targets]
        if self.baseline is not None:
            corners.append(self.baseline)
        return sorted(corners)


def expected_at(chart: Chart, day: datetime.date) -> float | None:
    """The trajectory's value on `day` (trellis.core.trajectory's arithmetic)."""
    return trajectory.expected_at([trajectory.Point(*c) for c in chart.trajectory()], day)


def without_non_finite(chart: Chart) -> Chart:
    """The chart with NaN and infinite values treated as missing, so that a bad division
    upstream shows as a gap rather than breaking the drawing."""

    def finite(value: float | None) -> float | None:
        return value if value is not None and math.isfinite(value) else None

    points = tuple(
        dataclasses.replace(
            point,
            value=finite(point.value),
            centre=finite(point.centre),
            lower=finite(point.lower),
            upper=finite(point.upper),
        )
        for point in chart.points
    )
    return dataclasses.replace(chart, points=points)
