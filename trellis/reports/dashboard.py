"""The partnership dashboard: the first page after sign-in, as plain data.

`dashboard_load()` picks the partnership's current plan and its current period and gathers
what the page shows about them. Every number is a count of things another page (or a list
on the dashboard) shows, and carries the filters that list exactly those things;
docs/dashboard.md says what each one counts.

**The current plan** is the most recent active plan (the latest start, as plans are
ordered); with none active, the most recent draft; closed plans are never current. The
other plans are listed beside it, so a partnership running two active plans reaches the
second in one click.

**The current period** is the one the progress overview shows unless told otherwise
(`trellis.progress.overview.current_period`): the latest period that has begun and holds an
update, failing that the latest that has begun. The previous period is the one before it
in the plan's calendar.

**RAG counts** are the overview's own rows, counted by outcome and status, for the current
period and for the previous one: an update the viewer may not read counts as "Restricted"
in both, exactly as the overview shows it, so the counts never reveal a restricted status.

**Milestones** are the plan's milestones not done, by their current due date (the revised
date when there is one): *overdue* before today, *due* from today to 30 days ahead. The
dashboard counts all of them but lists only the first 20 of each (the most overdue, the
soonest due); `reports:plan-milestones` lists them all.

**Open challenge threads.** A thread is an action's comments (trellis.progress.comments:
board members and plan owners challenge, the action's lead and deputies reply). It is open
when its latest comment was made in the last 90 days, or when its latest comment is not by
the action's lead or one of its deputies: a challenge still waiting for an answer.

**Cost.** A fixed number of queries whatever the number of actions or measures: the plans,
the overview for each of the two periods, the plan's milestones, its measures with their
figures (and the flags' updates), and the commented actions with their deputies.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from trellis.accounts.models import Membership
from trellis.measures.flags import Flag, flags
from trellis.measures.selectors import (
    Assessment,
    assess,
    measures_of_plan,
    viewer_thresholds,
)
from trellis.plans.models import Action, Milestone, Plan
from trellis.progress.models import Comment, ReportingPeriod
from trellis.progress.overview import (
    LATE,
    MISSING,
    RAG_TAGS,
    RAG_VALUES,
    RESTRICTED,
    Filters,
    Overview,
    overview_filter,
    overview_load,
    rag_labels,
)

MILESTONE_WINDOW = dt.timedelta(days=30)
MILESTONE_ROWS = 20  # of each list on the dashboard; the milestones page lists them all
THREAD_WINDOW = dt.timedelta(days=90)
_CURRENT_STATUSES = (Plan.Status.ACTIVE, Plan.Status.DRAFT)


# What the page shows


@dataclass(frozen=True)
class RagColumn:
    value: str
    label: str
    tag: str


@dataclass(frozen=True)
class RagCount:
    """How many of an outcome's actions have one status this period, and the change since
    the previous period (None when there is no previous period)."""

    rag: str
    label: str
    count: int
    change: int | None
    query: str  # the overview's filters that list exactly these actions

    @property
    def change_text(self) -> str:
        if self.change is None:
            return ""
        if self.change > 0:
            return f"+{self.change}"
        return f"−{-self.change}" if self.change < 0 else "0"


@dataclass(frozen=True)
class OutcomeStatus:
    outcome_id: int | None  # None for the row of every outcome
    title: str
    counts: list[RagCount]
    total: int
    query: str


@dataclass(frozen=True)
class LinkedCount:
    count: int
    query: str


@dataclass(frozen=True)
class MilestoneDue:
    milestone_id: int
    title: str
    action_id: int
    action_title: str
    due: dt.date
    revised_due: dt.date | None
    current_due: dt.date
    days: int  # days overdue, or days until it falls due


@dataclass(frozen=True)
class FirstMilestones:
    """The first `limit` of each of `milestones_due()`'s lists, and the length of each."""

    overdue: list[MilestoneDue]
    due: list[MilestoneDue]
    overdue_total: int
    due_total: int


@dataclass(frozen=True)
class OpenThread:
    action_id: int
    action_title: str
    comments: int
    last_comment_at: dt.datetime
    awaiting_reply: bool


@dataclass
class PlanDashboard:
    plan: Plan
    period: ReportingPeriod | None
    previous: ReportingPeriod | None
    today: dt.date
    actions: int
    rag_columns: list[RagColumn] = field(default_factory=list)
    outcomes: list[OutcomeStatus] = field(default_factory=list)
    all_outcomes: OutcomeStatus | None = None
    missing: LinkedCount | None = None
    late: LinkedCount | None = None
    # The first MILESTONE_ROWS of each list, and how many there are in all.
    milestones_overdue: list[MilestoneDue] = field(default_factory=list)
    milestones_due: list[MilestoneDue] = field(default_factory=list)
    milestones_overdue_total: int = 0
    milestones_due_total: int = 0
    measures: list[Assessment] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    threads: list[OpenThread] = field(default_factory=list)


@dataclass
class Dashboard:
    current: PlanDashboard | None
    other_plans: list[Plan]


# The plan and the period


def current_plan(plans: list[Plan]) -> Plan | None:
    """The most recent active plan, else the most recent draft (see the module's
    docstring). `plans` come in the model's order, latest start first."""
    for status in _CURRENT_STATUSES:
        found = next((p for p in plans if p.status == status), None)
        if found is not None:
            return found
    return None


def previous_period(overview: Overview) -> ReportingPeriod | None:
    periods = overview.periods
    if overview.period is None or overview.period not in periods:
        return None
    index = periods.index(overview.period)
    return periods[index - 1] if index > 0 else None


def _query(period: ReportingPeriod, **filters: object) -> str:
    """The overview's query string for these filters, the period always named so the
    overview shows the period counted whatever its own default."""
    return urlencode({"period": period.pk, **{k: v for k, v in filters.items() if v}})


# RAG by outcome


def rag_by_outcome(
    period: ReportingPeriod, current: Overview, previous: Overview | None
) -> tuple[list[RagColumn], list[OutcomeStatus], OutcomeStatus]:
    """Each outcome's actions counted by status in `period` (the period of `current`),
    with the change since the previous period, and the same over every outcome.
    "Restricted" is a column only when some update of either period is restricted from
    the viewer."""
    now = Counter((r.outcome_id, r.rag) for r in current.rows)
    before = Counter((r.outcome_id, r.rag) for r in previous.rows) if previous else None
    restricted = any(rag == RESTRICTED for _o, rag in (*now, *(before or ())))
    labels = rag_labels()
    columns = [
        RagColumn(v, labels[v], RAG_TAGS[v]) for v in RAG_VALUES if v != RESTRICTED or restricted
    ]

    def row(outcome_id: int | None, title: str) -> OutcomeStatus:
        counts = []
        for column in columns:
            keys = [(o.value, column.value) for o in current.outcomes]
            if outcome_id is not None:
                keys = [(outcome_id, column.value)]
            count = sum(now[k] for k in keys)
            change = count - sum(before[k] for k in keys) if before is not None else None
            query = _query(period, outcome=outcome_id, rag=column.value)
            counts.append(RagCount(column.value, column.label, count, change, query))
        total = sum(c.count for c in counts)
        return OutcomeStatus(outcome_id, title, counts, total, _query(period, outcome=outcome_id))

    outcomes = [row(o.value, o.label) for o in current.outcomes]
    return columns, outcomes, row(None, "")


# Milestones


_MILESTONE_FIELDS = ("id", "title", "due", "revised_due", "expected", "action_id", "action__title")


def _open_milestones(plan: Plan, today: dt.date) -> QuerySet[Milestone]:
    """The plan's milestones not done whose current due date is at most 30 days ahead, as
    `expected`, in the order both lists show them: the earliest first."""
    return (
        Milestone.objects.filter(
            partnership_id=plan.partnership_id,
            action__driver__outcome__plan=plan,
            done__isnull=True,
        )
        .annotate(expected=Coalesce("revised_due", "due"))  # `Milestone.current_due`, in SQL
        .filter(expected__lte=today + MILESTONE_WINDOW)
        .order_by("expected", "id")
    )


def _milestone_due(row: dict[str, Any], today: dt.date) -> MilestoneDue:
    current: dt.date = row["expected"]
    return MilestoneDue(
        milestone_id=row["id"],
        title=row["title"],
        action_id=row["action_id"],
        action_title=row["action__title"],
        due=row["due"],
        revised_due=row["revised_due"],
        current_due=current,
        days=abs((current - today).days),
    )


def milestones_due(plan: Plan, today: dt.date) -> tuple[list[MilestoneDue], list[MilestoneDue]]:
    """The plan's milestones not done that are overdue, and those due in the next 30 days,
    each by its current due date, every one of them (one query)."""
    overdue: list[MilestoneDue] = []
    due: list[MilestoneDue] = []
    for row in _open_milestones(plan, today).values(*_MILESTONE_FIELDS):
        item = _milestone_due(row, today)
        (overdue if item.current_due < today else due).append(item)
    return overdue, due


def first_milestones(plan: Plan, today: dt.date, limit: int) -> FirstMilestones:
    """`milestones_due()` cut to its first `limit` of each list, with the full counts: one
    query whatever the number, the database numbering and counting each list (window
    functions) so only the rows shown are read."""
    late = Case(
        When(expected__lt=today, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    rows = (
        _open_milestones(plan, today)
        .annotate(
            place=Window(RowNumber(), partition_by=[late], order_by=[F("expected"), F("id")]),
            total=Window(Count("id"), partition_by=[late]),
        )
        .filter(place__lte=limit)
        .values(*_MILESTONE_FIELDS, "total")
    )
    overdue: list[MilestoneDue] = []
    due: list[MilestoneDue] = []
    totals = {True: 0, False: 0}
    for row in rows:
        item = _milestone_due(row, today)
        is_late = item.current_due < today
        (overdue if is_late else due).append(item)
        totals[is_late] = row["total"]
    return FirstMilestones(overdue, due, overdue_total=totals[True], due_total=totals[False])


# Challenge threads


def open_threads(plan: Plan, today: dt.date) -> list[OpenThread]:
    """The plan's open challenge threads (see the module's docstring), those awaiting a
    reply first, then the most recently active: two queries."""
    latest = Comment.objects.filter(action=OuterRef("pk")).order_by("-created_at", "-id")
    commented = list(
        Action.objects.filter(partnership_id=plan.partnership_id, driver__outcome__plan=plan)
        .annotate(
            comment_count=Count("comments"),
            last_comment_at=Max("comments__created_at"),
            last_author=Subquery(latest.values("author_id")[:1]),
        )
        .filter(comment_count__gt=0)
        .values("id", "title", "lead_id", "comment_count", "last_comment_at", "last_author")
    )
    if not commented:
        return []
    deputies: dict[int, set[int]] = defaultdict(set)
    pairs = Action.deputies.through.objects.filter(action_id__in=[a["id"] for a in commented])
    for action_id, person_id in pairs.values_list("action_id", "person_id"):
        deputies[action_id].add(person_id)
    threads = []
    for a in commented:
        answerers = {a["lead_id"], *deputies[a["id"]]} - {None}
        awaiting = a["last_author"] not in answerers
        recent = timezone.localdate(a["last_comment_at"]) >= today - THREAD_WINDOW
        if awaiting or recent:
            threads.append(
                OpenThread(a["id"], a["title"], a["comment_count"], a["last_comment_at"], awaiting)
            )
    threads.sort(key=lambda t: t.last_comment_at, reverse=True)
    threads.sort(key=lambda t: not t.awaiting_reply)  # stable: awaiting first, newest first
    return threads


# The whole dashboard


def plan_dashboard(membership: Membership, plan: Plan, today: dt.date) -> PlanDashboard:
    current = overview_load(membership, plan.pk, today=today)
    period = current.period
    board = PlanDashboard(
        plan=plan, period=period, previous=None, today=today, actions=len(current.rows)
    )
    if period is not None:
        board.previous = previous_period(current)
        before = (
            overview_load(membership, plan.pk, period_pk=board.previous.pk, today=today)
            if board.previous is not None
            else None
        )
        board.rag_columns, board.outcomes, board.all_outcomes = rag_by_outcome(
            period, current, before
        )
        states = {c.value: c.count for c in overview_filter(current, Filters()).state_counts}
        board.missing = LinkedCount(states[MISSING], _query(period, state=MISSING))
        board.late = LinkedCount(states[LATE], _query(period, state=LATE))
    first = first_milestones(plan, today, MILESTONE_ROWS)
    board.milestones_overdue, board.milestones_overdue_total = first.overdue, first.overdue_total
    board.milestones_due, board.milestones_due_total = first.due, first.due_total
    limits = viewer_thresholds(membership)
    board.measures = [assess(m, limits) for m in measures_of_plan(plan)]
    board.flags = flags(membership, board.measures, plan)
    board.threads = open_threads(plan, today)
    return board


def dashboard_load(membership: Membership, *, today: dt.date | None = None) -> Dashboard:
    """The dashboard of the partnership's current plan, and its other plans."""
    today = today or timezone.localdate()
    plans = list(membership.partnership.plans.all())
    plan = current_plan(plans)
    return Dashboard(
        current=plan_dashboard(membership, plan, today) if plan is not None else None,
        other_plans=[p for p in plans if p != plan],
    )
