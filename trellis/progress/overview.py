"""The plan owner's overview of a reporting period, and what is due from a lead.

Reads only, pure of HTTP: `overview_load()` gathers every action of a plan with its update
for one period, `overview_filter()` narrows and counts them, `overview_csv_rows()` lays
them out for the download, and `actions_due()` says what each of a lead's actions owes.

**Update state.** Each action has exactly one state for the period, so the state counts
add up to the number of actions: *missing* (no update started), or its update's *draft*,
*submitted*, *accepted* or *returned*.

**Late** is marked beside the state (a "Late" tag; counted, and filtered as state
"late"), because a late update is still a draft, a submitted update and so on. An action
is late for the period when either
- its update was submitted after the due date (`ProgressUpdate.late`, set when it is
  submitted; it stays marked after it is accepted, as the record of a late return), or
- the due date has passed and no update stands submitted: it is missing, still a draft,
  or was returned to the lead and not yet resubmitted (resubmitting it now would be late).
A submitted or accepted update that came in by the due date is never late. The due date
is the last day on time, as `update_submit` decides: late from the day after.

**The period shown** unless one is chosen is the latest period that has started and holds
at least one update; failing that the latest that has started; failing that the first.
So the first days of a new quarter, when nobody has written for it yet, still show the
quarter whose updates are being chased.

**RAG** comes from the update ("No update" when it is missing). An update restricted to
named groups shows its state to everyone but its RAG only to people who may read its
content (`may_see_content`); to others its RAG is "Restricted", and the RAG filter and
counts treat it so, so filtering cannot reveal it.

**Cost.** A fixed number of queries whatever the number of actions: the plan, its
periods, the actions with their leads and deputies, the period's updates with their
groups, the leads' memberships, the partnership's agencies, groups and group members (and
the viewer's groups, once, when a restricted update needs it).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.accounts.models import Agency, Group, Membership
from trellis.plans.models import Action, Plan
from trellis.plans.selectors import get_scoped
from trellis.progress.models import ProgressUpdate, Rag, ReportingPeriod, UpdateState
from trellis.progress.selectors import may_see_content

MISSING = "missing"
LATE = "late"
NO_UPDATE = "none"
RESTRICTED = "restricted"
STATE_VALUES = (MISSING, *UpdateState.values)
RAG_VALUES = (*Rag.values, NO_UPDATE, RESTRICTED)
_SUBMITTED = frozenset({UpdateState.SUBMITTED, UpdateState.ACCEPTED})

# GOV.UK tag colours; every tag carries its label in words too.
STATE_TAGS = {
    MISSING: "govuk-tag--grey",
    UpdateState.DRAFT: "govuk-tag--yellow",
    UpdateState.SUBMITTED: "govuk-tag--blue",
    UpdateState.ACCEPTED: "govuk-tag--green",
    UpdateState.RETURNED: "govuk-tag--orange",
    LATE: "govuk-tag--red",
}
RAG_TAGS = {
    Rag.RED: "govuk-tag--red",
    Rag.AMBER: "govuk-tag--orange",
    Rag.GREEN: "govuk-tag--green",
    Rag.COMPLETE: "govuk-tag--blue",
    Rag.NOT_STARTED: "govuk-tag--grey",
    NO_UPDATE: "govuk-tag--grey",
    RESTRICTED: "govuk-tag--grey",
}


def state_labels() -> dict[str, str]:
    """State value -> label in the current language, "late" included."""
    return {
        MISSING: _("Missing"),
        **{value: str(label) for value, label in UpdateState.choices},
        LATE: _("Late"),
    }


def rag_labels() -> dict[str, str]:
    return {
        **{value: str(label) for value, label in Rag.choices},
        NO_UPDATE: _("No update"),
        RESTRICTED: _("Restricted"),
    }


@dataclass(frozen=True)
class Filters:
    outcome: int | None = None
    agency: int | None = None
    group: int | None = None
    lead: int | None = None
    state: str = ""  # a value of STATE_VALUES, or LATE
    rag: str = ""  # a value of RAG_VALUES

    def active(self) -> bool:
        return any((self.outcome, self.agency, self.group, self.lead, self.state, self.rag))


@dataclass(frozen=True)
class OverviewRow:
    """One action in the period. Labels and tag classes are worked out here, once, so the
    page does no per-row lookups beyond reading these."""

    action_id: int
    title: str
    outcome_id: int
    outcome_title: str
    lead_id: int | None
    lead_name: str
    agency_id: int | None
    agency_name: str
    lead_responsibility: str
    state: str
    state_label: str
    state_tag: str
    late: bool
    rag: str
    rag_label: str
    rag_tag: str
    update_id: int | None


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass
class Overview:
    """Everything the page needs before filtering: the plan, its periods, the chosen
    period, every action's row, and the options of each filter."""

    plan: Plan
    periods: list[ReportingPeriod]
    period: ReportingPeriod | None
    today: dt.date
    rows: list[OverviewRow] = field(default_factory=list)
    outcomes: list[Option] = field(default_factory=list)
    agencies: list[Option] = field(default_factory=list)
    groups: list[Option] = field(default_factory=list)
    leads: list[Option] = field(default_factory=list)
    group_people: dict[int, frozenset[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Count:
    value: str
    label: str
    tag: str
    count: int


@dataclass(frozen=True)
class OutcomeGroup:
    outcome_id: int
    title: str
    rows: list[OverviewRow]


@dataclass(frozen=True)
class FilteredOverview:
    rows: list[OverviewRow]
    total: int  # actions in the period before filtering
    state_counts: list[Count]  # of the rows matching every filter but the state
    rag_counts: list[Count]  # of the rows matching every filter but the RAG

    @property
    def by_outcome(self) -> list[OutcomeGroup]:
        groups: list[OutcomeGroup] = []
        for row in self.rows:
            if not groups or groups[-1].outcome_id != row.outcome_id:
                groups.append(OutcomeGroup(row.outcome_id, row.outcome_title, []))
            groups[-1].rows.append(row)
        return groups


# Periods


def _periods_with_updates(plan_ids: Iterable[int]) -> list[ReportingPeriod]:
    return list(
        ReportingPeriod.objects.filter(plan_id__in=list(plan_ids))
        .annotate(has_updates=Exists(ProgressUpdate.objects.filter(period=OuterRef("pk"))))
        .order_by("plan_id", "starts")
    )


def current_period(periods: Sequence[ReportingPeriod], today: dt.date) -> ReportingPeriod | None:
    """The period shown unless one is chosen (see the module's docstring). `periods` are
    one plan's, in order, annotated with `has_updates`."""
    started = [p for p in periods if p.starts <= today]
    if not started:
        return periods[0] if periods else None
    with_updates = [p for p in started if getattr(p, "has_updates", False)]
    return (with_updates or started)[-1]


def late_for(*, state: str, late: bool, due: dt.date, today: dt.date) -> bool:
    """Whether an action is late for a period (see the module's docstring): its update
    (in `state`, MISSING if none) was submitted late, or is still outstanding after `due`."""
    if late:
        return True
    return state not in _SUBMITTED and today > due


def is_late(update: ProgressUpdate | None, period: ReportingPeriod, today: dt.date) -> bool:
    if update is None:
        return today > period.due
    return late_for(state=update.state, late=update.late, due=period.due, today=today)


# Loading


# Plain values, not model instances: the page reads a handful of fields of each action,
# and building hundreds of instances (with a related manager each for prefetched sets)
# cost more than everything else on the page.
_ACTION_FIELDS = (
    "id",
    "title",
    "lead_responsibility",
    "lead_id",
    "lead__full_name",
    "lead__email",
    "driver__outcome_id",
    "driver__outcome__title",
)


def _plan_actions(plan: Plan) -> list[dict[str, Any]]:
    return list(
        Action.objects.filter(partnership_id=plan.partnership_id, driver__outcome__plan=plan)
        .order_by(
            "driver__outcome__position",
            "driver__outcome_id",
            "driver__position",
            "driver_id",
            "position",
            "id",
        )
        .values(*_ACTION_FIELDS)
    )


def _updates_of(period: ReportingPeriod | None) -> dict[int, dict[str, Any]]:
    """Action id -> its update for the period (as values), with `restricted` saying whether
    the update is restricted to any group."""
    if period is None:
        return {}
    groups = ProgressUpdate.restricted_to.through.objects.filter(progressupdate_id=OuterRef("pk"))
    updates = (
        ProgressUpdate.objects.filter(partnership_id=period.partnership_id, period=period)
        .annotate(restricted=Exists(groups))
        .values("id", "action_id", "state", "rag", "late", "restricted")
    )
    return {u["action_id"]: u for u in updates}


def _readable(membership: Membership, update_ids: list[int]) -> set[int]:
    """Of these restricted updates, the ones whose content the viewer may read: decided by
    `may_see_content`, on the updates with their groups and their actions' deputies."""
    if not update_ids:
        return set()
    updates = (
        ProgressUpdate.objects.filter(partnership_id=membership.partnership_id, pk__in=update_ids)
        .select_related("action")
        .prefetch_related("restricted_to", "action__deputies")
    )
    return {u.pk for u in updates if may_see_content(membership, u.restricted_to.all(), u.action)}


def _group_people(partnership_id: int, groups: list[Group]) -> dict[int, frozenset[int]]:
    """Group id -> the people on it: its members and its chair."""
    people: dict[int, set[int]] = defaultdict(set)
    pairs = Group.members.through.objects.filter(group__partnership_id=partnership_id)
    for group_id, person_id in pairs.values_list("group_id", "person_id"):
        people[group_id].add(person_id)
    for group in groups:
        if group.chair_id is not None:
            people[group.pk].add(group.chair_id)
    return {g.pk: frozenset(people[g.pk]) for g in groups}


def overview_load(
    membership: Membership,
    plan_pk: int,
    *,
    period_pk: int | None = None,
    today: dt.date | None = None,
) -> Overview:
    """The plan's actions with their updates for the period `period_pk` (the current
    period when it is None or not one of the plan's)."""
    today = today or timezone.localdate()
    plan = get_scoped(Plan, membership.partnership, plan_pk)
    periods = _periods_with_updates([plan.pk])
    chosen = next((p for p in periods if p.pk == period_pk), None)
    period = chosen or current_period(periods, today)
    overview = Overview(plan=plan, periods=periods, period=period, today=today)
    actions = _plan_actions(plan)
    agencies = list(Agency.objects.filter(partnership_id=membership.partnership_id))
    groups = list(Group.objects.filter(partnership_id=membership.partnership_id))
    overview.agencies = [Option(a.pk, str(a)) for a in agencies]
    overview.groups = [Option(g.pk, g.name) for g in groups]
    overview.group_people = _group_people(membership.partnership_id, groups)
    overview.rows = _rows(membership, actions, period, today, agencies)
    overview.outcomes = _distinct(Option(r.outcome_id, r.outcome_title) for r in overview.rows)
    leads = _distinct(Option(r.lead_id, r.lead_name) for r in overview.rows if r.lead_id)
    overview.leads = sorted(leads, key=lambda o: o.label.casefold())
    return overview


def _distinct(options: Iterable[Option]) -> list[Option]:
    return list({o.value: o for o in options}.values())


def _lead_agencies(partnership_id: int, lead_ids: set[int]) -> dict[int, int | None]:
    return dict(
        Membership.objects.filter(
            partnership_id=partnership_id, person_id__in=lead_ids
        ).values_list("person_id", "agency_id")
    )


def _rows(
    membership: Membership,
    actions: list[dict[str, Any]],
    period: ReportingPeriod | None,
    today: dt.date,
    agencies: list[Agency],
) -> list[OverviewRow]:
    if not actions:
        return []
    updates = _updates_of(period)
    readable = _readable(membership, [u["id"] for u in updates.values() if u["restricted"]])
    lead_agency = _lead_agencies(
        membership.partnership_id, {a["lead_id"] for a in actions if a["lead_id"]}
    )
    agency_names = {a.pk: str(a) for a in agencies}
    states, rags = state_labels(), rag_labels()
    rows = []
    for action in actions:
        update = updates.get(action["id"])
        state = update["state"] if update else MISSING
        if update is None:
            rag = NO_UPDATE
        elif update["restricted"] and update["id"] not in readable:
            rag = RESTRICTED
        else:
            rag = update["rag"]
        lead_id = action["lead_id"]
        agency_id = lead_agency.get(lead_id) if lead_id else None
        rows.append(
            OverviewRow(
                action_id=action["id"],
                title=action["title"],
                outcome_id=action["driver__outcome_id"],
                outcome_title=action["driver__outcome__title"],
                lead_id=lead_id,
                lead_name=(action["lead__full_name"] or action["lead__email"]) if lead_id else "",
                agency_id=agency_id,
                agency_name=agency_names.get(agency_id, "") if agency_id else "",
                lead_responsibility=action["lead_responsibility"],
                state=state,
                state_label=states[state],
                state_tag=STATE_TAGS[state],
                late=period is not None and _late(update, period, today),
                rag=rag,
                rag_label=rags[rag],
                rag_tag=RAG_TAGS[rag],
                update_id=update["id"] if update else None,
            )
        )
    return rows


def _late(update: dict[str, Any] | None, period: ReportingPeriod, today: dt.date) -> bool:
    if update is None:
        return today > period.due
    return late_for(state=update["state"], late=update["late"], due=period.due, today=today)


# Filtering and counting


def _matches(
    row: OverviewRow, f: Filters, group_people: dict[int, frozenset[int]], ignore: str = ""
) -> bool:
    if f.outcome and row.outcome_id != f.outcome:
        return False
    if f.agency and row.agency_id != f.agency:
        return False
    if f.group and row.lead_id not in group_people.get(f.group, frozenset()):
        return False
    if f.lead and row.lead_id != f.lead:
        return False
    if f.state and ignore != "state" and not _in_state(row, f.state):
        return False
    return not (f.rag and ignore != "rag" and row.rag != f.rag)


def _in_state(row: OverviewRow, state: str) -> bool:
    return row.late if state == LATE else row.state == state


def overview_filter(overview: Overview, filters: Filters) -> FilteredOverview:
    """The rows matching every filter, with counts by state and by RAG. Each set of counts
    applies every filter but its own, so choosing a state still shows how many actions are
    in each of the others."""
    people = overview.group_people
    rows = [r for r in overview.rows if _matches(r, filters, people)]
    for_states = [r for r in overview.rows if _matches(r, filters, people, ignore="state")]
    for_rags = [r for r in overview.rows if _matches(r, filters, people, ignore="rag")]
    states, rags = state_labels(), rag_labels()
    state_counts = [
        Count(value, states[value], STATE_TAGS[value], sum(_in_state(r, value) for r in for_states))
        for value in (*STATE_VALUES, LATE)
    ]
    rag_values = [v for v in RAG_VALUES if v != RESTRICTED or any(r.rag == v for r in for_rags)]
    rag_counts = [
        Count(value, rags[value], RAG_TAGS[value], sum(r.rag == value for r in for_rags))
        for value in rag_values
    ]
    return FilteredOverview(
        rows=rows, total=len(overview.rows), state_counts=state_counts, rag_counts=rag_counts
    )


def overview_csv_rows(overview: Overview, result: FilteredOverview) -> list[list[Any]]:
    """The table as the download lays it out: a header, then one row per action shown."""
    period = overview.period
    header = [
        _("Period"),
        _("Updates due"),
        _("Stretch outcome aim"),
        _("Improvement project aim"),
        _("Accountable lead"),
        _("Lead's agency"),
        _("Lead responsibility"),
        _("Update state"),
        _("Late"),
        _("Status"),
    ]
    late_words = {True: _("Yes"), False: _("No")}
    return [header] + [
        [
            period.label if period else "",
            period.due if period else "",
            r.outcome_title,
            r.title,
            r.lead_name,
            r.agency_name,
            r.lead_responsibility,
            r.state_label,
            late_words[r.late],
            r.rag_label,
        ]
        for r in result.rows
    ]


# What is due from a lead


@dataclass(frozen=True)
class Due:
    """What an action owes for its plan's current period."""

    period_label: str
    due: dt.date
    state: str
    state_label: str
    state_tag: str
    late: bool


def actions_due(actions: Sequence[Action], *, today: dt.date | None = None) -> dict[int, Due]:
    """Action id -> the state of its update for its plan's current period (the period the
    overview shows by default), and when that update is due. Two queries for any number
    of actions; actions need `driver__outcome` loaded. An action whose plan has no periods
    has no entry."""
    if not actions:
        return {}
    today = today or timezone.localdate()
    by_plan: dict[int, list[ReportingPeriod]] = defaultdict(list)
    for each in _periods_with_updates({a.driver.outcome.plan_id for a in actions}):
        by_plan[each.plan_id].append(each)
    current = {plan_id: current_period(ps, today) for plan_id, ps in by_plan.items()}
    updates = {
        (u.action_id, u.period_id): u
        for u in ProgressUpdate.objects.filter(
            action__in=[a.pk for a in actions],
            period__in=[p.pk for p in current.values() if p is not None],
        ).only("id", "action_id", "period_id", "state", "late")
    }
    states = state_labels()
    due: dict[int, Due] = {}
    for action in actions:
        period = current.get(action.driver.outcome.plan_id)
        if period is None:
            continue
        update = updates.get((action.pk, period.pk))
        state = update.state if update else MISSING
        due[action.pk] = Due(
            period_label=period.label,
            due=period.due,
            state=state,
            state_label=states[state],
            state_tag=STATE_TAGS[state],
            late=is_late(update, period, today),
        )
    return due
