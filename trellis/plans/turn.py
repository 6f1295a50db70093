"""The annual turn of the plan: close a plan at the end of its period and start its
successor, carrying forward what is still open.

Open actions (neither complete nor not applicable) move to the new plan with their leads,
deputies, measure text, measures and milestones not yet done, each copy pointing back to
what it was carried from (a measure is not copied: the new aim evidences the same measure, so
its figures and chart run on across the turn). Completed actions and done milestones stay
with the closed plan, which remains readable. Outcomes and drivers are copied only where
they still hold an open action.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from trellis.accounts.models import Membership, Person
from trellis.accounts.policy import Perm, require
from trellis.audit.services import audit_append
from trellis.errors import Invalid
from trellis.plans.models import Action, Driver, Milestone, Outcome, Plan
from trellis.progress.services import periods_ensure
from trellis.writes import record_create, record_update

CLOSED_ACTIONS = (Action.Status.COMPLETE, Action.Status.NOT_APPLICABLE)


@dataclass
class Carried:
    """What the turn copied, for the audit entry: old id -> new id of each kind."""

    outcomes: dict[int, int] = field(default_factory=dict)
    drivers: dict[int, int] = field(default_factory=dict)
    actions: dict[int, int] = field(default_factory=dict)
    milestones: dict[int, int] = field(default_factory=dict)


def turn_errors(plan: Plan, title: str, starts: Any, ends: Any) -> dict[str, list[str]]:
    """The rules a successor must meet, by field (shared by the form and the service)."""
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Enter a title for the new plan.")]
    if not isinstance(starts, dt.date):
        errors["starts"] = [_("Enter the date the new plan starts.")]
    elif starts < plan.starts:
        errors["starts"] = [_("The new plan cannot start before the plan it follows.")]
    if not isinstance(ends, dt.date):
        errors["ends"] = [_("Enter the date the new plan ends.")]
    elif isinstance(starts, dt.date) and ends <= starts:
        errors["ends"] = [_("The new plan must end after the day it starts.")]
    return errors


def plan_turn(
    *,
    membership: Membership,
    plan: Plan,
    title: str,
    starts: dt.date,
    ends: dt.date,
    expected_version: int,
) -> Plan:
    """Close `plan` and start its successor; return the successor."""
    require(membership, Perm.EDIT_PLAN, plan)
    if plan.status == Plan.Status.CLOSED:
        raise Invalid(_("This plan is already closed."))
    errors = turn_errors(plan, title, starts, ends)
    if errors:
        raise Invalid(_("The new plan's details break a rule."), errors)
    actor = membership.person
    with transaction.atomic():
        record_update(
            plan,
            actor=actor,
            verb="plan.close",
            expected_version=expected_version,
            status=Plan.Status.CLOSED,
        )
        successor = record_create(
            Plan,
            actor=actor,
            partnership=plan.partnership,
            inspection=plan.inspection,
            title=title.strip(),
            theme=plan.theme,
            starts=starts,
            ends=ends,
            status=Plan.Status.ACTIVE,
            period_kind=plan.period_kind,
            year_start_month=plan.year_start_month,
            due_working_days=plan.due_working_days,
            predecessor=plan,
        )
        carried = _carry_forward(plan, successor, actor)
        periods = periods_ensure(successor)
        audit_append(
            actor=actor,
            verb="plan.turn",
            target=successor,
            partnership_id=plan.partnership_id,
            changes={
                "predecessor": plan.pk,
                "outcomes": len(carried.outcomes),
                "drivers": len(carried.drivers),
                "actions": len(carried.actions),
                "milestones": len(carried.milestones),
                "actions_left_with_closed_plan": _actions_left(plan),
                "periods": len(periods),
                "carried_actions": sorted(carried.actions.items()),
            },
        )
    return successor


def _open_tree(plan: Plan) -> list[Outcome]:
    """The plan's outcomes with their drivers, open actions and milestones not yet done."""
    actions = (
        Action.objects.exclude(status__in=CLOSED_ACTIONS)
        .prefetch_related(
            "deputies",
            "measures",
            Prefetch("milestones", queryset=Milestone.objects.filter(done=None)),
        )
        .order_by("position", "id")
    )
    drivers = Driver.objects.prefetch_related(
        "areas_for_improvement", Prefetch("actions", queryset=actions)
    )
    return list(plan.outcomes.prefetch_related(Prefetch("drivers", queryset=drivers)))


def _carry_forward(old: Plan, new: Plan, actor: Person) -> Carried:
    carried = Carried()
    for outcome in _open_tree(old):
        drivers = [d for d in outcome.drivers.all() if d.actions.all()]
        if not drivers:
            continue
        new_outcome = _copy(outcome, actor, plan=new, carried=carried.outcomes)
        for driver in drivers:
            new_driver = _copy(driver, actor, outcome=new_outcome, carried=carried.drivers)
            new_driver.areas_for_improvement.set(driver.areas_for_improvement.all())
            for action in driver.actions.all():
                new_action = _copy(
                    action, actor, driver=new_driver, carried_from=action, carried=carried.actions
                )
                new_action.deputies.set(action.deputies.all())
                # The measures are the partnership's: their figures run on into the new plan.
                new_action.measures.set(action.measures.all())
                for milestone in action.milestones.all():
                    _copy(
                        milestone,
                        actor,
                        action=new_action,
                        carried_from=milestone,
                        carried=carried.milestones,
                    )
    return carried


_NOT_COPIED = {"id", "version", "created_at", "updated_at", "updated_by", "carried_from"}


def _copy(obj: Any, actor: Person, *, carried: dict[int, int], **overrides: Any) -> Any:
    """A new record with `obj`'s own fields (foreign keys by id), then `overrides`."""
    model = type(obj)
    values = {
        f.attname: getattr(obj, f.attname)
        for f in model._meta.concrete_fields
        if f.name not in _NOT_COPIED and f.name not in overrides
    }
    copy = model._default_manager.create(**values, **overrides, updated_by=actor)
    carried[obj.pk] = copy.pk
    return copy


def _actions_left(plan: Plan) -> int:
    return Action.objects.filter(driver__outcome__plan=plan, status__in=CLOSED_ACTIONS).count()


@dataclass(frozen=True)
class TurnPreview:
    """What a turn would do to the plan, shown before the owner confirms it."""

    open_actions: int
    open_milestones: int
    actions_left: int


def turn_preview(plan: Plan) -> TurnPreview:
    actions = Action.objects.filter(driver__outcome__plan=plan)
    open_actions = actions.exclude(status__in=CLOSED_ACTIONS)
    return TurnPreview(
        open_actions=open_actions.count(),
        open_milestones=Milestone.objects.filter(action__in=open_actions, done=None).count(),
        actions_left=actions.filter(status__in=CLOSED_ACTIONS).count(),
    )
