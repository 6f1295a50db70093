"""iha_within_4_weeks: initial health assessments done within 4 weeks of accommodation."""

from __future__ import annotations

from collections.abc import Iterator

from trellis.casedata.compute.rows import MeasureRow, share_rows
from trellis.casedata.compute.session import Session

CODES = ("iha_within_4_weeks",)
DATASETS = ("health_assessments",)

# Every record counts (a child accommodated twice counts twice), in the quarter of its
# accommodated_date. 28 days after is in time, 29 is late. A record without an assessment
# whose window closes after the extract date may yet be met: that makes the quarter
# provisional. A window closing on the extract date has closed (the day is in the data).
# One row per record: the figures count them, records.py lists them.
POPULATION = """
SELECT q.period_start, q.period_end,
    h.child_id,
    h.accommodated_date,
    h.assessment_date,
    h.assessment_date IS NOT NULL AND h.assessment_date <= h.accommodated_date + 28 AS in_time,
    h.assessment_date IS NULL AND h.accommodated_date + 28 > $extract_date AS window_open
FROM health_assessments AS h
JOIN quarters AS q ON q.period_start = quarter_start(h.accommodated_date)
"""

AGGREGATES = {
    "accommodated": "count(*)",
    "in_time": "count(*) FILTER (WHERE in_time)",
    "window_open": "count(*) FILTER (WHERE window_open)",
}


def compute(session: Session) -> Iterator[MeasureRow]:
    groups = session.groups(
        POPULATION, aggregates=AGGREGATES, params={"extract_date": session.extract_date}
    )
    yield from share_rows(
        "iha_within_4_weeks",
        session.quarters,
        groups,
        numerator="in_time",
        denominator="accommodated",
        provisional="window_open",
    )
