"""Reads of decisions, scoped to one partnership, in a fixed number of queries.

`decision_log(plan, period)` is the plan's decision log for one reporting period as plain
data, for pages and for the board pack (docs/meetings.md describes it):

- every decision of the plan taken within the period (its first to its last day), and
- every earlier decision whose follow-up was still open when the period began (not done,
  or done on or after its first day), marked `carried_forward`, so a log never loses sight
  of what a group asked for and has not yet seen done.

A follow-up's `status` is judged on `as_of` (today unless given): "done", "overdue" (due
before `as_of`), "open" (due later, or no date) or "" (nothing follows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from trellis.accounts.models import Partnership
from trellis.errors import NotFound
from trellis.meetings.models import Decision, Subject
from trellis.plans.models import Plan
from trellis.progress.models import ReportingPeriod

DONE = "done"
OVERDUE = "overdue"
OPEN = "open"


@dataclass(frozen=True)
class DecisionEntry:
    """One decision as plain data: text and dates only, nothing that needs the database."""

    id: int
    decided_on: dt.date
    group: str
    subject: str  # "action", "measure" or "thread"
    subject_label: str  # "Improvement aim", "Measure" or "Challenge thread"
    about: str  # the aim's title, or the measure's code and title
    action_id: int | None
    measure_id: int | None
    text: str
    follow_up: str
    follow_up_owner: str
    follow_up_due: dt.date | None
    follow_up_done: dt.date | None
    status: str  # DONE, OVERDUE, OPEN or "" when nothing follows
    created_action_id: int | None
    created_action_title: str
    carried_forward: bool  # taken before the period, its follow-up still open then
    recorded_by: str


def decisions_queryset(partnership_id: int) -> QuerySet[Decision]:
    """Decisions with everything an entry shows: one query."""
    return Decision.objects.filter(partnership_id=partnership_id).select_related(
        "group", "action", "measure", "comment", "follow_up_owner", "created_action", "recorded_by"
    )


def follow_up_status(decision: Decision, as_of: dt.date) -> str:
    if not decision.follow_up:
        return ""
    if decision.follow_up_done is not None and decision.follow_up_done <= as_of:
        return DONE
    if decision.follow_up_due is not None and decision.follow_up_due < as_of:
        return OVERDUE
    return OPEN


def entry(decision: Decision, *, as_of: dt.date, carried_forward: bool = False) -> DecisionEntry:
    if decision.subject == Subject.MEASURE and decision.measure is not None:
        about = f"{decision.measure.code} {decision.measure.title}"
    else:
        about = decision.action.title if decision.action is not None else ""
    created = decision.created_action
    return DecisionEntry(
        id=decision.pk,
        decided_on=decision.decided_on,
        group=decision.group.name,
        subject=decision.subject,
        subject_label=str(Subject(decision.subject).label),
        about=" ".join(about.split()),
        action_id=decision.action_id,
        measure_id=decision.measure_id,
        text=decision.text,
        follow_up=decision.follow_up,
        follow_up_owner=str(decision.follow_up_owner or ""),
        follow_up_due=decision.follow_up_due,
        follow_up_done=decision.follow_up_done,
        status=follow_up_status(decision, as_of),
        created_action_id=created.pk if created is not None else None,
        created_action_title=" ".join(created.title.split()) if created is not None else "",
        carried_forward=carried_forward,
        recorded_by=str(decision.recorded_by),
    )


def decision_log(
    plan: Plan, period: ReportingPeriod, *, as_of: dt.date | None = None
) -> list[DecisionEntry]:
    """The plan's decision log for `period` (see the module's docstring): decisions carried
    forward first, then those of the period, each oldest first. One query."""
    as_of = as_of or timezone.localdate()
    open_at_start = Q(decided_on__lt=period.starts) & ~Q(follow_up="")
    open_at_start &= Q(follow_up_done__isnull=True) | Q(follow_up_done__gte=period.starts)
    in_period = Q(decided_on__gte=period.starts, decided_on__lte=period.ends)
    rows = (
        decisions_queryset(plan.partnership_id)
        .filter(plan=plan)
        .filter(in_period | open_at_start)
        .order_by("decided_on", "id")
    )
    entries = [entry(d, as_of=as_of, carried_forward=d.decided_on < period.starts) for d in rows]
    return sorted(entries, key=lambda e: not e.carried_forward)  # stable: dates kept


def plan_decisions(plan: Plan, *, as_of: dt.date | None = None) -> list[DecisionEntry]:
    """Every decision of the plan, newest first: one query."""
    as_of = as_of or timezone.localdate()
    rows = decisions_queryset(plan.partnership_id).filter(plan=plan).order_by("-decided_on", "-id")
    return [entry(d, as_of=as_of) for d in rows]


def decisions_about(
    partnership: Partnership,
    *,
    action_id: int | None = None,
    measure_id: int | None = None,
    as_of: dt.date | None = None,
) -> list[DecisionEntry]:
    """Decisions about one aim (and its thread), or one measure, newest first: one query.
    An aim's list includes the decisions that created it."""
    as_of = as_of or timezone.localdate()
    rows = decisions_queryset(partnership.pk)
    if action_id is not None:
        rows = rows.filter(Q(action_id=action_id) | Q(created_action_id=action_id))
    elif measure_id is not None:
        rows = rows.filter(measure_id=measure_id)
    else:
        return []
    return [entry(d, as_of=as_of) for d in rows.order_by("-decided_on", "-id")]


def decision_detail(partnership: Partnership, pk: int) -> Decision:
    decision = decisions_queryset(partnership.pk).select_related("plan").filter(pk=pk).first()
    if decision is None:
        raise NotFound()
    return decision
