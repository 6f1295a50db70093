"""Collections of the progress cycle: reporting periods, progress updates and challenge
comments. A restricted update is listed to everyone, but its content (status, narrative,
reason for return) only to those the web pages show it to (`may_see_content`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from trellis.api.fields import Collection, Query, f, iso
from trellis.progress.models import Comment, ProgressUpdate, Rag, ReportingPeriod, UpdateState
from trellis.progress.selectors import may_see_content


def _periods(q: Query) -> QuerySet[ReportingPeriod]:
    found = ReportingPeriod.objects.filter(partnership=q.membership.partnership_id)
    if q.plan:
        found = found.filter(plan=q.plan)
    if q.period is not None:
        found = found.filter(pk=q.period.pk)
    return found.order_by("plan_id", "starts")


PERIODS = Collection(
    name="periods",
    title="Reporting periods",
    description="Each plan's reporting calendar, with when updates are due.",
    fields=(
        f("id", "integer"),
        f("plan", "integer"),
        f("label"),
        f("starts", "date"),
        f("ends", "date"),
        f("due", "date", "When updates for the period are due."),
        f("closed", "boolean"),
        f("closed_at", "date-time", nullable=True),
    ),
    records=_periods,
    row=lambda p, q: {
        "id": p.pk,
        "plan": p.plan_id,
        "label": p.label,
        "starts": iso(p.starts),
        "ends": iso(p.ends),
        "due": iso(p.due),
        "closed": p.is_closed,
        "closed_at": iso(p.closed_at),
    },
    filters=("plan", "period"),
)


def updates_queryset(partnership_id: int) -> QuerySet[ProgressUpdate]:
    return (
        ProgressUpdate.objects.filter(partnership=partnership_id)
        .select_related("period", "author", "on_behalf_of", "action")
        .prefetch_related("restricted_to", "action__deputies")
    )


def _updates(q: Query) -> QuerySet[ProgressUpdate]:
    found = updates_queryset(q.membership.partnership_id)
    if q.plan:
        found = found.filter(period__plan=q.plan)
    if q.period is not None:
        found = found.filter(period=q.period)
    return found.order_by("period__starts", "action_id", "pk")


def update_row(u: ProgressUpdate, q: Query) -> dict[str, Any]:
    visible = may_see_content(q.membership, u.restricted_to.all(), u.action)
    return {
        "id": u.pk,
        "plan": u.period.plan_id,
        "action": u.action_id,
        "period": u.period_id,
        "state": u.state,
        "restricted": bool(u.restricted_to.all()),
        "rag": u.rag if visible else None,
        "narrative": u.narrative if visible else None,
        "return_reason": u.return_reason if visible else None,
        "author": str(u.author),
        "on_behalf_of": str(u.on_behalf_of) if u.on_behalf_of else None,
        "submitted_at": iso(u.submitted_at),
        "late": u.late,
        "reviewed_at": iso(u.reviewed_at),
        "version": u.version,
        "updated_at": iso(u.updated_at),
    }


UPDATES = Collection(
    name="updates",
    title="Progress updates",
    description=(
        "Each action's update for a period. A restricted update's status and narrative are "
        "null for callers who may not read it."
    ),
    fields=(
        f("id", "integer"),
        f("plan", "integer"),
        f("action", "integer"),
        f("period", "integer"),
        f("state", enum=tuple(UpdateState.values)),
        f("restricted", "boolean", "Only named groups, the lead and plan owners may read it."),
        f("rag", "string", "The status (RAG).", nullable=True, enum=tuple(Rag.values)),
        f("narrative", nullable=True),
        f("return_reason", nullable=True),
        f("author"),
        f("on_behalf_of", "string", "The lead a deputy wrote for.", nullable=True),
        f("submitted_at", "date-time", nullable=True),
        f("late", "boolean"),
        f("reviewed_at", "date-time", nullable=True),
        f("version", "integer", "Send it back when you change or submit the update."),
        f("updated_at", "date-time"),
    ),
    records=_updates,
    row=update_row,
    filters=("plan", "period"),
)


def _comments(q: Query) -> QuerySet[Comment]:
    found = Comment.objects.filter(partnership=q.membership.partnership_id).select_related(
        "author", "update", "action__driver__outcome"
    )
    if q.plan:
        found = found.filter(action__driver__outcome__plan=q.plan)
    if q.period is not None:
        found = found.filter(
            Q(update__period=q.period)
            | Q(update__isnull=True, created_at__date__range=(q.period.starts, q.period.ends))
        )
    return found.order_by("created_at", "pk")


COMMENTS = Collection(
    name="comments",
    title="Comments",
    description=(
        "Challenge on actions. Filtered by period: comments on that period's updates, and "
        "comments on the action itself made during the period."
    ),
    fields=(
        f("id", "integer"),
        f("plan", "integer"),
        f("action", "integer"),
        f("update", "integer", nullable=True),
        f("period", "integer", nullable=True),
        f("author"),
        f("body"),
        f("edited", "boolean"),
        f("created_at", "date-time"),
        f("version", "integer"),
    ),
    records=_comments,
    row=lambda c, q: {
        "id": c.pk,
        "plan": c.action.driver.outcome.plan_id,
        "action": c.action_id,
        "update": c.update_id,
        "period": c.update.period_id if c.update else None,
        "author": str(c.author),
        "body": c.body,
        "edited": c.edited,
        "created_at": iso(c.created_at),
        "version": c.version,
    },
    filters=("plan", "period"),
)
