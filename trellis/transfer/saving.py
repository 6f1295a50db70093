"""Saving a reviewed draft as a new plan: everything or nothing, every problem at once.

Each record is written by the same services the plan pages use (so each is checked and
audited as if typed in), inside one transaction; one more audit entry records the import
itself. What goes where:

- outcomes, drivers, actions and milestones become the plan's own records; an action's
  measures become its key improvement measure text (one a line) and its leads its lead
  responsibility (separated by "; ");
- an action's targets become one manual measure, linked to the action, with a target for
  each date (its trajectory);
- a dated update becomes the action's accepted progress update for the reporting period
  holding the date (several in one period are joined, the last RAG word wins); undated
  updates become the action's latest progress text.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from trellis.accounts.models import Membership
from trellis.accounts.policy import Perm, require
from trellis.audit.services import audit_append
from trellis.errors import Invalid
from trellis.measures.models import Kind, Measure, Target
from trellis.plans.models import Action, Driver, Milestone, Outcome, Plan
from trellis.plans.services import plan_item_create
from trellis.progress.models import ProgressUpdate, ReportingPeriod, UpdateRevision, UpdateState
from trellis.transfer.draft import ActionDraft, PlanDraft, Update
from trellis.transfer.phrases import RAG_LABELS, show_date
from trellis.writes import record_create

NO_NARRATIVE = "(A status only: the imported plan gave no words for this period.)"


def default_span(draft: PlanDraft, today: dt.date) -> tuple[dt.date, dt.date]:
    """Dates that hold every update and milestone: from the first day of the earliest
    month, for at least a year."""
    dates = [u.date for a in draft.actions() for u in a.updates if u.date]
    dates += [m.due for a in draft.actions() for m in a.milestones]
    first = min(dates, default=today)
    starts = first.replace(day=1)
    year_on = starts.replace(year=starts.year + 1) - dt.timedelta(days=1)
    return starts, max([year_on, *dates])


def draft_problems(
    draft: PlanDraft, *, title: str, starts: dt.date | None, ends: dt.date | None
) -> list[str]:
    """Everything that stops the draft being saved, all at once."""
    problems: list[str] = []
    if not title.strip():
        problems.append("Give the plan a title.")
    if starts is None or ends is None:
        problems.append("Give the plan's start and end dates.")
    elif ends < starts:
        problems.append("The plan must end after it starts.")
    if not draft.outcomes:
        problems.append("Nothing was found to import: check the headings are mapped.")
    for outcome in draft.outcomes:
        if not outcome.title:
            problems.append(f"Row {outcome.row}: an outcome has no title.")
    for action in draft.actions():
        problems += _action_problems(action, starts, ends)
    return problems


def _action_problems(
    action: ActionDraft, starts: dt.date | None, ends: dt.date | None
) -> list[str]:
    where = f"Row {action.row} ({action.title[:40] or 'untitled action'})"
    problems = [] if action.title else [f"{where}: the action has no title."]
    by_date: dict[dt.date, set[float]] = defaultdict(set)
    for target in action.targets:
        by_date[target.date].add(target.value)
    problems += [
        f"{where}: two different targets for {show_date(day)}; keep one."
        for day, values in by_date.items()
        if len(values) > 1
    ]
    if starts and ends:
        problems += [
            f"{where}: an update dated {show_date(u.date)} is outside the plan's dates."
            for u in action.updates
            if u.date and not starts <= u.date <= ends
        ]
    return problems


def plan_import(
    *,
    membership: Membership,
    draft: PlanDraft,
    title: str,
    starts: dt.date,
    ends: dt.date,
    source_name: str,
) -> Plan:
    require(membership, Perm.EDIT_PLAN)
    problems = draft_problems(draft, title=title, starts=starts, ends=ends)
    if problems:
        raise Invalid("The plan was not imported. " + " ".join(problems), {"import": problems})
    with transaction.atomic():
        plan = plan_item_create(
            Plan,
            membership=membership,
            fields={"title": title.strip(), "starts": starts, "ends": ends},
        )
        periods = list(ReportingPeriod.objects.filter(plan=plan).order_by("starts"))
        counts = _write_tree(membership, plan, draft, periods)
        audit_append(
            actor=membership.person,
            verb="plan.import",
            target=plan,
            partnership_id=membership.partnership_id,
            changes={"source": source_name, **counts},
        )
    return plan


def _write_tree(
    membership: Membership, plan: Plan, draft: PlanDraft, periods: list[ReportingPeriod]
) -> dict[str, int]:
    counts = {"outcomes": 0, "drivers": 0, "actions": 0, "milestones": 0, "updates": 0}
    for i, o in enumerate(draft.outcomes):
        outcome = plan_item_create(
            Outcome, membership=membership, parent=plan, fields={"title": o.title, "position": i}
        )
        counts["outcomes"] += 1
        for j, d in enumerate(o.drivers):
            driver = plan_item_create(
                Driver,
                membership=membership,
                parent=outcome,
                fields={"title": d.title, "position": j},
            )
            counts["drivers"] += 1
            for k, a in enumerate(d.actions):
                counts["actions"] += 1
                _write_action(membership, plan, driver, a, k, periods, counts)
    return counts


def _write_action(
    membership: Membership,
    plan: Plan,
    driver: Driver,
    draft: ActionDraft,
    position: int,
    periods: list[ReportingPeriod],
    counts: dict[str, int],
) -> None:
    undated = [u for u in draft.updates if u.date is None]
    action = plan_item_create(
        Action,
        membership=membership,
        parent=driver,
        fields={
            "title": draft.title,
            "position": position,
            "key_measure": "\n".join(draft.measures),
            "lead_responsibility": "; ".join(draft.leads),
            "latest_progress": "\n\n".join(undated_text(u) for u in undated),
        },
    )
    for m in draft.milestones:
        plan_item_create(
            Milestone, membership=membership, parent=action, fields={"title": m.title, "due": m.due}
        )
        counts["milestones"] += 1
    if draft.targets:
        _write_measure(membership, plan, action, draft)
    counts["updates"] += _write_updates(membership, action, draft, periods)


def undated_text(update: Update) -> str:
    """An undated update kept in the latest progress text, its RAG word in front."""
    if update.rag:
        return f"({RAG_LABELS[update.rag]}): {update.text}".rstrip()
    return update.text


def _write_measure(membership: Membership, plan: Plan, action: Action, draft: ActionDraft) -> None:
    percent = all(t.unit == "%" for t in draft.targets)
    measure = record_create(
        Measure,
        actor=membership.person,
        partnership=membership.partnership,
        code=f"P{plan.pk}-A{action.pk}"[:30],
        title=(draft.measures[0] if draft.measures else draft.title)[:300],
        kind=Kind.PERCENTAGE if percent else Kind.COUNT,
        unit="" if percent else draft.targets[0].unit[:30],
        direction="increase",
        role="outcome",
        source="manual",
        m2m={"actions": [action]},
    )
    Target.objects.bulk_create(
        Target(measure=measure, due=t.date, value=t.value) for t in draft.targets
    )


def _write_updates(
    membership: Membership, action: Action, draft: ActionDraft, periods: list[ReportingPeriod]
) -> int:
    grouped: dict[int, list[Update]] = defaultdict(list)
    by_pk = {p.pk: p for p in periods}
    for update in draft.updates:
        if update.date is not None:
            period = next(p for p in periods if p.starts <= update.date <= p.ends)
            grouped[period.pk].append(update)
    rag = "not-started"
    now = timezone.now()
    for period_pk in sorted(grouped, key=lambda pk: by_pk[pk].starts):
        updates = grouped[period_pk]
        rag = next((u.rag for u in reversed(updates) if u.rag), rag)
        fields: dict[str, Any] = {
            "partnership": membership.partnership,
            "action": action,
            "period": by_pk[period_pk],
            "rag": rag,
            "narrative": "\n\n".join(u.text for u in updates if u.text) or NO_NARRATIVE,
            "state": UpdateState.ACCEPTED,
            "author": membership.person,
            "submitted_at": now,
            "reviewed_by": membership.person,
            "reviewed_at": now,
        }
        saved = record_create(
            ProgressUpdate, actor=membership.person, verb="update.import", **fields
        )
        UpdateRevision.objects.create(
            update=saved,
            version=saved.version,
            state=saved.state,
            rag=saved.rag,
            narrative=saved.narrative,
            note="Imported",
            by=membership.person,
            at=now,
        )
    return len(grouped)
