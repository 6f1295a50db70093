"""Reads of improvement projects: a project with everything its page shows in a fixed
number of queries, its measures assessed, and the state its progress score is suggested
from."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from trellis.accounts.models import Membership, Partnership
from trellis.core import trajectory
from trellis.errors import NotFound
from trellis.improvement.models import DriverNode, PdsaCycle, Project
from trellis.improvement.scoring import MeasureFact, ProjectState, Suggestion, suggest
from trellis.measures.models import Measure
from trellis.measures.selectors import (
    Assessment,
    Verdict,
    assess,
    measures_of_partnership,
    viewer_thresholds,
)


def projects_of(partnership: Partnership) -> QuerySet[Project]:
    return (
        Project.objects.filter(partnership=partnership)
        .select_related("action__lead", "sponsor", "score_confirmed_by")
        .prefetch_related(
            "cycles",
            Prefetch("outcome_measures", queryset=Measure.objects.only("pk", "code")),
        )
        .order_by("action__driver__outcome__plan", "action__position", "action_id")
    )


def project_detail(partnership: Partnership, pk: int) -> Project:
    found = (
        Project.objects.filter(partnership=partnership, pk=pk)
        .select_related(
            "action__driver__outcome__plan",
            "action__lead",
            "sponsor",
            "approval_recorded_by",
            "score_confirmed_by",
        )
        .prefetch_related(
            "action__deputies",
            "team_members",
            "team_agencies",
            "outcome_measures",
            "process_measures",
            "balancing_measures",
            Prefetch("nodes", queryset=DriverNode.objects.order_by("position", "id")),
            Prefetch(
                "cycles",
                queryset=PdsaCycle.objects.select_related("change_idea", "pin_measure"),
            ),
        )
        .first()
    )
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True)
class ProjectMeasures:
    outcome: list[Assessment]
    process: list[Assessment]
    balancing: list[Assessment]


def project_measures(membership: Membership, project: Project) -> ProjectMeasures:
    """The charter's measures assessed from one prefetching query set."""
    roles = {
        "outcome": [m.pk for m in project.outcome_measures.all()],
        "process": [m.pk for m in project.process_measures.all()],
        "balancing": [m.pk for m in project.balancing_measures.all()],
    }
    wanted = {pk for pks in roles.values() for pk in pks}
    limits = viewer_thresholds(membership)
    by_pk = {
        m.pk: assess(m, limits)
        for m in measures_of_partnership(membership.partnership).filter(pk__in=wanted)
    }
    return ProjectMeasures(**{role: [by_pk[pk] for pk in pks] for role, pks in roles.items()})


def _fact(a: Assessment) -> MeasureFact:
    return MeasureFact(
        code=a.measure.code,
        improving=a.verdict == Verdict.IMPROVING,
        early=a.early,
        achieved=a.status == trajectory.Status.ACHIEVED,
    )


def project_state(project: Project, measures: ProjectMeasures) -> ProjectState:
    cycles = list(project.cycles.all())
    return ProjectState(
        approved=project.approved,
        cycles_planned=len(cycles),
        cycles_done=sum(1 for c in cycles if c.do_on),
        cycles_studied=sum(1 for c in cycles if c.study_on),
        outcome=tuple(_fact(a) for a in measures.outcome),
        process=tuple(_fact(a) for a in measures.process),
        balancing_worse=tuple(
            a.measure.code for a in measures.balancing if a.verdict == Verdict.DETERIORATING
        ),
    )


def suggestion_for(project: Project, measures: ProjectMeasures) -> Suggestion:
    return suggest(project_state(project, measures))


@dataclass(frozen=True)
class TreeNode:
    node: DriverNode
    children: list[TreeNode]


def driver_tree(project: Project) -> list[TreeNode]:
    """The diagram's boxes as a tree under the aim, from the prefetched nodes."""
    nodes = list(project.nodes.all())
    children: dict[int | None, list[DriverNode]] = {}
    for n in nodes:
        children.setdefault(n.parent_id, []).append(n)

    def grow(parent: int | None) -> list[TreeNode]:
        return [TreeNode(n, grow(n.pk)) for n in children.get(parent, [])]

    return grow(None)
