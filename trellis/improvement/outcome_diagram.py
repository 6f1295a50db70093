"""An outcome of the plan drawn as a driver diagram: the stretch outcome as the aim, its
key drivers as primary drivers, the improvement aims under them as secondary drivers, and
the change ideas of those aims' projects. Read-only: the plan's own pages edit the plan,
and each project's page edits its diagram."""

from __future__ import annotations

from django.db.models import Prefetch

from trellis.accounts.models import Partnership
from trellis.errors import NotFound
from trellis.improvement.models import DriverNode, NodeKind, Project
from trellis.improvement.selectors import TreeNode
from trellis.plans.models import Action, Driver, Outcome


def outcome_with_projects(partnership: Partnership, pk: int) -> Outcome:
    ideas = DriverNode.objects.filter(kind=NodeKind.CHANGE).order_by("position", "id")
    found = (
        Outcome.objects.filter(partnership=partnership, pk=pk)
        .select_related("plan")
        .prefetch_related(
            Prefetch(
                "drivers",
                queryset=Driver.objects.prefetch_related(
                    Prefetch(
                        "actions",
                        queryset=Action.objects.select_related("project").prefetch_related(
                            Prefetch("project__nodes", queryset=ideas)
                        ),
                    )
                ),
            )
        )
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def _project(action: Action) -> Project | None:
    try:
        return action.project
    except Project.DoesNotExist:
        return None


def outcome_tree(outcome: Outcome) -> list[TreeNode]:
    """Unsaved boxes standing for the plan's records, shaped as the diagram needs."""
    trees = []
    for driver in outcome.drivers.all():
        aims = []
        for action in driver.actions.all():
            project = _project(action)
            ideas = [TreeNode(n, []) for n in project.nodes.all()] if project else []
            aims.append(TreeNode(DriverNode(kind=NodeKind.SECONDARY, text=action.title), ideas))
        trees.append(TreeNode(DriverNode(kind=NodeKind.PRIMARY, text=driver.title), aims))
    return trees
