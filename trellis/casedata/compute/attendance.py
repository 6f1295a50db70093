"""attendance_gap: the attendance of children looked after at home against that of
children looked after elsewhere, per academic year."""

from __future__ import annotations

from collections.abc import Iterator

from trellis.casedata.compute.rows import PLACEMENT_GROUPS, MeasureRow, share
from trellis.casedata.compute.session import Session

CODES = ("attendance_gap",)
DATASETS = ("attendance", "episodes")

# The children looked after on 31 July, the academic year's last day, in two groups by the
# placement covering that day, each with their attendance rows of that academic year
# (CHILD_SESSIONS: records.py lists these per child); each group's sessions pooled.
CHILD_SESSIONS = """
WITH looked_after AS (
    SELECT y.period_start, y.period_end, y.label, e.child_id,
        e.episode_start, e.episode_end, e.placement_type,
        CASE WHEN e.placement_type = 'home' THEN 'home' ELSE 'other' END AS placement_group
    FROM episodes AS e
    JOIN academic_years AS y
        ON e.episode_start <= y.period_end AND open_end(e.episode_end) > y.period_end
)
SELECT l.*, a.attended_sessions, a.possible_sessions
FROM looked_after AS l
JOIN attendance AS a ON a.child_id = l.child_id AND a.academic_year = l.label
"""

SESSIONS = f"""
SELECT period_start, placement_group,
    sum(attended_sessions)::BIGINT AS attended,
    sum(possible_sessions)::BIGINT AS possible
FROM ({CHILD_SESSIONS})
GROUP BY ALL
"""  # noqa: S608 - a constant query


def compute(session: Session) -> Iterator[MeasureRow]:
    sessions = {
        (r["period_start"], r["placement_group"]): (r["attended"], r["possible"])
        for r in session.records(SESSIONS)
    }
    for year in session.academic_years:
        present = {
            g: sessions[year.start, g] for g in PLACEMENT_GROUPS if (year.start, g) in sessions
        }
        rates = {
            group: share(attended, possible) for group, (attended, possible) in present.items()
        }
        yield MeasureRow(
            "attendance_gap", year.start, year.end, None, None, None, gap(rates), False
        )
        for group, (attended, possible) in present.items():
            yield MeasureRow(
                "attendance_gap",
                year.start,
                year.end,
                {"placement_group": group},
                attended,
                possible,
                rates[group],
                False,
            )


def gap(rates: dict[str, float | None]) -> float | None:
    """Home's rate minus the others': null unless both groups have a rate."""
    home, other = rates.get("home"), rates.get("other")
    return None if home is None or other is None else home - other
