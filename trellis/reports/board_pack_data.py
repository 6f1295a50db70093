"""What the board pack reads, in a fixed number of queries whatever the size of the plan,
and how an update is reported to the board (trellis/reports/board_pack.py builds from it).

**What the board may read.** An update is reported when it has been submitted or accepted;
a draft or a returned update is "No update received". An update restricted to named groups
is reported by its status only ("Restricted"): a pack is read by the whole board, not the
groups. Comments on a restricted update are left out of the challenge log for the same
reason. Measures are read only up to the end of the period reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext as _

from trellis.measures.models import Comparator as MeasureComparator
from trellis.measures.models import Measure, Observation
from trellis.measures.selectors import measures_of_plan
from trellis.plans.models import Action
from trellis.progress.models import Comment, ProgressUpdate, Rag, ReportingPeriod, UpdateState
from trellis.reports.registry import ReportRequest

NO_UPDATE = "none"
RESTRICTED = "restricted"
_REPORTED = (UpdateState.SUBMITTED, UpdateState.ACCEPTED)
# Worse to better, for "what changed": a move up this list is a deterioration.
RAG_ORDER = {Rag.RED: 0, Rag.AMBER: 1, Rag.NOT_STARTED: 2, Rag.GREEN: 3, Rag.COMPLETE: 4}


@dataclass(frozen=True)
class Reported:
    """One action's update for a period as the pack reports it."""

    rag: str  # a Rag value, NO_UPDATE or RESTRICTED
    narrative: str


def rag_label(rag: str) -> str:
    if rag == NO_UPDATE:
        return _("No update")
    if rag == RESTRICTED:
        return _("Restricted")
    return str(Rag(rag).label)


def plan_actions(request: ReportRequest) -> list[Action]:
    return list(
        Action.objects.filter(
            partnership_id=request.plan.partnership_id, driver__outcome__plan=request.plan
        )
        .select_related("driver__outcome", "lead")
        .prefetch_related("deputies")
        .order_by("driver__outcome__position", "driver__position", "position", "id")
    )


def reported(period: ReportingPeriod | None) -> dict[int, Reported]:
    """Each action's update for the period, as the whole board may read it (one query)."""
    if period is None:
        return {}
    restricted = ProgressUpdate.restricted_to.through.objects.filter(
        progressupdate_id=OuterRef("pk")
    )
    rows = (
        ProgressUpdate.objects.filter(period=period, state__in=_REPORTED)
        .annotate(restricted=Exists(restricted))
        .values_list("action_id", "rag", "narrative", "restricted")
    )
    return {
        action_id: Reported(RESTRICTED, "") if hidden else Reported(rag, narrative)
        for action_id, rag, narrative, hidden in rows
    }


def previous_period(period: ReportingPeriod) -> ReportingPeriod | None:
    return (
        ReportingPeriod.objects.filter(plan_id=period.plan_id, starts__lt=period.starts)
        .order_by("-starts")
        .first()
    )


def plan_measures(request: ReportRequest) -> QuerySet[Measure]:
    """The plan's measures with their figures up to the end of the period reported (the
    prefetches of `measures_of_partnership`, the figures cut off at the period's end)."""
    upto = Observation.objects.filter(period_ends__lte=request.period.ends).order_by("period_ends")
    return (
        measures_of_plan(request.plan)
        .prefetch_related(None)
        .prefetch_related(
            Prefetch("actions", queryset=Action.objects.select_related("driver__outcome")),
            "actions__deputies",
            "targets",
            "annotations",
            Prefetch("observations", queryset=upto),
            Prefetch("comparators", queryset=MeasureComparator.objects.prefetch_related("values")),
        )
        .order_by("code", "id")
    )


def challenge_log(request: ReportRequest) -> list[Comment]:
    """Comments on the plan's actions made since the period began, except those on an
    update restricted to named groups (one query)."""
    restricted = ProgressUpdate.restricted_to.through.objects.filter(
        progressupdate_id=OuterRef("update_id")
    )
    return list(
        Comment.objects.filter(
            partnership_id=request.plan.partnership_id,
            action__driver__outcome__plan=request.plan,
            created_at__date__gte=request.period.starts,
        )
        .exclude(Exists(restricted))
        .select_related("author", "action")
        .order_by("action__driver__outcome__position", "action__position", "created_at", "id")
    )
