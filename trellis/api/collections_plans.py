"""Collections of the plan itself: plans, outcomes, drivers, actions, milestones, the people
who lead them, and the inspection's findings the plan answers. Each is one or two queries
(plus fixed prefetches) whatever the plan's size."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from trellis.accounts.models import Membership
from trellis.api.fields import Collection, Query, f, iso
from trellis.plans.models import Action, Driver, Finding, Milestone, Outcome, Plan


def _plan(prefix: str, q: Query) -> Q:
    return Q(**{prefix: q.plan}) if q.plan else Q()


def _plans(q: Query) -> QuerySet[Plan]:
    return Plan.objects.filter(_plan("pk", q), partnership=q.membership.partnership_id).order_by(
        "pk"
    )


PLANS = Collection(
    name="plans",
    title="Plans",
    description="The partnership's improvement plans.",
    fields=(
        f("id", "integer"),
        f("title"),
        f("theme"),
        f("status", enum=tuple(Plan.Status.values)),
        f("starts", "date"),
        f("ends", "date"),
        f("inspection", "integer", "The inspection the plan answers.", nullable=True),
        f("period_kind", enum=("quarter", "month")),
        f("version", "integer", "Send it back when you change the record."),
        f("updated_at", "date-time"),
    ),
    records=_plans,
    row=lambda p, q: {
        "id": p.pk,
        "title": p.title,
        "theme": p.theme,
        "status": p.status,
        "starts": iso(p.starts),
        "ends": iso(p.ends),
        "inspection": p.inspection_id,
        "period_kind": p.period_kind,
        "version": p.version,
        "updated_at": iso(p.updated_at),
    },
)


def _outcomes(q: Query) -> QuerySet[Outcome]:
    return Outcome.objects.filter(
        _plan("plan", q), partnership=q.membership.partnership_id
    ).order_by("plan_id", "position", "pk")


OUTCOMES = Collection(
    name="outcomes",
    title="Outcomes",
    description="Stretch outcome aims.",
    fields=(
        f("id", "integer"),
        f("plan", "integer"),
        f("title"),
        f("position", "integer"),
        f("not_applicable", "boolean"),
        f("not_applicable_reason"),
        f("version", "integer"),
    ),
    records=_outcomes,
    row=lambda o, q: {
        "id": o.pk,
        "plan": o.plan_id,
        "title": o.title,
        "position": o.position,
        "not_applicable": o.not_applicable,
        "not_applicable_reason": o.not_applicable_reason,
        "version": o.version,
    },
)


def _drivers(q: Query) -> QuerySet[Driver]:
    return (
        Driver.objects.filter(_plan("outcome__plan", q), partnership=q.membership.partnership_id)
        .select_related("outcome")
        .prefetch_related("areas_for_improvement")
        .order_by("outcome__plan_id", "outcome__position", "position", "pk")
    )


DRIVERS = Collection(
    name="drivers",
    title="Key drivers",
    description="What must change to reach each outcome.",
    fields=(
        f("id", "integer"),
        f("plan", "integer"),
        f("outcome", "integer"),
        f("title"),
        f("position", "integer"),
        f("areas_for_improvement", "integers", "Findings (areas for improvement) answered."),
        f("version", "integer"),
    ),
    records=_drivers,
    row=lambda d, q: {
        "id": d.pk,
        "plan": d.outcome.plan_id,
        "outcome": d.outcome_id,
        "title": d.title,
        "position": d.position,
        "areas_for_improvement": sorted(a.pk for a in d.areas_for_improvement.all()),
        "version": d.version,
    },
    notes=("In CSV, a list of ids is written separated by spaces.",),
)


def _actions(q: Query) -> QuerySet[Action]:
    return (
        Action.objects.filter(
            _plan("driver__outcome__plan", q), partnership=q.membership.partnership_id
        )
        .select_related("driver__outcome", "lead")
        .prefetch_related("deputies")
        .order_by("driver__outcome__plan_id", "driver__outcome__position", "position", "pk")
    )


ACTIONS = Collection(
    name="actions",
    title="Actions",
    description="Improvement project aims, with their accountable lead and deputies.",
    fields=(
        f("id", "integer"),
        f("plan", "integer"),
        f("outcome", "integer"),
        f("driver", "integer"),
        f("title"),
        f("position", "integer"),
        f("status", enum=tuple(Action.Status.values)),
        f("key_measure"),
        f("lead_responsibility"),
        f("lead", "integer", "The accountable lead (a person id).", nullable=True),
        f("lead_name", nullable=True),
        f("deputies", "integers"),
        f("starts", "date", nullable=True),
        f("due", "date", nullable=True),
        f("linked_plan"),
        f("version", "integer"),
    ),
    records=_actions,
    row=lambda a, q: {
        "id": a.pk,
        "plan": a.driver.outcome.plan_id,
        "outcome": a.driver.outcome_id,
        "driver": a.driver_id,
        "title": a.title,
        "position": a.position,
        "status": a.status,
        "key_measure": a.key_measure,
        "lead_responsibility": a.lead_responsibility,
        "lead": a.lead_id,
        "lead_name": str(a.lead) if a.lead else None,
        "deputies": sorted(d.pk for d in a.deputies.all()),
        "starts": iso(a.starts),
        "due": iso(a.due),
        "linked_plan": a.linked_plan,
        "version": a.version,
    },
)


def _milestones(q: Query) -> QuerySet[Milestone]:
    found = Milestone.objects.filter(
        _plan("action__driver__outcome__plan", q), partnership=q.membership.partnership_id
    ).select_related("action__driver__outcome")
    if q.period is not None:
        # Due in the period: by the revised date where there is one.
        starts, ends = q.period.starts, q.period.ends
        found = found.filter(
            Q(revised_due__isnull=True, due__range=(starts, ends))
            | Q(revised_due__range=(starts, ends))
        )
    return found.order_by("due", "pk")


MILESTONES = Collection(
    name="milestones",
    title="Milestones",
    description="Dated deliverables of the actions. Filtered by period: those due in it.",
    fields=(
        f("id", "integer"),
        f("plan", "integer"),
        f("action", "integer"),
        f("title"),
        f("due", "date", "The date the plan promised."),
        f("revised_due", "date", nullable=True),
        f("revision_reason"),
        f("current_due", "date"),
        f("done", "date", nullable=True),
        f("version", "integer"),
    ),
    records=_milestones,
    row=lambda m, q: {
        "id": m.pk,
        "plan": m.action.driver.outcome.plan_id,
        "action": m.action_id,
        "title": m.title,
        "due": iso(m.due),
        "revised_due": iso(m.revised_due),
        "revision_reason": m.revision_reason,
        "current_due": iso(m.current_due),
        "done": iso(m.done),
        "version": m.version,
    },
    filters=("plan", "period"),
)


def _leads(q: Query) -> list[dict[str, Any]]:
    """One row per person who leads or deputises on an action, with the actions."""
    people: dict[int, dict[str, Any]] = {}
    for action in _actions(q):
        for person, part in [
            (action.lead, "leads"),
            *[(d, "deputy_for") for d in action.deputies.all()],
        ]:
            if person is None:
                continue
            row = people.setdefault(
                person.pk,
                {
                    "person": person.pk,
                    "name": str(person),
                    "job_title": person.job_title,
                    "agency": None,
                    "leads": [],
                    "deputy_for": [],
                },
            )
            row[part].append(action.pk)
    agencies = Membership.objects.filter(
        partnership=q.membership.partnership_id, person__in=list(people)
    ).select_related("agency")
    for m in agencies:
        people[m.person_id]["agency"] = str(m.agency) if m.agency else None
    return sorted(people.values(), key=lambda r: (r["name"], r["person"]))


LEADS = Collection(
    name="leads",
    title="Leads",
    description="The people who lead actions or deputise for their lead.",
    fields=(
        f("person", "integer"),
        f("name"),
        f("job_title"),
        f("agency", nullable=True),
        f("leads", "integers", "Actions the person is the accountable lead of."),
        f("deputy_for", "integers", "Actions the person is a deputy on."),
    ),
    records=_leads,
    row=lambda r, q: r,
)


def _findings(q: Query) -> QuerySet[Finding]:
    found = Finding.objects.filter(partnership=q.membership.partnership_id)
    if q.plan:
        found = found.filter(inspection__plans=q.plan)
    if q.inspection:
        found = found.filter(inspection=q.inspection)
    return found.order_by("inspection_id", "kind", "position", "pk")


FINDINGS = Collection(
    name="findings",
    title="Inspection findings",
    description="Key strengths and areas for improvement found by the inspection.",
    fields=(
        f("id", "integer"),
        f("inspection", "integer"),
        f("kind", enum=tuple(Finding.Kind.values)),
        f("text"),
        f("position", "integer"),
        f("version", "integer"),
    ),
    records=_findings,
    row=lambda x, q: {
        "id": x.pk,
        "inspection": x.inspection_id,
        "kind": x.kind,
        "text": x.text,
        "position": x.position,
        "version": x.version,
    },
    filters=("plan", "inspection"),
)
