"""The child protection register: registrations of looked-after children (registered before
they came into care) and of children who never were, and the weekly contacts while
registered.

About `CP_PER_LAC` registered children per looked-after child on any day: for the default 600
looked after, about 140 on the register."""

from __future__ import annotations

import datetime as dt
import random

from trellis.casedata.synthetic.calendar import (
    REFERENCE_DAY,
    YEAR,
    AgeSampler,
    Span,
    arrivals,
    between,
    birthday,
    day_of,
    years_days,
)
from trellis.casedata.synthetic.people import People

CP_PER_LAC = 140 / 600
LINKED = 0.3  # chance a child coming into care was on the register first
LINKED_AHEAD, LINKED_AFTER = 300, 300  # registered at most so many days before, and after
MEAN_REGISTERED_DAYS = 300.0  # the mean of sample_registered_days (a test keeps it true)
REREGISTER, REREGISTER_SOON = 0.18, 0.7  # chance of a new registration, and of it within a year
FIRST_REGISTRATION_AGE = AgeSampler(
    (
        (1, 364, 0.20),
        (*years_days(1, 5), 0.28),
        (*years_days(5, 11), 0.30),
        (*years_days(11, 16), 0.19),
        (*years_days(16, 17.5), 0.03),
    )
)


def registrations(rng: random.Random, first: int, dob: int) -> list[tuple[int, int]]:
    """A child's registrations [start, end) from `first`: some children are registered again
    after deregistration, most of those within a year; none past 18."""
    adult = birthday(dob, 18)
    spells: list[tuple[int, int]] = []
    start = first
    while start < adult and len(spells) < 4:
        end = min(start + 30 + int(rng.expovariate(1 / 220)), adult)
        spells.append((start, end))
        if rng.random() >= REREGISTER:
            break
        soon = rng.random() < REREGISTER_SOON
        start = end + (between(rng, 0, 365) if soon else between(rng, 366, 1000))
    return spells


def sample_registered_days(rng: random.Random) -> int:
    """Days registered, over all registrations, of one child first registered at random age."""
    dob = REFERENCE_DAY - FIRST_REGISTRATION_AGE(rng)
    return sum(end - start for start, end in registrations(rng, REFERENCE_DAY, dob))


def simulate_register(
    rng: random.Random, span: Span, people: People, linked: list[tuple[int, int, int]], size: int
) -> list[tuple[int, int, int | None]]:
    """Registrations (person, registration day, deregistration day or None) that end in or
    after the history year, so that every re-registration in the span can see the one before:
    the `linked` ones of children coming into care, then enough of children who never are to
    keep about CP_PER_LAC * size on the register."""
    rows = [row(person, start, end, span) for person, start, end in linked]
    linked_days = sum(span.overlap(start, end) for _, start, end in linked)
    wanted = max(0.0, CP_PER_LAC * size * span.days - linked_days)
    rate = wanted / (MEAN_REGISTERED_DAYS * span.days)
    for first in arrivals(rng, rate, span.history - 6 * YEAR, span.last):
        dob = first - FIRST_REGISTRATION_AGE(rng)
        spells = [
            (start, end)
            for start, end in registrations(rng, first, dob)
            if end >= span.history and start <= span.last
        ]
        if spells:
            person = people.add(rng, dob)
            rows.extend(row(person, start, end, span) for start, end in spells)
    return rows


def linked_registration(
    rng: random.Random, span: Span, entry: int, dob: int, adult: int
) -> tuple[int, int] | None:
    """For some children coming into care: a registration from some weeks or months before
    `entry` to some weeks or months after it, kept when it reaches the history year or later
    and starts by the extract date."""
    if entry < span.history - LINKED_AFTER or rng.random() >= LINKED:
        return None
    start = max(dob, entry - between(rng, 14, LINKED_AHEAD))
    end = min(entry + between(rng, 30, LINKED_AFTER), adult)
    if end < span.history or start > span.last or end <= start:
        return None
    return start, end


def row(person: int, start: int, end: int, span: Span) -> tuple[int, int, int | None]:
    return person, start, end if end <= span.last else None


# Contacts: one row a contact, expanded from the registrations by DuckDB. A week of a
# registration gets a face-to-face visit with chance `p` (rising through the span from 92% to
# 95%; 89% in the 2020 lockdown), otherwise half the time a call or video call; a fifth of
# weeks get a second contact. Randomness is a hash of the seed, registration and week, cut
# into 20-bit uniforms, so the rows do not depend on DuckDB's threads.
LOCKDOWN = (day_of(dt.date(2020, 3, 23)), day_of(dt.date(2020, 7, 31)))

CONTACTS_SQL = """
WITH registrations AS (
    SELECT person, first_day, stop, first_day - ((first_day + 3) % 7 + 7) % 7 AS monday,
           row_number() OVER (ORDER BY person, first_day) AS reg
    FROM cp_spells
),
weeks AS (
    SELECT person, reg, first_day, stop, unnest(range(monday, stop, 7)) AS week
    FROM registrations
),
draws AS (
    SELECT person, greatest(week, first_day) AS lo,
           least(week + 7, stop) - greatest(week, first_day) AS n,
           CASE WHEN week BETWEEN $lockdown_from AND $lockdown_to THEN 0.89
                ELSE 0.92 + 0.03 * least(1, greatest(0, (week - $first) / $days)) END AS p,
           hash($seed, reg, week) AS h1, hash($seed, reg, week, 1) AS h2
    FROM weeks
),
contacts AS (
    SELECT person, lo + (h2 & 4294967295) % n AS day1, lo + (h2 >> 32) % n AS day2,
           CASE WHEN (h1 & 1048575) < p * 1048576 THEN 'face_to_face'
                WHEN ((h1 >> 20) & 1048575) < 0.25 * 1048576 THEN 'virtual'
                WHEN ((h1 >> 20) & 1048575) < 0.5 * 1048576 THEN 'phone' END AS type1,
           CASE WHEN (h1 >> 44) < 0.12 * 1048576 THEN 'face_to_face'
                WHEN (h1 >> 44) < 0.16 * 1048576 THEN 'virtual'
                WHEN (h1 >> 44) < 0.2 * 1048576 THEN 'phone' END AS type2
    FROM draws
)
SELECT person, DATE '1970-01-01' + day::INTEGER AS contact_date, contact_type,
       -- the order of a child's rows (date, then type) as one number, which sorts fastest
       day * 4 + CASE contact_type WHEN 'face_to_face' THEN 0 WHEN 'phone' THEN 1 ELSE 2 END
           AS sort_key
FROM (
    SELECT person, day1 AS day, type1 AS contact_type FROM contacts WHERE type1 IS NOT NULL
    UNION ALL
    SELECT person, day2, type2 FROM contacts
    WHERE type2 IS NOT NULL AND (type1 IS NULL OR day2 <> day1 OR type2 <> type1)
)
"""
