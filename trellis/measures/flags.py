"""Where an aim's reported status and what its measures' data say disagree: a flag with
the reason, for the plan owner and the board."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from trellis.accounts.models import Membership
from trellis.core import trajectory
from trellis.measures.models import Measure
from trellis.measures.selectors import Assessment, Verdict
from trellis.plans.models import Action, Plan
from trellis.progress.models import ProgressUpdate, Rag, UpdateState
from trellis.progress.selectors import may_see_content


@dataclass(frozen=True)
class Flag:
    action: Action
    measure: Measure
    rag: str
    reason: str


def reported_rags(membership: Membership, actions: list[Action]) -> dict[int, str]:
    """Each action's status in its latest submitted or accepted update, where the member
    may read that update (a restricted status is not revealed through a flag)."""
    updates = (
        ProgressUpdate.objects.filter(
            action__in=actions, state__in=[UpdateState.SUBMITTED, UpdateState.ACCEPTED]
        )
        .prefetch_related("restricted_to")
        .order_by("action_id", "-period__starts")
    )
    by_id = {a.pk: a for a in actions}
    rags: dict[int, str] = {}
    seen: set[int] = set()
    for update in updates:
        if update.action_id in seen:
            continue
        seen.add(update.action_id)
        if may_see_content(membership, update.restricted_to.all(), by_id[update.action_id]):
            rags[update.action_id] = update.rag
    return rags


def disagreement(rag: str, assessment: Assessment) -> str | None:
    """Why the lead's status and the measure's data do not agree, or None when they do."""
    name = assessment.measure.title
    if (
        rag in (Rag.GREEN, Rag.COMPLETE)
        and assessment.status == trajectory.Status.OFF_TRACK
        and assessment.verdict == Verdict.DETERIORATING
    ):
        return _(
            "The lead reports %(rag)s, but %(measure)s is off track and its data shows a "
            "concern signal."
        ) % {"rag": Rag(rag).label.lower(), "measure": name}
    if rag == Rag.RED and assessment.verdict == Verdict.IMPROVING:
        return _("The lead reports red, but %(measure)s shows sustained improvement.") % {
            "measure": name
        }
    return None


def flags(membership: Membership, assessments: list[Assessment], plan: Plan | None) -> list[Flag]:
    """Every disagreement between an aim's reported status and a measure evidencing it
    (the aims of `plan` only, when given); one query beyond the prefetched measures."""
    pairs = [
        (action, a)
        for a in assessments
        for action in a.measure.actions.all()
        if plan is None or action.driver.outcome.plan_id == plan.pk
    ]
    rags = reported_rags(membership, [action for action, _a in pairs])
    found = []
    for action, a in pairs:
        rag = rags.get(action.pk)
        reason = disagreement(rag, a) if rag else None
        if reason:
            found.append(Flag(action=action, measure=a.measure, rag=rag or "", reason=reason))
    return found
