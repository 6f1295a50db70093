"""Care-leaver measures: care_leavers_in_touch and care_leavers_eet, from one query."""

from __future__ import annotations

from collections.abc import Iterator

from trellis.casedata.compute.rows import MeasureRow, share_rows
from trellis.casedata.compute.session import Session

CODES = ("care_leavers_in_touch", "care_leavers_eet")
DATASETS = ("care_leavers", "care_leaver_contacts")

# One row per care leaver and quarter from the quarter they left care until the one whose
# last day finds them 26 (the age and its band are taken on that last day). A contact dated
# in the quarter puts them in touch; whether they are in education, employment or training
# is what their latest contact in the quarter says, and when several contacts share that
# day, yes if any says yes: the maximum of (day, says yes) picks exactly that one. The
# figures count these rows; records.py lists them.
POPULATION = """
WITH latest_contact AS (
    SELECT child_id, quarter_start(contact_date) AS period_start,
        max(struct_pack(day := contact_date, says_eet := eet = 'y')) AS contact
    FROM care_leaver_contacts
    GROUP BY ALL
)
SELECT q.period_start, q.period_end,
    c.child_id,
    c.date_of_birth,
    c.date_left_care,
    age_band(c.date_of_birth, q.period_end) AS age_band,
    latest.child_id IS NOT NULL AS in_touch,
    latest.contact.day AS latest_contact_date,
    coalesce(latest.contact.says_eet, false) AS eet
FROM care_leavers AS c
JOIN quarters AS q
    ON c.date_left_care <= q.period_end AND age_years(c.date_of_birth, q.period_end) < 26
LEFT JOIN latest_contact AS latest
    ON latest.child_id = c.child_id AND latest.period_start = q.period_start
"""

AGGREGATES = {
    "leavers": "count(*)",
    "in_touch": "count(*) FILTER (WHERE in_touch)",
    "eet": "count(*) FILTER (WHERE eet)",
}


def compute(session: Session) -> Iterator[MeasureRow]:
    groups = session.groups(POPULATION, breakdowns=("age_band",), aggregates=AGGREGATES)
    for code, numerator, denominator in (
        ("care_leavers_in_touch", "in_touch", "leavers"),
        ("care_leavers_eet", "eet", "in_touch"),
    ):
        yield from share_rows(
            code,
            session.quarters,
            groups,
            numerator=numerator,
            denominator=denominator,
            fields=("age_band",),
        )
