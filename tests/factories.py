"""Plain functions that build test data through the ORM, bypassing services on purpose
(tests of services call the services)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from trellis.accounts.models import Agency, Membership, Partnership, Person, Role
from trellis.measures.models import Measure
from trellis.plans.models import Action, Driver, Finding, Inspection, Milestone, Outcome, Plan
from trellis.progress.models import ProgressUpdate
from trellis.progress.services import periods_ensure

_seq = itertools.count(1)
PASSWORD = "Correct-Horse-Battery-9"
# Child identifiers distinctive enough to search for: no log, address or file may hold them.
CANARY_CHILD_IDS = ("CANARYQX7101", "CANARYQX7102", "CANARYQX7103", "CANARYQX7104")


def partnership(slug: str | None = None) -> Partnership:
    n = next(_seq)
    slug = slug or f"area-{n}"
    return Partnership.objects.create(name=f"Area {n} Partnership", slug=slug, nation="scotland")


def person(
    part: Partnership | None, *roles: str, email: str | None = None, agency: Agency | None = None
) -> Person:
    n = next(_seq)
    someone = Person.objects.create_user(
        email or f"person{n}@example.org", PASSWORD, full_name=f"Person {n}"
    )
    if part is not None:
        Membership.objects.create(
            person=someone, partnership=part, roles=list(roles), agency=agency
        )
    return someone


def plan_tree(part: Partnership, *, actions: int, lead: Person | None = None) -> Plan:
    """A plan with one inspection area answered, 2 outcomes, and `actions` actions spread over
    drivers of three actions each, every action with a lead, a deputy and two milestones."""
    inspection = Inspection.objects.create(
        partnership=part, regulator="Care Inspectorate", title="Joint inspection"
    )
    area = Finding.objects.create(
        partnership=part, inspection=inspection, kind=Finding.Kind.AREA, text="Health needs"
    )
    plan = Plan.objects.create(
        partnership=part,
        inspection=inspection,
        title="Improvement plan",
        starts=dt.date(2019, 10, 1),
        ends=dt.date(2020, 10, 31),
    )
    deputy = person(part, Role.LEAD)
    outcomes = [
        Outcome.objects.create(partnership=part, plan=plan, title=f"Outcome {i}", position=i)
        for i in range(2)
    ]
    driver = None
    for i in range(actions):
        if i % 3 == 0:
            driver = Driver.objects.create(
                partnership=part, outcome=outcomes[i % 2], title=f"Driver {i}", position=i
            )
            driver.areas_for_improvement.add(area)
        assert driver is not None
        action = Action.objects.create(
            partnership=part,
            driver=driver,
            title=f"Aim {i}",
            position=i,
            lead=lead or deputy,
            key_measure="A measure",
        )
        action.deputies.add(deputy)
        for j in range(2):
            Milestone.objects.create(
                partnership=part, action=action, title=f"Milestone {j}", due=dt.date(2020, 1, 1 + j)
            )
    periods_ensure(plan)
    return plan


def update(
    action: Action, *, state: str = "draft", rag: str = "green", period_index: int = 0
) -> ProgressUpdate:
    """A progress update of the action for one of its plan's periods, by its lead."""
    period = action.driver.outcome.plan.periods.all()[period_index]
    return ProgressUpdate.objects.create(
        partnership_id=action.partnership_id,
        action=action,
        period=period,
        rag=rag,
        narrative=f"Progress on {action.title}",
        state=state,
        author=action.lead or person(None),
    )


def looked_after_measure(partnership: Partnership, **fields: Any) -> Measure:
    """The built-in count of children looked after, computed from case-level extracts;
    `fields` set others (say counts_children=True)."""
    return Measure.objects.create(
        partnership=partnership,
        code="LAC",
        title="Children looked after",
        kind="count",
        direction="neutral",
        role="outcome",
        source="computed",
        definition="looked_after",
        **fields,
    )
