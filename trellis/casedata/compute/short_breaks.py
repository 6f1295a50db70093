"""short_breaks_reviewed: children on a short-break service at the census day who had a
short-break review in the year up to it."""

from __future__ import annotations

from collections.abc import Iterator

from trellis.casedata.compute.rows import MeasureRow, share_rows
from trellis.casedata.compute.session import Session

CODES = ("short_breaks_reviewed",)
DATASETS = ("short_breaks", "reviews")

# The services covering each census day. The measure counts children, not services: a
# child with two services covering the census day counts once (overlapping services are not
# an error). The review window is the 365 days ending on the census day, both ends
# included: census day - 364 to census day. REVIEW_IN_WINDOW: review r is such a review of
# the child served (a row of SERVICES, or of the children in it).
SERVICES = """
SELECT q.period_start, q.period_end, s.child_id, s.service_start, s.service_end
FROM short_breaks AS s
JOIN quarters AS q
    ON s.service_start <= q.period_end AND open_end(s.service_end) > q.period_end
"""

REVIEW_IN_WINDOW = """
r.child_id = served.child_id
AND r.review_type = 'short_break'
AND r.review_date BETWEEN served.period_end - 364 AND served.period_end
"""

REVIEWED = f"EXISTS (SELECT 1 FROM reviews AS r WHERE {REVIEW_IN_WINDOW})"  # noqa: S608

POPULATION = f"""
WITH served AS (
    SELECT DISTINCT period_start, period_end, child_id FROM ({SERVICES})
)
SELECT period_start, period_end, {REVIEWED} AS reviewed
FROM served
"""  # noqa: S608 - a constant query

AGGREGATES = {"served": "count(*)", "reviewed": "count(*) FILTER (WHERE reviewed)"}


def compute(session: Session) -> Iterator[MeasureRow]:
    groups = session.groups(POPULATION, aggregates=AGGREGATES)
    yield from share_rows(
        "short_breaks_reviewed",
        session.quarters,
        groups,
        numerator="reviewed",
        denominator="served",
    )
