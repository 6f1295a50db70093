"""The seed fixture for the reliability runs: partnerships with agencies, people in every
role, one plan each with its outcomes, drivers, actions and milestones, and eight quarters of
progress updates (each with its revision), written in bulk through the ORM.

Run inside Trellis's settings (the scripts call it with the run's DATABASE_URL):

    python benchmarks/reliability/seed.py OUT.json [--partnerships 5 --people 60 --actions 400]

OUT.json lists who the load generator signs in as and what each may write: the leads with
their actions' open update, the owners (C1) and the analysts (B1, F4, F5). Everyone shares
one password, hashed once with the production hasher (Argon2) so seeding stays quick.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.settings")

import django

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from trellis.accounts.models import Agency, Membership, Partnership, Person, Role  # noqa: E402
from trellis.plans.models import (  # noqa: E402
    Action,
    Driver,
    Finding,
    Inspection,
    Milestone,
    Outcome,
    Plan,
)
from trellis.progress.models import ProgressUpdate, UpdateRevision, UpdateState  # noqa: E402
from trellis.progress.services import periods_ensure  # noqa: E402

PASSWORD = "Reliability-Seed-Password-2026"  # noqa: S105 (a throw-away database's password)
AGENCIES = ("Social Work", "Education", "Health Board", "Police", "Reporter", "Third Sector")
# The first people of each partnership by role; everyone after them leads actions.
FIXED_ROLES = [Role.ADMIN] + [Role.OWNER] * 12 + [Role.ANALYST] * 3 + [Role.BOARD] * 3
FIXED_ROLES += [Role.INSPECTOR]
RAGS = ("green", "amber", "red", "green", "complete")


def build(n_partnerships: int, n_people: int, n_actions: int) -> dict[str, object]:
    password = make_password(PASSWORD)
    users: dict[str, list[dict[str, object]]] = {"leads": [], "owners": [], "analysts": []}
    for p in range(n_partnerships):
        with transaction.atomic():
            _partnership(p, n_people, n_actions, password, users)
    return {"password": PASSWORD, **users}


def _partnership(
    index: int, n_people: int, n_actions: int, password: str, users: dict[str, list]
) -> None:
    slug = f"reliability-{index + 1}"
    part = Partnership.objects.create(
        name=f"Reliability Area {index + 1}", slug=slug, nation="scotland"
    )
    agencies = Agency.objects.bulk_create(
        Agency(partnership=part, name=f"{slug} {name}", short_name=name[:20]) for name in AGENCIES
    )
    people = Person.objects.bulk_create(
        Person(
            email=f"{slug}.p{i}@example.org", full_name=f"Person {i} of {slug}", password=password
        )
        for i in range(n_people)
    )
    roles = [FIXED_ROLES[i] if i < len(FIXED_ROLES) else Role.LEAD for i in range(n_people)]
    Membership.objects.bulk_create(
        Membership(person=person, partnership=part, roles=[role], agency=agencies[i % 6])
        for i, (person, role) in enumerate(zip(people, roles, strict=True))
    )
    leads = [p for p, r in zip(people, roles, strict=True) if r == Role.LEAD]
    plan, actions = _plan(part, leads, n_actions)
    periods = sorted(periods_ensure(plan), key=lambda period: period.starts)
    open_updates = _updates(part, actions, periods)
    by_lead: dict[int, list[list[int]]] = {}
    for action in actions:
        update = open_updates[action.pk]
        by_lead.setdefault(action.lead_id, []).append([action.pk, update.period_id, update.pk])
    base = {"slug": slug, "plan": plan.pk}
    for person in leads:
        users["leads"].append({**base, "email": person.email, "writes": by_lead.get(person.pk, [])})
    for person, role in zip(people, roles, strict=True):
        if role in (Role.OWNER, Role.ANALYST):
            users[f"{role}s"].append({**base, "email": person.email})


def _plan(part: Partnership, leads: list[Person], n_actions: int) -> tuple[Plan, list[Action]]:
    inspection = Inspection.objects.create(
        partnership=part, regulator="Care Inspectorate", title="Joint inspection"
    )
    area = Finding.objects.create(
        partnership=part, inspection=inspection, kind=Finding.Kind.AREA, text="Planning for care"
    )
    plan = Plan.objects.create(
        partnership=part,
        inspection=inspection,
        title="Improvement plan",
        starts=dt.date(2024, 10, 1),
        ends=dt.date(2026, 9, 30),
    )
    outcomes = Outcome.objects.bulk_create(
        Outcome(partnership=part, plan=plan, title=f"Outcome {i + 1}", position=i) for i in range(4)
    )
    drivers = Driver.objects.bulk_create(
        Driver(partnership=part, outcome=outcomes[i % 4], title=f"Driver {i + 1}", position=i)
        for i in range((n_actions + 3) // 4)
    )
    for driver in drivers:
        driver.areas_for_improvement.add(area)
    actions = Action.objects.bulk_create(
        Action(
            partnership=part,
            driver=drivers[i // 4],
            title=f"Aim {i + 1}: reduce drift in care planning",
            position=i,
            lead=leads[i % len(leads)],
            key_measure="Percentage of plans reviewed on time",
        )
        for i in range(n_actions)
    )
    Milestone.objects.bulk_create(
        Milestone(
            partnership=part, action=a, title=f"Milestone {j + 1}", due=dt.date(2026, 3, j + 1)
        )
        for a in actions
        for j in range(2)
    )
    return plan, actions


def _updates(part: Partnership, actions: list[Action], periods: list) -> dict[int, ProgressUpdate]:
    """Every quarter but the last accepted; the last is a draft its lead can still write."""
    now = timezone.now()
    rows = [
        ProgressUpdate(
            partnership=part,
            action=action,
            period=period,
            rag=RAGS[(action.pk + q) % len(RAGS)],
            narrative=f"Quarter {q + 1}: {action.title}. Audit of 20 plans; 14 on time.",
            state=UpdateState.DRAFT if q == len(periods) - 1 else UpdateState.ACCEPTED,
            author_id=action.lead_id,
            updated_by_id=action.lead_id,
        )
        for action in actions
        for q, period in enumerate(periods)
    ]
    updates = ProgressUpdate.objects.bulk_create(rows, batch_size=2000)
    UpdateRevision.objects.bulk_create(
        (
            UpdateRevision(
                update=u,
                version=u.version,
                state=u.state,
                rag=u.rag,
                narrative=u.narrative,
                by_id=u.author_id,
                at=now,
            )
            for u in updates
        ),
        batch_size=2000,
    )
    last = periods[-1].pk
    return {u.action_id: u for u in updates if u.period_id == last}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--partnerships", type=int, default=5)
    parser.add_argument("--people", type=int, default=60, help="per partnership")
    parser.add_argument("--actions", type=int, default=400, help="per partnership")
    args = parser.parse_args()
    users = build(args.partnerships, args.people, args.actions)
    args.out.write_text(json.dumps(users))
    print(
        f"Seeded {args.partnerships} partnerships, {args.partnerships * 6} agencies, "
        f"{Person.objects.count()} people, {Action.objects.count()} actions, "
        f"{ProgressUpdate.objects.count()} updates."
    )


if __name__ == "__main__":
    main()
