"""Short breaks for disabled children (who are not looked after) and the reviews of their
plans: about one child on short breaks for every ten looked after (60 for the default)."""

from __future__ import annotations

import random

from trellis.casedata.synthetic.calendar import (
    REFERENCE_DAY,
    YEAR,
    AgeSampler,
    Span,
    arrivals,
    between,
    birthday,
    years_days,
)
from trellis.casedata.synthetic.people import SEX_DISABLED, People

BREAKS_PER_LAC = 60 / 600
START_AGE = AgeSampler(
    ((*years_days(2, 5), 0.20), (*years_days(5, 12), 0.50), (*years_days(12, 16), 0.30))
)
SERVICE_MEAN = 5 * YEAR
MEAN_SERVICE_DAYS = 1469.0  # the mean of sample_service_days (a test keeps it true)
# Chance that a review comes late (more than a year after the last): falls through the span.
LATE_FIRST, LATE_LAST = 0.45, 0.10


def service(rng: random.Random, start: int, dob: int) -> tuple[int, int]:
    """A service [start, end): years long, ending by the 18th birthday (adult services)."""
    return start, min(start + 90 + int(rng.expovariate(1 / SERVICE_MEAN)), birthday(dob, 18))


def sample_service_days(rng: random.Random) -> int:
    start, end = service(rng, REFERENCE_DAY, REFERENCE_DAY - START_AGE(rng))
    return end - start


def simulate_breaks(
    rng: random.Random, span: Span, people: People, size: int
) -> tuple[list[tuple[int, int, int | None]], list[tuple[int, int, str]]]:
    """Services (person, start, end or None) running in or after the history year, and their
    reviews (person, day, "short_break") from the history year on."""
    services: list[tuple[int, int, int | None]] = []
    reviews: list[tuple[int, int, str]] = []
    rate = BREAKS_PER_LAC * size / MEAN_SERVICE_DAYS
    for start in arrivals(rng, rate, span.history - 16 * YEAR, span.last):
        dob = start - START_AGE(rng)
        start, end = service(rng, start, dob)
        if end <= span.history:
            continue
        person = people.add(rng, dob, SEX_DISABLED)
        services.append((person, start, end if end <= span.last else None))
        stop = min(end, span.last + 1)
        reviews.extend(
            (person, day, "short_break")
            for day in plan_reviews(rng, span, start, stop)
            if day >= span.history
        )
    return services, reviews


def plan_reviews(rng: random.Random, span: Span, start: int, stop: int) -> list[int]:
    """Review days while the service runs: the first within three months, then yearly, some
    late (fewer as the span goes on)."""
    days: list[int] = []
    day = start + between(rng, 20, 90)
    while day < stop:
        days.append(day)
        late = LATE_FIRST + (LATE_LAST - LATE_FIRST) * span.progress(day)
        day += between(rng, 366, 600) if rng.random() < late else between(rng, 270, 365)
    return days
