"""What an analysis answers: lines at every position, runs per phase, a verdict per point."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Variation = Literal["common", "improvement", "concern", "neither"]


@dataclass(frozen=True)
class RunsResult:
    """The Anhøj runs analysis of one phase. The figures are None when the phase has no
    useful point (every value missing or on the centre line)."""

    n_useful: int
    longest_run: int | None
    longest_run_max: int | None
    n_crossings: int | None
    n_crossings_min: int | None
    signal: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "n_useful": self.n_useful,
            "longest_run": self.longest_run,
            "longest_run_max": self.longest_run_max,
            "n_crossings": self.n_crossings,
            "n_crossings_min": self.n_crossings_min,
            "signal": self.signal,
        }


@dataclass(frozen=True)
class PointResult:
    outside_limits: bool = False
    shift: bool = False
    trend: bool = False
    two_of_three: bool = False
    special_cause: bool = False
    variation: Variation = "common"

    def to_json(self) -> dict[str, Any]:
        return {
            "outside_limits": self.outside_limits,
            "shift": self.shift,
            "trend": self.trend,
            "two_of_three": self.two_of_three,
            "special_cause": self.special_cause,
            "variation": self.variation,
        }


COMMON = PointResult()

# Below these counts Trellis words a verdict as "not enough data" (docs/spc.md); the
# statistics themselves are computed exactly as the references compute them.
MIN_USEFUL_FOR_RUNS = 10
MIN_BASELINE_FOR_LIMITS = 12


@dataclass(frozen=True)
class PhaseSummary:
    """Where a phase sits and how much data its lines rest on.

    `start` is the phase's first position (1-based) and `length` its number of
    positions. `baseline_points` counts the baseline values its centre and limits came
    from: missing values, and for a p chart zero denominators, are not counted."""

    start: int
    length: int
    baseline_points: int

    @property
    def limits_are_settled(self) -> bool:
        return self.baseline_points >= MIN_BASELINE_FOR_LIMITS


@dataclass(frozen=True)
class SpcResult:
    """Lines and verdicts, one entry per position of the request's values.

    `plotted` is what a chart plots at each position: the value itself, or for a p chart
    the proportion (None for a missing value or a zero denominator). `phases` says where
    each phase starts and how many baseline points its lines rest on. Neither is part of
    the JSON result, which keeps the command-line contract.
    """

    centre: list[float | None]
    lower: list[float | None]
    upper: list[float | None]
    runs: list[RunsResult]
    points: list[PointResult]
    plotted: list[float | None]
    phases: list[PhaseSummary]

    def to_json(self) -> dict[str, Any]:
        return {
            "centre": list(self.centre),
            "lower": list(self.lower),
            "upper": list(self.upper),
            "runs": [runs.to_json() for runs in self.runs],
            "points": [point.to_json() for point in self.points],
        }
