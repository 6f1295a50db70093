"""What one phase's analysis hands back, and how a special cause is labelled."""

from __future__ import annotations

from dataclasses import dataclass

from trellis.core.spc.request import Direction
from trellis.core.spc.result import PointResult, RunsResult, Variation


@dataclass(frozen=True)
class PhaseOutcome:
    centre: float | None
    lower: list[float | None]
    upper: list[float | None]
    points: list[PointResult]
    runs: RunsResult | None
    plotted: list[float | None]


def variation_of(side: int, direction: Direction) -> Variation:
    """A special cause on the high (`side` > 0) or low side, read against the direction
    of improvement; with `neutral` neither side is better."""
    if direction == "neutral":
        return "neither"
    high_is_good = direction == "increase"
    return "improvement" if (side > 0) == high_is_good else "concern"
