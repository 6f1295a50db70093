"""What is due to a governance group at its next meeting, as plain data.

For one plan (the partnership's current plan unless chosen, as on the dashboard) and one
group, `agenda_load()` gathers:

- **updates submitted and awaiting acceptance**, in any period of the plan: a group is
  where variance is challenged, so an update nobody has accepted yet is for it to see;
- **milestones overdue, and due in the next 30 days**, by their current due date (the
  dashboard's rule, `trellis.reports.dashboard.milestones_due`);
- **measures that need attention**: off track against their trajectory, or showing a
  signal of getting worse (the SPC verdict "Deteriorating");
- **open challenge threads** (the dashboard's rule: a challenge waiting for the lead, or
  any comment in the last 90 days);
- **this group's decisions whose follow-up is due**: not done, and due within the next 30
  days, overdue, or given no date (an undated follow-up is never forgotten).

**Whose aims.** A group oversees the aims led by its people (its members and its chair,
as the progress overview's group filter reads it): an aim is the group's when its
accountable lead or a deputy is one of them. With `scope="plan"` the page lists the whole
plan instead, which is what a chief officer group accountable for everything wants. The
group's own decisions are listed whatever the scope.

**Cost.** A fixed number of queries whatever the plan's size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from trellis.accounts.models import Group, Membership
from trellis.errors import NotFound
from trellis.measures.selectors import (
    Assessment,
    Verdict,
    assess,
    measures_of_plan,
    viewer_thresholds,
)
from trellis.meetings.selectors import DecisionEntry, decisions_queryset, entry
from trellis.plans.models import Action, Plan
from trellis.progress.models import ProgressUpdate, Rag, UpdateState
from trellis.progress.selectors import may_see_content
from trellis.reports.dashboard import (
    MILESTONE_WINDOW,
    MilestoneDue,
    OpenThread,
    current_plan,
    milestones_due,
    open_threads,
)

GROUP = "group"
PLAN = "plan"
SCOPES = (GROUP, PLAN)
FOLLOW_UP_WINDOW = MILESTONE_WINDOW


@dataclass(frozen=True)
class AwaitingUpdate:
    update_id: int
    action_id: int
    action_title: str
    period: str
    rag: str  # "" when the viewer may not read a restricted update's status
    rag_label: str
    submitted_at: dt.datetime | None
    late: bool


@dataclass(frozen=True)
class MeasureConcern:
    assessment: Assessment
    off_track: bool
    deteriorating: bool


@dataclass
class Agenda:
    group: Group
    plan: Plan | None
    plans: list[Plan]
    scope: str
    today: dt.date
    aims: int = 0  # the aims in scope
    updates: list[AwaitingUpdate] = field(default_factory=list)
    milestones_overdue: list[MilestoneDue] = field(default_factory=list)
    milestones_due: list[MilestoneDue] = field(default_factory=list)
    measures: list[MeasureConcern] = field(default_factory=list)
    threads: list[OpenThread] = field(default_factory=list)
    follow_ups: list[DecisionEntry] = field(default_factory=list)

    @property
    def concern_assessments(self) -> list[Assessment]:
        return [c.assessment for c in self.measures]

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.updates,
                self.milestones_overdue,
                self.milestones_due,
                self.measures,
                self.threads,
                self.follow_ups,
            )
        )


def group_people(group: Group) -> set[int]:
    """The group's members and its chair (one query)."""
    people = set(
        Group.members.through.objects.filter(group=group).values_list("person_id", flat=True)
    )
    return people | ({group.chair_id} if group.chair_id else set())


def aims_in_scope(plan: Plan, group: Group, scope: str) -> set[int]:
    """The plan's aims the group oversees (see the module's docstring): two queries."""
    aims = Action.objects.filter(partnership_id=plan.partnership_id, driver__outcome__plan=plan)
    if scope == GROUP:
        people = group_people(group)
        aims = aims.filter(Q(lead_id__in=people) | Q(deputies__in=people))
    return set(aims.values_list("pk", flat=True).distinct())


def awaiting_updates(membership: Membership, plan: Plan, aims: set[int]) -> list[AwaitingUpdate]:
    """Submitted updates not yet accepted or returned, oldest period first. A restricted
    update's status shows only to those who may read it (as everywhere)."""
    rows = (
        ProgressUpdate.objects.filter(
            partnership_id=plan.partnership_id, period__plan=plan, state=UpdateState.SUBMITTED
        )
        .select_related("action", "period")
        .prefetch_related("restricted_to", "action__deputies")
        .order_by("period__starts", "action__position", "action_id")
    )
    found = []
    for u in rows:
        if u.action_id not in aims:
            continue
        visible = may_see_content(membership, u.restricted_to.all(), u.action)
        found.append(
            AwaitingUpdate(
                update_id=u.pk,
                action_id=u.action_id,
                action_title=u.action.title,
                period=u.period.label,
                rag=u.rag if visible else "",
                rag_label=str(Rag(u.rag).label) if visible else "",
                submitted_at=u.submitted_at,
                late=u.late,
            )
        )
    return found


def measure_concerns(membership: Membership, plan: Plan, aims: set[int]) -> list[MeasureConcern]:
    """Measures evidencing an aim in scope that are off track or getting worse, their
    figures passing the viewer's disclosure thresholds as on the measures pages."""
    limits = viewer_thresholds(membership)
    concerns = []
    for measure in measures_of_plan(plan):
        if not any(a.pk in aims for a in measure.actions.all()):
            continue
        a = assess(measure, limits)
        off_track = a.status == "off-track"
        deteriorating = a.verdict == Verdict.DETERIORATING
        if off_track or deteriorating:
            concerns.append(MeasureConcern(a, off_track, deteriorating))
    return concerns


def follow_ups_due(plan: Plan, group: Group, today: dt.date) -> list[DecisionEntry]:
    """The group's decisions on this plan whose follow-up is open and due by 30 days from
    today, or undated; soonest first, undated last (one query)."""
    rows = (
        decisions_queryset(plan.partnership_id)
        .filter(plan=plan, group=group, follow_up_done__isnull=True)
        .exclude(follow_up="")
        .filter(Q(follow_up_due__isnull=True) | Q(follow_up_due__lte=today + FOLLOW_UP_WINDOW))
        .order_by("decided_on", "id")
    )
    entries = [entry(d, as_of=today) for d in rows]
    return sorted(entries, key=lambda e: (e.follow_up_due is None, e.follow_up_due or today))


def agenda_load(
    membership: Membership,
    group: Group,
    *,
    plan_pk: int | None = None,
    scope: str = GROUP,
    today: dt.date | None = None,
) -> Agenda:
    """The group's agenda for the chosen plan (the current plan unless `plan_pk` names
    another of the partnership's plans)."""
    today = today or timezone.localdate()
    plans = list(membership.partnership.plans.all())
    if plan_pk is not None:
        plan = next((p for p in plans if p.pk == plan_pk), None)
        if plan is None:
            raise NotFound()
    else:
        plan = current_plan(plans)
    agenda = Agenda(group=group, plan=plan, plans=plans, scope=scope, today=today)
    if plan is None:
        return agenda
    aims = aims_in_scope(plan, group, scope)
    agenda.aims = len(aims)
    agenda.updates = awaiting_updates(membership, plan, aims)
    overdue, due = milestones_due(plan, today)
    agenda.milestones_overdue = [m for m in overdue if m.action_id in aims]
    agenda.milestones_due = [m for m in due if m.action_id in aims]
    agenda.measures = measure_concerns(membership, plan, aims)
    agenda.threads = [t for t in open_threads(plan, today) if t.action_id in aims]
    agenda.follow_ups = follow_ups_due(plan, group, today)
    return agenda
