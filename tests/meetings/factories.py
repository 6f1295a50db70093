"""Decisions built through the ORM, bypassing the services on purpose (tests of the
services call the services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from trellis.accounts.models import Group, Membership, Partnership, Person
from trellis.meetings.models import Decision, Subject
from trellis.plans.models import Action, Plan


def member(partnership: Partnership, person: Person) -> Membership:
    """The person's membership, as the pages load it."""
    return Membership.objects.select_related("partnership", "person").get(
        person=person, partnership=partnership
    )


def group(partnership: Partnership, name: str = "Chief Officers Group", **fields: Any) -> Group:
    """The named group of the partnership, made the first time it is asked for."""
    return Group.objects.get_or_create(partnership=partnership, name=name, defaults=fields)[0]


def decision(
    plan: Plan,
    group: Group,
    by: Person,
    *,
    action: Action | None = None,
    decided_on: dt.date = dt.date(2020, 2, 10),
    text: str = "Agreed to fund two more health assessment nurses",
    **fields: Any,
) -> Decision:
    """A decision about `action` (the plan's first aim unless given) or, with
    `subject=Subject.MEASURE` and `measure=...`, about a measure."""
    subject = fields.pop("subject", Subject.ACTION)
    if subject != Subject.MEASURE and action is None:
        action = Action.objects.filter(driver__outcome__plan=plan).order_by("pk")[0]
    return Decision.objects.create(
        partnership_id=plan.partnership_id,
        plan=plan,
        group=group,
        decided_on=decided_on,
        subject=subject,
        action=action,
        text=text,
        recorded_by=by,
        **fields,
    )
