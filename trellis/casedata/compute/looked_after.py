"""Census measures of the episodes: looked_after, balance_of_care, out_of_area and
placement_moves, all four from one pass over the children looked after on each census day."""

from __future__ import annotations

from collections.abc import Iterator

from trellis.casedata.compute.rows import (
    PLACEMENT_TYPES,
    Groups,
    MeasureRow,
    count_rows,
    share,
    share_rows,
)
from trellis.casedata.compute.session import Session

CODES = ("looked_after", "balance_of_care", "out_of_area", "placement_moves")
DATASETS = ("episodes",)
BREAKDOWNS = ("sex", "age_band", "placement_type", "placement_area")

# One row per child looked after on a census day (the last day of a quarter): the episode
# covering that day gives the placement, and its date_of_birth the age (one per child). The
# figures group these rows; records.py lists them (the records behind a figure).
# Episodes of a child never overlap (validation refuses it), so at most one covers a day,
# and ordered by start their ends rise too. The child had 3 or more episodes touching the
# 365 days ending on the census day exactly when the episode two before the covering one
# ended after the first of those days (then the one between did as well).
CENSUS_POPULATION = """
WITH with_history AS (
    SELECT *,
        lag(episode_end, 2) OVER (PARTITION BY child_id ORDER BY episode_start) AS end_two_before
    FROM episodes
)
SELECT q.period_start, q.period_end,
    e.child_id,
    e.date_of_birth,
    e.sex,
    age_band(e.date_of_birth, q.period_end) AS age_band,
    e.episode_start,
    e.episode_end,
    e.placement_type,
    e.placement_area,
    e.end_two_before,
    coalesce(e.end_two_before > q.period_end - 364, false) AS three_or_more_episodes
FROM with_history AS e
JOIN quarters AS q
    ON e.episode_start <= q.period_end AND open_end(e.episode_end) > q.period_end
"""

# Which of those rows each figure counts, as conditions on them (shared with records.py).
AREA_KNOWN = "placement_area <> 'unknown'"
OUT_OF_AREA = "placement_area = 'out_of_area'"
MOVED = "three_or_more_episodes"

AGGREGATES = {
    "looked_after": "count(*)",
    "area_known": f"count(*) FILTER (WHERE {AREA_KNOWN})",
    "out_of_area": f"count(*) FILTER (WHERE {OUT_OF_AREA})",
    "moved": f"count(*) FILTER (WHERE {MOVED})",
}


def compute(session: Session) -> Iterator[MeasureRow]:
    groups = session.groups(CENSUS_POPULATION, breakdowns=BREAKDOWNS, aggregates=AGGREGATES)
    periods = session.quarters
    yield from count_rows("looked_after", periods, groups, count="looked_after", fields=BREAKDOWNS)
    yield from balance_of_care_rows(session, groups)
    yield from share_rows(
        "out_of_area",
        periods,
        groups,
        numerator="out_of_area",
        denominator="area_known",
        fields=("sex", "age_band", "placement_type"),  # the area is what is measured
    )
    yield from share_rows(
        "placement_moves",
        periods,
        groups,
        numerator="moved",
        denominator="looked_after",
        fields=BREAKDOWNS,
    )


def balance_of_care_rows(session: Session, groups: Groups) -> Iterator[MeasureRow]:
    """Every placement type, every quarter, even at 0 of 0: no unbroken row."""
    for period in session.quarters:
        unbroken = groups.unbroken(period)
        everyone = 0 if unbroken is None else int(unbroken["looked_after"])
        found = {g.value: int(g["looked_after"]) for g in groups.broken(period, {"placement_type"})}
        for placement_type in PLACEMENT_TYPES:
            n = found.get(placement_type, 0)
            yield MeasureRow(
                "balance_of_care",
                period.start,
                period.end,
                {"placement_type": placement_type},
                n,
                everyone,
                share(n, everyone),
                False,
            )
