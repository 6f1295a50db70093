"""Where a measure should be by a date, and whether it is there.

A trajectory is a baseline and dated targets, for example 31% on 30 June 2019, then 50% by
30 September 2020, 75% by 30 September 2021 and 90% by 30 September 2022. Between two
points the expected value is the straight line joining them (by calendar days); after the
last target it is the last target; before the baseline nothing is expected.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    NEUTRAL = "neutral"


class Status(StrEnum):
    ON_TRACK = "on-track"
    OFF_TRACK = "off-track"
    ACHIEVED = "achieved"
    NOT_ENOUGH_DATA = "not-enough-data"


@dataclass(frozen=True)
class Point:
    when: dt.date
    value: float


def expected_at(points: Sequence[Point], when: dt.date) -> float | None:
    """The trajectory's value on `when`; `points` are the baseline then the targets."""
    ordered = sorted(points, key=lambda p: p.when)
    if not ordered or when < ordered[0].when:
        return None
    for before, after in itertools.pairwise(ordered):
        if before.when <= when <= after.when:
            if when == after.when:
                return after.value
            share = (when - before.when).days / (after.when - before.when).days
            return before.value + share * (after.value - before.value)
    return ordered[-1].value


def better_or_equal(value: float, than: float, direction: Direction) -> bool:
    return value >= than if direction is Direction.INCREASE else value <= than


def status(
    *,
    direction: Direction,
    baseline: Point | None,
    targets: Sequence[Point],
    latest: Point | None,
) -> Status:
    """The measure's latest value against its trajectory. A neutral measure has no better
    direction, so no value can be ahead of or behind a target: it is never judged."""
    if latest is None or not targets or direction is Direction.NEUTRAL:
        return Status.NOT_ENOUGH_DATA
    final = max(targets, key=lambda p: p.when)
    if better_or_equal(latest.value, final.value, direction):
        return Status.ACHIEVED
    points = [*([baseline] if baseline else []), *targets]
    expected = expected_at(points, latest.when)
    if expected is None:
        return Status.NOT_ENOUGH_DATA
    if better_or_equal(latest.value, expected, direction):
        return Status.ON_TRACK
    return Status.OFF_TRACK


def next_target(targets: Sequence[Point], after: dt.date) -> Point | None:
    """The first target dated after `after`."""
    later = sorted((t for t in targets if t.when > after), key=lambda p: p.when)
    return later[0] if later else None
