"""Looked-after children: when they come into care and leave it, the placements in between,
and what follows from those (health assessments, looked-after reviews, school attendance,
care leavers).

The population is a steady state: children enter care as a Poisson process from 26 years
before the history year (long enough for anyone who could be looked after in the span, or be
a care leaver under 26 in it, to have entered), at a rate calibrated so that about `size` are
looked after on any day."""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass, field

from trellis.casedata.synthetic.calendar import (
    REFERENCE_DAY,
    YEAR,
    AgeSampler,
    Picker,
    Span,
    arrivals,
    between,
    birthday,
    birthdays,
    day_of,
    years_days,
)
from trellis.casedata.synthetic.people import People
from trellis.casedata.synthetic.profiles import PLACEMENT_TYPES, Profile
from trellis.casedata.synthetic.protection import LINKED_AHEAD, linked_registration

# Age on entering care: many babies (a tenth in their first month), then fewer with age.
ENTRY_AGE = AgeSampler(
    (
        (1, 30, 0.10),
        (31, 364, 0.09),
        (*years_days(1, 5), 0.21),
        (*years_days(5, 12), 0.30),
        (*years_days(12, 16), 0.26),
        (*years_days(16, 18), 0.04),
    )
)
SHORT_STAY, SHORT_MEAN, LONG_MEAN = 0.30, 90.0, 6 * YEAR  # a care period's length in days
REENTRY, REENTRY_GAP = 0.12, 300.0  # chance of coming back into care before 16, and when
FIRST_MOVE, LATER_MOVE = 450.0, 1200.0  # mean days in a first placement, in later ones
# The mean of sample_care_days (400,000 draws; a test keeps it true): entering care at
# size / MEAN_CARE_DAYS children a day keeps about `size` looked after.
MEAN_CARE_DAYS = 1264.0
YOUNG = 5 * YEAR  # under 5 at placement: never residential
# Chance of an out-of-area and of an unknown placement area, by placement type.
AREA = {
    "home": Picker(("in_area", "out_of_area", "unknown"), (0.97, 0.02, 0.01)),
    "kinship": Picker(("in_area", "out_of_area", "unknown"), (0.90, 0.08, 0.02)),
    "foster": Picker(("in_area", "out_of_area", "unknown"), (0.88, 0.10, 0.02)),
    "residential": Picker(("in_area", "out_of_area", "unknown"), (0.63, 0.35, 0.02)),
    "community_other": Picker(("in_area", "out_of_area", "unknown"), (0.82, 0.15, 0.03)),
}
# Mean attendance by placement on 31 July: lowest at home, catching up a point a year.
ATTENDANCE = {"home": 0.845, "kinship": 0.92, "foster": 0.935, "residential": 0.885}
ATTENDANCE_OTHER, HOME_CATCH_UP, SECONDARY_DIP = 0.90, 0.01, 0.03
FULL_YEAR_SESSIONS = 380  # 190 school days, two sessions each


@dataclass(slots=True)
class Child:
    person: int
    dob: int
    sixteen: int  # the 16th birthday: leaving care on or after it makes a care leaver
    periods: list[tuple[int, int]]  # [start, end) of each continuous time in care
    episodes: list[tuple[int, int, str, str]] = field(
        default_factory=list
    )  # start, end, type, area


@dataclass
class Care:
    """The rows made so far, as tuples in the column order of output.TABLES."""

    children: list[Child] = field(default_factory=list)
    episodes: list[tuple[int, int, int | None, str, str]] = field(default_factory=list)
    health: list[tuple[int, int, int | None]] = field(default_factory=list)
    reviews: list[tuple[int, int, str]] = field(default_factory=list)
    attendance: list[tuple[int, str, int, int]] = field(default_factory=list)
    leavers: list[tuple[int, int, int]] = field(default_factory=list)  # person, dob, day left
    registrations: list[tuple[int, int, int]] = field(default_factory=list)  # person, start, end


def care_days(rng: random.Random) -> int:
    """One stay's length: a short stay of weeks or months, or a long one of years."""
    mean = SHORT_MEAN if rng.random() < SHORT_STAY else LONG_MEAN
    return 1 + int(rng.expovariate(1 / mean))


def care_periods(rng: random.Random, entry: int, sixteen: int, adult: int) -> list[tuple[int, int]]:
    """A child's times in care from `entry`: up to three, none past the 18th birthday
    (`adult`); only a child who left before 16 comes back."""
    periods: list[tuple[int, int]] = []
    start = entry
    while start < adult:
        end = min(start + care_days(rng), adult)
        periods.append((start, end))
        if end >= sixteen or len(periods) == 3 or rng.random() >= REENTRY:
            break
        start = end + 30 + int(rng.expovariate(1 / REENTRY_GAP))
    return periods


def sample_care_days(rng: random.Random) -> int:
    """Days in care, summed over every stay, of one child entering care at a random age."""
    dob = REFERENCE_DAY - ENTRY_AGE(rng)
    periods = care_periods(rng, REFERENCE_DAY, *birthdays(dob, 16, 18))
    return sum(end - start for start, end in periods)


def simulate_care(
    rng: random.Random, span: Span, profile: Profile, people: People, size: int
) -> Care:
    """Children looked after in the span with their whole care history; care leavers who left
    before the span and are under 26 in its history year; and the registrations of children
    who were on the child protection register before coming into care (some come into care
    after the extract date, and are only on the register in the extract)."""
    rate = size / MEAN_CARE_DAYS
    care = Care()
    oldest = span.history - round(26 * YEAR) - 2  # born before: 26 before the history year
    for entry in arrivals(rng, rate, oldest, span.last + LINKED_AHEAD):
        dob = entry - ENTRY_AGE(rng)
        if dob < oldest:
            continue
        sixteen, adult = birthdays(dob, 16, 18)
        periods = [p for p in care_periods(rng, entry, sixteen, adult) if p[0] <= span.last]
        registration = linked_registration(rng, span, entry, dob, adult)
        in_span = bool(periods) and periods[-1][1] > span.first
        leaver = bool(periods) and not in_span and periods[-1][1] >= sixteen
        if leaver and birthday(dob, 26) <= span.history:
            leaver = False
        if not (in_span or leaver or registration):
            continue
        person = people.add(rng, dob)
        if in_span:
            care.children.append(Child(person, dob, sixteen, periods))
        if leaver:
            care.leavers.append((person, dob, periods[-1][1]))
        if registration:
            care.registrations.append((person, *registration))
    place_children(rng, span, profile, care.children)
    for child in care.children:
        record_child(rng, span, child, care)
    return care


def place_children(rng: random.Random, span: Span, profile: Profile, children: list[Child]) -> None:
    """Split each stay into placements and choose each placement's type and area. Under-5s are
    never placed in residential care; older children make up for it, so the balance of care
    over the span matches the profile."""
    moves: list[tuple[Child, int, int, bool]] = []
    days = {True: 0, False: 0}  # days in the span of placements of under-5s, of the others
    for child in children:
        for start, end in child.periods:
            for move_start, move_end in placement_moves(rng, start, end, span.last):
                young = move_start - child.dob < YOUNG
                moves.append((child, move_start, move_end, young))
                days[young] += span.overlap(move_start, move_end)
    pickers = type_pickers(profile, days[True] / max(1, days[True] + days[False]))
    for child, start, end, young in moves:
        kind = pickers[young](rng)
        child.episodes.append((start, end, kind, AREA[kind](rng)))


def placement_moves(rng: random.Random, start: int, end: int, last: int) -> list[tuple[int, int]]:
    """The placements of one stay: moves come sooner in the first placement than later; the
    last placement is never under a week; none starts after the extract date."""
    moves: list[tuple[int, int]] = []
    mean = FIRST_MOVE
    while True:
        step = 1 + int(rng.expovariate(1 / mean))
        if start + step >= end - 7 or start + step > last:
            moves.append((start, end))
            return moves
        moves.append((start, start + step))
        start, mean = start + step, LATER_MOVE


def type_pickers(profile: Profile, young_share: float) -> dict[bool, Picker]:
    """Placement-type draws for under-5s (True: no residential) and for older children
    (False), weighted so that together they give the profile's shares."""
    shares = profile.balance
    young = {k: 0.0 if k == "residential" else shares[k] for k in PLACEMENT_TYPES}
    total = sum(young.values())
    young = {k: v / total for k, v in young.items()}
    old = {k: max(0.0, shares[k] - young_share * young[k]) for k in PLACEMENT_TYPES}
    return {
        True: Picker(PLACEMENT_TYPES, [young[k] for k in PLACEMENT_TYPES]),
        False: Picker(PLACEMENT_TYPES, [old[k] for k in PLACEMENT_TYPES]),
    }


def record_child(rng: random.Random, span: Span, child: Child, care: Care) -> None:
    """The child's rows: episodes (open when they run past the extract date), a health
    assessment and reviews per stay, attendance, and a care leaver's row."""
    for start, end, kind, area in child.episodes:
        if start <= span.last:
            care.episodes.append(
                (child.person, start, end if end <= span.last else None, kind, area)
            )
    for start, end in child.periods:
        if start >= span.first:
            care.health.append((child.person, start, health_assessment(rng, span, start, end)))
        stop = min(end, span.last + 1)
        for review in looked_after_reviews(rng, start, stop, span.history):
            care.reviews.append((child.person, review, "looked_after"))
    for school_year in school_years(span):
        record_attendance(rng, school_year, child, care)
    left = child.periods[-1][1]
    if child.sixteen <= left <= span.last:
        care.leavers.append((child.person, child.dob, left))


def health_assessment(rng: random.Random, span: Span, start: int, end: int) -> int | None:
    """The day of the initial health assessment, or None while not done. The share done within
    28 days climbs through the span (about 35% in the first year, 70% in the last of four)."""
    on_time = 0.29 + 0.47 * span.progress(start)
    if rng.random() < on_time:
        done = start + between(rng, 3, 28)
    else:
        done = start + 29 + int(rng.expovariate(1 / 45))
        if done >= end and rng.random() < 0.5:
            return None  # went home before it was done, and it never was
    return done if done <= span.last else None


def looked_after_reviews(rng: random.Random, start: int, stop: int, since: int) -> list[int]:
    """Review days from `since` of a stay [start, stop): within six weeks, at about three
    months, then about every six months."""
    days: list[int] = []
    day = start + between(rng, 14, 42)
    if day < stop:
        days.append(day)
        day += between(rng, 75, 105)
    if day < since - 400:  # years before `since`: skip whole half-years at once
        day += (since - 400 - day) // 170 * 170
    while day < stop:
        days.append(day)
        day += between(rng, 150, 190)
    return [day for day in days if day >= since]


@dataclass(frozen=True)
class SchoolYear:
    """An academic year, 1 August to 31 July, and the latest birth dates of the ages that
    matter on its first day (a child is at least `a` on 1 August when born on or before
    `born_by[a]`)."""

    label: str
    index: int  # 0 for the year ending in the span's first year
    first: int
    last: int
    born_by: dict[int, int]


@functools.cache
def school_years(span: Span) -> tuple[SchoolYear, ...]:
    """The academic years that end in the span."""
    return tuple(
        SchoolYear(
            label=f"{year - 1}/{year % 100:02d}",
            index=year - span.start_year,
            first=day_of(dt.date(year - 1, 8, 1)),
            last=day_of(dt.date(year, 7, 31)),
            born_by={age: day_of(dt.date(year - 1 - age, 8, 1)) for age in (5, 12, 16, 17)},
        )
        for year in range(span.start_year, span.start_year + span.years)
    )


def record_attendance(rng: random.Random, year: SchoolYear, child: Child, care: Care) -> None:
    """A row for a year in which the child was looked after and of school age (5 to 15 on
    1 August; half of the 16-year-olds stay on)."""
    born_by, dob = year.born_by, child.dob
    if not born_by[17] < dob <= born_by[5]:
        return
    if not any(s <= year.last and e > year.first for s, e in child.periods):
        return
    if dob <= born_by[16] and rng.random() < 0.5:
        return
    kind = placement_at(child, year.first, year.last)
    mean = ATTENDANCE.get(kind, ATTENDANCE_OTHER) - SECONDARY_DIP * (dob <= born_by[12])
    if kind == "home":
        mean += HOME_CATCH_UP * year.index
    possible = FULL_YEAR_SESSIONS
    if rng.random() < 0.2:  # changed school or started mid-year
        possible = int(FULL_YEAR_SESSIONS * rng.uniform(0.25, 0.95))
    # Most attend nearly every session and a few far fewer: absence is exponential around
    # the mean (cheaper to draw than a beta, and as skewed).
    rate = max(0.2, 1 - (1 - mean) * rng.expovariate(1))
    care.attendance.append((child.person, year.label, possible, round(possible * rate)))


def placement_at(child: Child, first: int, last: int) -> str:
    """The placement type on `last` (31 July), or else the last one during [first, last]."""
    kind = ""
    for start, end, episode_kind, _ in child.episodes:
        if start <= last and end > first:
            kind = episode_kind
    return kind
