"""Contacts with care leavers, from the day they left care (or the history year) until 26 or
the extract date. In a quarter most are in touch (fewer as they grow older, a little more as the
span goes on; a tenth drift away), once or a few times, and each quarter's contacts record
whether the young person is in education, employment or training (Y, N or U for unknown).

The rows are expanded by DuckDB from one row a care leaver (`leaver_spans`); randomness is a
hash of the seed, the care leaver and the quarter, so the result does not depend on threads."""

from __future__ import annotations

from trellis.casedata.synthetic.calendar import Span, birthday, date_of


def quarter_index(day: int) -> int:
    date = date_of(day)
    return date.year * 4 + (date.month - 1) // 3


def leaver_spans(span: Span, leavers: list[tuple[int, int, int]]) -> list[tuple[int, ...]]:
    """Per care leaver: person, a number, the days [from, until) contacts may fall on, the
    quarters those run over, and the 18th and 21st birthdays (for age-dependent chances)."""
    rows: list[tuple[int, ...]] = []
    for number, (person, dob, left) in enumerate(sorted(leavers)):
        since, until = max(left, span.history), min(birthday(dob, 26), span.last + 1)
        if since < until:
            quarters = quarter_index(since), quarter_index(until - 1)
            rows.append(
                (person, number, since, until, *quarters, birthday(dob, 18), birthday(dob, 21))
            )
    return rows


LEAVER_SPANS = (
    "person",
    "leaver",
    "since",
    "until",
    "q_from",
    "q_to",
    "eighteen",
    "twenty_one",
)

CONTACTS_SQL = """
WITH quarters AS (
    SELECT *, make_date((q // 4)::INTEGER, (q % 4 * 3 + 1)::INTEGER, 1) AS q_start
    FROM (SELECT *, unnest(range(q_from, q_to + 1)) AS q FROM leaver_spans)
),
bounds AS (
    SELECT person, leaver, q, eighteen, twenty_one,
           greatest(q_start - DATE '1970-01-01', since) AS lo,
           least((q_start + INTERVAL 3 MONTH)::DATE - DATE '1970-01-01', until) AS hi
    FROM quarters
),
draws AS (
    SELECT person, lo, hi - lo AS n,
           CASE WHEN hi - 1 < eighteen THEN 0.95 WHEN hi - 1 < twenty_one THEN 0.88 ELSE 0.78 END
               + 0.04 * least(1, greatest(0, (lo - $first) / $days)) AS p_touch,
           CASE WHEN hi - 1 < eighteen THEN 0.70 WHEN hi - 1 < twenty_one THEN 0.55 ELSE 0.50 END
               + ((hash($seed, leaver) & 1048575) / 1048576 - 0.5) * 0.5 AS p_eet,
           (hash($seed, leaver) >> 20) & 1048575 < 0.1 * 1048576 AS drifted,
           hash($seed, leaver, q) AS h1, hash($seed, leaver, q, 1) AS h2
    FROM bounds
),
touched AS (
    SELECT person, (h1 >> 40) / 16777216 AS u_more,
           lo + (h2 & 2097151) % n AS day1, lo + ((h2 >> 21) & 2097151) % n AS day2,
           lo + (h2 >> 42) % n AS day3,
           CASE WHEN ((h1 >> 20) & 1048575) / 1048576 < p_eet THEN 'Y'
                WHEN ((h1 >> 20) & 1048575) / 1048576 < p_eet + 0.08 THEN 'U' ELSE 'N' END AS eet
    FROM draws
    WHERE (h1 & 1048575) / 1048576 < p_touch * CASE WHEN drifted THEN 0.4 ELSE 1 END
),
contacts AS (
    SELECT person, day1 AS day, eet FROM touched
    UNION ALL SELECT person, day2, eet FROM touched WHERE u_more < 0.3 AND day2 <> day1
    UNION ALL
    SELECT person, day3, eet FROM touched WHERE u_more < 0.08 AND day3 <> day1 AND day3 <> day2
)
-- a child's contacts fall on different days, so the day alone orders them
SELECT person, DATE '1970-01-01' + day::INTEGER AS contact_date, eet, day AS sort_key
FROM contacts
"""
