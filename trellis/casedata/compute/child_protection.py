"""Child-protection measures: on_cp_register, cp_reregistered_12m, cp_weekly_face_to_face."""

from __future__ import annotations

from collections.abc import Iterator

from trellis.casedata.compute.rows import MeasureRow, count_rows, share_rows
from trellis.casedata.compute.session import Session

REGISTER_CODES = ("on_cp_register", "cp_reregistered_12m")
REGISTER_DATASETS = ("cp_registrations",)
CONTACT_CODES = ("cp_weekly_face_to_face",)
CONTACT_DATASETS = ("cp_registrations", "cp_contacts")

# The registrations covering each census day. on_cp_register counts children, not
# registrations: DISTINCT keeps a child once even if their registrations were to touch
# (validation refuses overlapping ones).
REGISTERED = """
SELECT q.period_start, q.period_end, r.child_id, r.registration_date, r.deregistration_date
FROM cp_registrations AS r
JOIN quarters AS q
    ON r.registration_date <= q.period_end AND open_end(r.deregistration_date) > q.period_end
"""

ON_REGISTER = f"""
SELECT DISTINCT period_start, period_end, child_id FROM ({REGISTERED})
"""  # noqa: S608 - a constant query

# Another registration of the same child (alias earlier) deregistered on or before the
# registration_date of registration r. The other registration is any but itself: rows are
# distinct, and only a registration that starts and ends on one day could otherwise match
# its own deregistration.
EARLIER_REGISTRATION = """
earlier.child_id = r.child_id
AND earlier.deregistration_date <= r.registration_date
AND NOT (earlier.registration_date = r.registration_date
         AND earlier.deregistration_date IS NOT DISTINCT FROM r.deregistration_date)
"""

# A registration re-registers when such an earlier registration was deregistered at most
# 365 days before its registration_date (0 days counts). One row per registration.
REREGISTRATIONS = f"""
SELECT q.period_start, q.period_end,
    r.child_id, r.registration_date, r.deregistration_date,
    EXISTS (
        SELECT 1 FROM cp_registrations AS earlier
        WHERE {EARLIER_REGISTRATION}
          AND r.registration_date - earlier.deregistration_date <= 365
    ) AS reregistered
FROM (SELECT DISTINCT child_id, registration_date, deregistration_date
      FROM cp_registrations) AS r
JOIN quarters AS q ON q.period_start = quarter_start(r.registration_date)
"""  # noqa: S608 - a constant query

# Child-weeks run Monday to Sunday with all seven days inside the quarter and inside one
# registration. The denominator counts them per registration and quarter arithmetically
# (from the first Monday to the last Sunday of the days both cover: SPANS) rather than
# listing every week. The numerator starts from the weeks that had a face-to-face contact
# (VISITED_WEEKS, with the first such contact of the week) and keeps those that are such
# child-weeks. records.py lists the weeks of the same spans.
SPANS = """
SELECT q.period_start, q.period_end,
    r.child_id, r.registration_date, r.deregistration_date,
    greatest(r.registration_date, q.period_start) AS first_day,
    least(open_end(r.deregistration_date - 1), q.period_end) AS last_day
FROM cp_registrations AS r
JOIN quarters AS q
    ON r.registration_date <= q.period_end
   AND open_end(r.deregistration_date) > q.period_start
"""

VISITED_WEEKS = """
SELECT child_id, date_trunc('week', contact_date)::DATE AS monday,
    min(contact_date) AS first_contact
FROM cp_contacts WHERE contact_type = 'face_to_face'
GROUP BY ALL
"""

CHILD_WEEKS = f"""
WITH spans AS ({SPANS}),
weeks AS (
    SELECT period_start, sum(whole_weeks(first_day, last_day))::BIGINT AS child_weeks
    FROM spans GROUP BY period_start
),
visited_weeks AS ({VISITED_WEEKS}),
visited AS (
    SELECT q.period_start, count(*) AS visited
    FROM visited_weeks AS v
    JOIN quarters AS q ON q.period_start = quarter_start(v.monday) AND v.monday + 6 <= q.period_end
    WHERE EXISTS (
        SELECT 1 FROM cp_registrations AS r
        WHERE r.child_id = v.child_id
          AND r.registration_date <= v.monday
          AND open_end(r.deregistration_date) > v.monday + 6
    )
    GROUP BY q.period_start
)
SELECT q.period_start, q.period_end, NULL::VARCHAR AS breakdown_field,
    NULL::VARCHAR AS breakdown_value,
    coalesce(w.child_weeks, 0) AS child_weeks, coalesce(v.visited, 0) AS visited
FROM quarters AS q
LEFT JOIN weeks AS w USING (period_start)
LEFT JOIN visited AS v USING (period_start)
"""  # noqa: S608 - a constant query


def compute_register(session: Session) -> Iterator[MeasureRow]:
    periods = session.quarters
    on_register = session.groups(ON_REGISTER, aggregates={"children": "count(*)"})
    yield from count_rows("on_cp_register", periods, on_register, count="children")
    reregistered = session.groups(
        REREGISTRATIONS,
        aggregates={
            "registrations": "count(*)",
            "reregistered": "count(*) FILTER (WHERE reregistered)",
        },
    )
    yield from share_rows(
        "cp_reregistered_12m",
        periods,
        reregistered,
        numerator="reregistered",
        denominator="registrations",
    )


def compute_contacts(session: Session) -> Iterator[MeasureRow]:
    groups = session.groups_from(CHILD_WEEKS)
    yield from share_rows(
        "cp_weekly_face_to_face",
        session.quarters,
        groups,
        numerator="visited",
        denominator="child_weeks",
    )
