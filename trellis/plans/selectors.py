"""Reads for inspections and plans: always scoped to one partnership, always a fixed
number of queries whatever the plan's size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Model, Prefetch, Q, QuerySet

from trellis.accounts.models import Membership, Partnership, Person
from trellis.errors import NotFound
from trellis.plans.models import Action, Driver, Finding, Inspection, Milestone, Outcome, Plan
from trellis.progress.comments import comments_prefetch
from trellis.progress.models import ProgressUpdate, UpdateState

M = TypeVar("M", bound=Model)


def get_scoped(model: type[M], partnership: Partnership, pk: int) -> M:
    """A record of this partnership, or NotFound (records of others do not exist here)."""
    obj = model._default_manager.filter(partnership=partnership, pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def _actions_prefetch(*extra: Prefetch) -> Prefetch:
    return Prefetch(
        "actions",
        queryset=Action.objects.select_related("lead").prefetch_related(
            "deputies", "milestones", *extra
        ),
    )


def _reported_updates_prefetch() -> Prefetch:
    """Each action's latest submitted or accepted update, as `action.reported_updates` (a
    list of at most one: the plan table's latest progress). The slice is taken per action
    in the database (a window function), so a plan with years of updates reads one each."""
    return Prefetch(
        "updates",
        queryset=ProgressUpdate.objects.filter(
            state__in=[UpdateState.SUBMITTED, UpdateState.ACCEPTED]
        )
        .select_related("period")
        .prefetch_related("restricted_to")
        .order_by("-period__starts")[:1],
        to_attr="reported_updates",
    )


def plan_tree(partnership: Partnership, pk: int) -> Plan:
    """The plan with its outcomes, drivers, actions, leads and milestones, each action's
    reported updates, and the plans it continues and is continued in: eight queries."""
    plan = (
        Plan.objects.filter(partnership=partnership, pk=pk)
        .select_related("predecessor")
        .prefetch_related(
            "successors",
            Prefetch(
                "outcomes",
                queryset=Outcome.objects.prefetch_related(
                    Prefetch(
                        "drivers",
                        queryset=Driver.objects.prefetch_related(
                            _actions_prefetch(_reported_updates_prefetch())
                        ),
                    )
                ),
            ),
        )
        .first()
    )
    if plan is None:
        raise NotFound()
    return plan


def outcome_tree(partnership: Partnership, pk: int) -> Outcome:
    outcome = (
        Outcome.objects.filter(partnership=partnership, pk=pk)
        .select_related("plan")
        .prefetch_related(
            Prefetch(
                "drivers",
                queryset=Driver.objects.prefetch_related(
                    _actions_prefetch(), "areas_for_improvement"
                ),
            )
        )
        .first()
    )
    if outcome is None:
        raise NotFound()
    return outcome


def action_detail(partnership: Partnership, pk: int) -> Action:
    action = (
        Action.objects.filter(partnership=partnership, pk=pk)
        .select_related(
            "driver__outcome__plan", "lead", "updated_by", "carried_from__driver__outcome__plan"
        )
        .prefetch_related(
            "deputies",
            "milestones",
            "driver__areas_for_improvement",
            Prefetch("carried_to", queryset=Action.objects.select_related("driver__outcome__plan")),
            comments_prefetch(partnership.pk),  # the challenge thread, in two queries
        )
        .first()
    )
    if action is None:
        raise NotFound()
    return action


def plans_for(partnership: Partnership) -> QuerySet[Plan]:
    return Plan.objects.filter(partnership=partnership)


def inspection_detail(partnership: Partnership, pk: int) -> Inspection:
    """The inspection with each area for improvement's answering actions."""
    inspection = (
        Inspection.objects.filter(partnership=partnership, pk=pk)
        .prefetch_related(
            "quality_indicators",
            Prefetch(
                "findings",
                queryset=Finding.objects.prefetch_related(
                    Prefetch(
                        "drivers",
                        queryset=Driver.objects.select_related("outcome__plan").prefetch_related(
                            "actions"
                        ),
                    )
                ),
            ),
        )
        .first()
    )
    if inspection is None:
        raise NotFound()
    return inspection


def my_actions(membership: Membership) -> QuerySet[Action]:
    person = membership.person
    return (
        Action.objects.filter(partnership=membership.partnership_id)
        .filter(Q(lead=person) | Q(deputies=person))
        .distinct()
        .select_related("driver__outcome__plan", "lead")
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.filter(done__isnull=True))
        )
        .order_by("due", "id")
    )


def members_of(partnership: Partnership) -> QuerySet[Person]:
    return Person.objects.filter(
        memberships__partnership=partnership, memberships__is_active=True, is_active=True
    ).order_by("full_name")


@dataclass(frozen=True)
class PlanRow:
    """One row of the six-column plan table; spans say where the outcome and driver cells
    start (0 means the cell above covers this row)."""

    outcome: Outcome
    outcome_span: int
    driver: Driver | None
    driver_span: int
    action: Action | None


def plan_rows(plan: Plan) -> list[list[PlanRow]]:
    """The plan as table rows, grouped by outcome, from an already prefetched plan tree."""
    groups = []
    for outcome in plan.outcomes.all():
        drivers = list(outcome.drivers.all())
        cells: list[tuple[Driver | None, list[Action | None]]] = [
            (d, list(d.actions.all()) or [None]) for d in drivers
        ] or [(None, [None])]
        span = sum(len(actions) for _, actions in cells)
        rows: list[PlanRow] = []
        for driver, actions in cells:
            for i, action in enumerate(actions):
                rows.append(
                    PlanRow(
                        outcome=outcome,
                        outcome_span=span if not rows else 0,
                        driver=driver,
                        driver_span=len(actions) if i == 0 else 0,
                        action=action,
                    )
                )
        groups.append(rows)
    return groups
