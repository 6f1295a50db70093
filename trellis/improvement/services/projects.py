"""Charters, their approval, the driver diagram and the confirmed progress score."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.accounts.models import Agency, Membership
from trellis.audit.services import audit_append
from trellis.errors import Invalid
from trellis.improvement import access
from trellis.improvement.models import SCORES, DriverNode, NodeKind, Project
from trellis.measures.models import Measure
from trellis.plans.models import Action
from trellis.writes import record_create, record_update

MEASURE_ROLES = ("outcome_measures", "process_measures", "balancing_measures")
CHARTER_M2M = ("team_members", "team_agencies", *MEASURE_ROLES)


def _check_charter(membership: Membership, fields: dict[str, Any], m2m: dict[str, Any]) -> None:
    """People, agencies and measures must all be the partnership's own."""
    pid = membership.partnership_id
    errors: dict[str, list[str]] = {}
    team = list(m2m.get("team_members", []))
    sponsor = fields.get("sponsor")
    members = set(
        Membership.objects.filter(
            partnership_id=pid, is_active=True, person__in=[*team, *([sponsor] if sponsor else [])]
        ).values_list("person_id", flat=True)
    )
    if any(p.pk not in members for p in team):
        errors["team_members"] = [_("Choose members of this partnership.")]
    if sponsor is not None and sponsor.pk not in members:
        errors["sponsor"] = [_("Choose a member of this partnership.")]
    agencies: list[Agency] = list(m2m.get("team_agencies", []))
    if any(a.partnership_id != pid for a in agencies):
        errors["team_agencies"] = [_("Choose agencies of this partnership.")]
    for name in MEASURE_ROLES:
        measures: list[Measure] = list(m2m.get(name, []))
        if any(m.partnership_id != pid for m in measures):
            errors[name] = [_("Choose measures of this partnership.")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors)


def project_create(
    *, membership: Membership, action: Action, fields: dict[str, Any], m2m: dict[str, Any]
) -> Project:
    """Run the action as an improvement project, with its charter."""
    access.check(access.may_edit_project(membership, action))
    if action.partnership_id != membership.partnership_id:
        raise Invalid(_("The action belongs to another partnership."))
    if Project.objects.filter(action=action).exists():
        raise Invalid(_("This action already has a charter."))
    _check_charter(membership, fields, m2m)
    fields = {k: v for k, v in fields.items() if k not in ("approved_by", "approved_on")}
    return record_create(
        Project,
        actor=membership.person,
        partnership=membership.partnership,
        action=action,
        m2m=m2m,
        **fields,
    )


def project_update(
    project: Project,
    *,
    membership: Membership,
    expected_version: int,
    fields: dict[str, Any],
    m2m: dict[str, Any],
) -> Project:
    access.check(access.may_edit_project(membership, project.action))
    _check_charter(membership, fields, m2m)
    fields = {k: v for k, v in fields.items() if k not in ("approved_by", "approved_on")}
    return record_update(
        project, actor=membership.person, expected_version=expected_version, m2m=m2m, **fields
    )


def project_approve(
    project: Project,
    *,
    membership: Membership,
    expected_version: int,
    approved_by: str,
    approved_on: dt.date | None,
) -> Project:
    """Record who approved the charter and when (or clear it, with no date)."""
    access.check(access.may_approve(membership))
    approved_by = approved_by.strip()
    errors: dict[str, list[str]] = {}
    if approved_on and approved_on > timezone.localdate():
        errors["approved_on"] = [_("A charter cannot be approved on a future date.")]
    if approved_on and not approved_by:
        errors["approved_by"] = [_("Say who approved the charter, for example the ICS Board.")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors)
    return record_update(
        project,
        actor=membership.person,
        expected_version=expected_version,
        verb="project.approve",
        approved_by=approved_by if approved_on else "",
        approved_on=approved_on,
        approval_recorded_by=membership.person if approved_on else None,
    )


def score_confirm(
    project: Project, *, membership: Membership, expected_version: int, score: int, suggested: int
) -> Project:
    """The lead confirms the progress score (the suggestion, or their own judgement)."""
    access.check(access.may_confirm_score(membership, project))
    if score not in SCORES:
        raise Invalid(_("Choose a score from 0.5 to 5.0."), {"score": [_("Choose a score.")]})
    return record_update(
        project,
        actor=membership.person,
        expected_version=expected_version,
        verb="project.score",
        score=score,
        score_suggested=suggested,
        score_confirmed_by=membership.person,
        score_confirmed_at=timezone.now(),
    )


# The driver diagram

_PARENT_KINDS: dict[str, tuple[str | None, ...]] = {
    NodeKind.PRIMARY: (None,),
    NodeKind.SECONDARY: (NodeKind.PRIMARY,),
    NodeKind.CHANGE: (None, NodeKind.PRIMARY, NodeKind.SECONDARY),
}


def _check_node(project: Project, kind: str, parent: DriverNode | None, node_pk: Any) -> None:
    if parent is not None and parent.project_id != project.pk:
        raise Invalid(_("Choose a box of this diagram."), {"parent": [_("Choose a box.")]})
    allowed = _PARENT_KINDS[kind]
    if (parent.kind if parent else None) not in allowed:
        message = {
            NodeKind.PRIMARY: _("A primary driver sits directly under the aim."),
            NodeKind.SECONDARY: _("A secondary driver sits under a primary driver."),
            NodeKind.CHANGE: _("A change idea sits under a driver or the aim."),
        }[NodeKind(kind)]
        raise Invalid(message, {"parent": [message]})
    walk = parent
    while walk is not None and node_pk is not None:  # no box under itself
        if walk.pk == node_pk:
            raise Invalid(_("A box cannot sit under itself."), {"parent": [_("Choose another.")]})
        walk = walk.parent


def node_create(project: Project, *, membership: Membership, fields: dict[str, Any]) -> DriverNode:
    access.check(access.may_edit_project(membership, project.action))
    _check_node(project, fields["kind"], fields.get("parent"), None)
    return record_create(
        DriverNode,
        actor=membership.person,
        partnership_id=project.partnership_id,
        project=project,
        **fields,
    )


def node_update(
    node: DriverNode, *, membership: Membership, expected_version: int, fields: dict[str, Any]
) -> DriverNode:
    access.check(access.may_edit_project(membership, node.project.action))
    kind = fields.get("kind", node.kind)
    _check_node(node.project, kind, fields.get("parent"), node.pk)
    if kind != NodeKind.CHANGE and node.cycles.exists():
        message = _("This change idea has PDSA cycles, so it stays a change idea.")
        raise Invalid(message, {"kind": [message]})
    if any(kind not in _PARENT_KINDS[c.kind] for c in node.children.all()):
        message = _("The boxes under it cannot sit under a %(kind)s.") % {
            "kind": NodeKind(kind).label.lower()
        }
        raise Invalid(message, {"kind": [message]})
    return record_update(node, actor=membership.person, expected_version=expected_version, **fields)


def node_delete(node: DriverNode, *, membership: Membership) -> None:
    access.check(access.may_edit_project(membership, node.project.action))
    if node.children.exists():
        raise Invalid(_("Remove or move the boxes under it first."))
    if node.cycles.exists():
        raise Invalid(_("A change idea with PDSA cycles cannot be removed."))
    with transaction.atomic():
        audit_append(
            actor=membership.person,
            verb="drivernode.delete",
            target=node,
            partnership_id=node.partnership_id,
            changes={"kind": node.kind, "text": node.text},
        )
        node.delete()
