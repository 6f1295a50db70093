"""Progress updates where other pages show them: the action page's list of updates by
period (`{% action_updates action %}`), as the viewer (the context's `membership`) may see
it, and the tag colours of RAG ratings, update states and action statuses (always beside
their text). The plan table's latest progress is in trellis.plans.plan_table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.utils import timezone

from trellis.accounts.models import Membership
from trellis.accounts.policy import Perm, can
from trellis.plans.models import Action
from trellis.progress.models import ProgressUpdate, Rag, ReportingPeriod, UpdateState
from trellis.progress.selectors import may_see_content

register = template.Library()

_RAG_CLASSES = {
    Rag.NOT_STARTED: "govuk-tag--grey",
    Rag.RED: "govuk-tag--red",
    Rag.AMBER: "govuk-tag--orange",
    Rag.GREEN: "govuk-tag--green",
    Rag.COMPLETE: "govuk-tag--blue",
}
_STATE_CLASSES = {
    UpdateState.DRAFT: "govuk-tag--grey",
    UpdateState.SUBMITTED: "govuk-tag--blue",
    UpdateState.ACCEPTED: "govuk-tag--green",
    UpdateState.RETURNED: "govuk-tag--yellow",
}
_STATUS_CLASSES = {
    Action.Status.COMPLETE: "govuk-tag--green",
    Action.Status.IN_PROGRESS: "govuk-tag--blue",
}
WRITABLE_STATES = (None, UpdateState.DRAFT, UpdateState.RETURNED)


@register.filter
def rag_tag_class(rag: str) -> str:
    return _RAG_CLASSES.get(rag, "govuk-tag--grey")  # type: ignore[call-overload]


@register.filter
def state_tag_class(state: str) -> str:
    return _STATE_CLASSES.get(state, "govuk-tag--grey")  # type: ignore[call-overload]


@register.filter
def action_status_tag_class(status: str) -> str:
    return _STATUS_CLASSES.get(status, "govuk-tag--grey")  # type: ignore[call-overload]


@dataclass(frozen=True)
class PeriodRow:
    period: ReportingPeriod
    update: ProgressUpdate | None
    visible: bool  # may the viewer read the update's status and text
    can_write: bool  # may the viewer write, continue or revise it now


def period_rows(action: Action, membership: Membership | None) -> list[PeriodRow]:
    """Each period of the action's plan that has an update, or that has begun and is open,
    newest first: three queries whatever the number of updates."""
    periods = ReportingPeriod.objects.filter(plan_id=action.driver.outcome.plan_id).order_by(
        "-starts"
    )
    updates = {
        u.period_id: u
        for u in ProgressUpdate.objects.filter(action=action)
        .select_related("author", "on_behalf_of")
        .prefetch_related("restricted_to")
    }
    writer = membership is not None and can(membership, Perm.WRITE_UPDATE, action)
    today = timezone.localdate()
    rows = []
    for period in periods:
        update = updates.get(period.pk)
        if update is None and (period.is_closed or period.starts > today):
            continue
        visible = update is not None and (
            membership is not None
            and may_see_content(membership, update.restricted_to.all(), action)
        )
        state = update.state if update else None
        rows.append(
            PeriodRow(
                period=period,
                update=update,
                visible=visible,
                can_write=writer and not period.is_closed and state in WRITABLE_STATES,
            )
        )
    return rows


@register.inclusion_tag("progress/update_list.html", takes_context=True)
def action_updates(context: dict[str, Any], action: Action) -> dict[str, Any]:
    membership = context.get("membership")
    return {
        "action": action,
        "rows": period_rows(action, membership),
        "partnership": context.get("partnership"),
    }
