"""The demo's measures: three years of quarterly figures, Q4 2017 to Q3 2020, agreeing with
the figures leads quote in the demo updates and chosen so a newcomer sees each verdict: a
real improvement with a shift (health assessments), a target met by a figure that is still
within the usual wobble (out-of-area placements, Making Data Count rules), and a balancing
measure getting worse (short-break nights) while its aim's lead reports green."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from trellis.accounts.models import Partnership, Person
from trellis.core.series import period_end
from trellis.demo_updates import find_action
from trellis.measures.models import (
    Annotation,
    Comparator,
    ComparatorValue,
    Measure,
    Observation,
    ObservationRevision,
    Target,
)
from trellis.measures.services import observation_value
from trellis.plans.models import Action

FIRST_QUARTER_ENDS = dt.date(2017, 12, 31)
QUARTERS = 12

# Each measure: its definition, the aim it evidences (a phrase of the aim's title), its
# figures (numerators and denominators, or values), baseline, targets, notes and comparators.
MEASURES: tuple[dict[str, Any], ...] = (
    {
        "code": "LAC-IHA",
        "title": "Initial health assessments within 4 weeks",
        "description": "Children who became looked after in the quarter and had their initial "
        "health assessment within 4 weeks (28 days), as a share of all who became looked after.",
        "kind": "percentage",
        "direction": "increase",
        "role": "outcome",
        "chart": "p",
        "aim": "initial health",
        # The last four quarters are the figures the NHS lead reports in the demo updates.
        "numerators": (6, 6, 5, 7, 6, 6, 7, 6, 6, 9, 12, 17),
        "denominators": (20, 20, 20, 20, 20, 20, 20, 20, 17, 22, 25, 31),
        "baseline": ("2019-09-30", 31.0),
        "targets": (("2020-09-30", 50.0), ("2021-09-30", 75.0), ("2022-09-30", 90.0)),
        "notes": (("2020-01-06", "Same-day notification to the LAC nursing team", False),),
        "comparators": {"Scotland": (55, 56, 55, 57, 56, 58, 57, 58, 59, 58, 60, 59)},
    },
    {
        "code": "CL-TOUCH",
        "title": "Care leavers in touch in the last 3 months",
        "description": "Young people eligible for aftercare whom the partnership was in touch "
        "with in the quarter, as a share of all eligible.",
        "kind": "percentage",
        "direction": "increase",
        "role": "outcome",
        "chart": "p",
        "aim": "every care leaver",
        "numerators": (88, 91, 87, 90, 89, 92, 88, 90, 91, 98, 107, 112),
        "denominators": (140, 141, 139, 142, 140, 141, 142, 143, 143, 145, 146, 147),
        "baseline": ("2019-12-31", 64.0),
        "targets": (("2020-10-31", 80.0),),
        "notes": (("2020-03-06", "Contact recording added to the case system", False),),
        "comparators": {},
    },
    {
        "code": "OOA-PLACE",
        "title": "Children placed out of area",
        "description": "Looked-after children placed outside the council area on the last day "
        "of the quarter.",
        "kind": "count",
        "direction": "decrease",
        "role": "outcome",
        "chart": "i",
        "rules": "mdc",
        "aim": "balance of care",
        "values": (15, 14, 16, 15, 14, 15, 16, 15, 17, 16, 14, 12),
        "baseline": ("2019-10-31", 15.0),
        "targets": (("2020-10-31", 12.0),),
        "notes": (("2020-04-28", "Placement commissioning review agreed", False),),
        "comparators": {},
    },
    {
        "code": "SB-NIGHTS",
        "title": "Short-break nights provided",
        "description": "Nights of short breaks provided to disabled children in the quarter, "
        "by the two short-break providers.",
        "kind": "count",
        "direction": "increase",
        "role": "balancing",
        "chart": "i",
        "aim": "short breaks",
        "counts_children": False,  # nights, not children
        "values": (410, 395, 420, 405, 415, 400, 410, 398, 405, 360, 60, 180),
        "baseline": ("2019-09-30", 400.0),
        "targets": (("2020-09-30", 420.0),),
        "notes": (("2020-03-23", "Short breaks suspended (COVID-19)", False),),
        "comparators": {},
    },
)


def quarter_ends() -> list[dt.date]:
    ends = [FIRST_QUARTER_ENDS]
    while len(ends) < QUARTERS:
        ends.append(period_end(ends[-1] + dt.timedelta(days=1), "quarter"))
    return ends


def build_measures(part: Partnership, actions: list[Action], analyst: Person) -> dict[str, int]:
    observations = 0
    for spec in MEASURES:
        measure = _measure(part, spec, actions)
        observations += _figures(measure, spec, analyst)
        _trajectory_and_notes(measure, spec, analyst)
    return {"measures": len(MEASURES), "observations": observations}


def _measure(part: Partnership, spec: dict[str, Any], actions: list[Action]) -> Measure:
    measure = Measure.objects.create(
        partnership=part,
        code=spec["code"],
        title=spec["title"],
        description=spec["description"],
        kind=spec["kind"],
        unit="%" if spec["kind"] == "percentage" else "",
        direction=spec["direction"],
        role=spec["role"],
        source="manual",
        counts_children=spec.get("counts_children", True),
        chart=spec["chart"],
        rules=spec.get("rules", "anhoej"),
        baseline_value=spec["baseline"][1],
        baseline_date=dt.date.fromisoformat(spec["baseline"][0]),
    )
    measure.actions.set([find_action(actions, spec["aim"])])
    return measure


def _figures(measure: Measure, spec: dict[str, Any], analyst: Person) -> int:
    ends = quarter_ends()
    numerators = spec.get("numerators") or (None,) * QUARTERS
    denominators = spec.get("denominators") or (None,) * QUARTERS
    values = spec.get("values") or (None,) * QUARTERS
    saved_at = timezone.now()
    for when, num, den, value in zip(ends, numerators, denominators, values, strict=True):
        observation = Observation.objects.create(
            partnership_id=measure.partnership_id,
            measure=measure,
            period_ends=when,
            numerator=num,
            denominator=den,
            value=observation_value(measure, num, den, value),
            source="BIU quarterly return",
            updated_by=analyst,
        )
        ObservationRevision.objects.create(
            observation=observation,
            version=1,
            numerator=num,
            denominator=den,
            value=observation.value,
            by=analyst,
            at=saved_at,
        )
    return QUARTERS


def _trajectory_and_notes(measure: Measure, spec: dict[str, Any], analyst: Person) -> None:
    for due, value in spec["targets"]:
        Target.objects.create(measure=measure, due=dt.date.fromisoformat(due), value=value)
    for when, text, process_change in spec["notes"]:
        Annotation.objects.create(
            measure=measure,
            when=dt.date.fromisoformat(when),
            text=text,
            process_change=process_change,
            added_by=analyst,
        )
    for name, figures in spec["comparators"].items():
        comparator = Comparator.objects.create(measure=measure, name=name)
        ComparatorValue.objects.bulk_create(
            ComparatorValue(comparator=comparator, period_ends=when, value=value)
            for when, value in zip(quarter_ends(), figures, strict=True)
        )
