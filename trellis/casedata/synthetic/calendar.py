"""Days as integers (days since 1970-01-01, as DuckDB and Arrow count them), the span of an
extract, birthdays and the small sampling helpers every part of the generator shares."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

EPOCH = dt.date(1970, 1, 1).toordinal()
YEAR = 365.25
REFERENCE_DAY = dt.date(2000, 1, 1).toordinal() - EPOCH  # any day will do to sample lengths


def day_of(date: dt.date) -> int:
    return date.toordinal() - EPOCH


def date_of(day: int) -> dt.date:
    return dt.date.fromordinal(day + EPOCH)


def birthday(dob: int, years: int) -> int:
    """The day a person born on `dob` turns `years` (29 February: 1 March in other years)."""
    return birthday_of(date_of(dob), years)


def birthdays(dob: int, *years: int) -> tuple[int, ...]:
    """The days a person born on `dob` turns each of `years`."""
    born = date_of(dob)
    return tuple(birthday_of(born, n) for n in years)


def birthday_of(born: dt.date, years: int) -> int:
    try:
        return day_of(born.replace(year=born.year + years))
    except ValueError:
        return day_of(dt.date(born.year + years, 3, 1))


def extract_date_for(start: int, years: int) -> dt.date:
    """The extract date of a generated extract: the last day of its span."""
    return dt.date(start + years - 1, 12, 31)


@dataclass(frozen=True)
class Span:
    """The generated span, 1 January of `start_year` to the extract date, as day numbers, and
    the history before it that measures look back on (`history`: 365 days before `first`)."""

    start_year: int
    years: int
    first: int = field(init=False)
    last: int = field(init=False)
    history: int = field(init=False)
    days: int = field(init=False)

    def __post_init__(self) -> None:
        first = day_of(dt.date(self.start_year, 1, 1))
        last = day_of(extract_date_for(self.start_year, self.years))
        object.__setattr__(self, "first", first)
        object.__setattr__(self, "last", last)
        object.__setattr__(self, "history", first - 365)
        object.__setattr__(self, "days", last - first + 1)

    def progress(self, day: int) -> float:
        """How far through the span `day` is: 0 on the first day, 1 on the last, clamped."""
        return min(1.0, max(0.0, (day - self.first) / max(1, self.days - 1)))

    def overlap(self, start: int, end: int) -> int:
        """Days of [start, end) inside the span."""
        return max(0, min(end, self.last + 1) - max(start, self.first))


class Picker:
    """Draws one of `values` with the given weights, by one uniform draw."""

    def __init__(self, values: Sequence[str], weights: Sequence[float]) -> None:
        total = float(sum(weights))
        self.values = list(values)
        self.cumulative = [w / total for w in itertools.accumulate(weights)]

    def __call__(self, rng: random.Random) -> str:
        index = bisect.bisect_right(self.cumulative, rng.random())
        return self.values[min(index, len(self.values) - 1)]


class AgeSampler:
    """Draws an age in days from bands of (first day, last day, weight)."""

    def __init__(self, bands: Sequence[tuple[int, int, float]]) -> None:
        self.bands = [(lo, hi) for lo, hi, _ in bands]
        total = float(sum(w for _, _, w in bands))
        self.cumulative = [w / total for w in itertools.accumulate(w for *_, w in bands)]

    def __call__(self, rng: random.Random) -> int:
        index = min(bisect.bisect_right(self.cumulative, rng.random()), len(self.bands) - 1)
        lo, hi = self.bands[index]
        return lo + int(rng.random() * (hi - lo + 1))


def years_days(first: float, last: float) -> tuple[int, int]:
    """The days from age `first` to just before age `last`, as a band for AgeSampler."""
    return round(first * YEAR), round(last * YEAR) - 1


def arrivals(rng: random.Random, rate: float, first: float, last: int) -> Iterator[int]:
    """The days of a Poisson process of `rate` arrivals a day, from day `first` to `last`."""
    t = first
    while rate > 0:
        t += rng.expovariate(rate)
        if t >= last + 1:
            return
        yield int(t)


def between(rng: random.Random, lo: int, hi: int) -> int:
    """A whole number from lo to hi inclusive (rng.randint without its checks, for speed)."""
    return lo + int(rng.random() * (hi - lo + 1))
