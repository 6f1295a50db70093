"""Who may do what with improvement projects and audits, on top of the one policy
(trellis.accounts.policy). The rules that depend on a project or an audit live here
because the policy's roles cannot say "a reviewer of this audit".

- A charter and its diagram: the action's lead and deputies, and plan owners.
- PDSA cycles: those, and the project's team members.
- Charter approval: plan owners (they record what a board decided).
- The progress score: the action's lead or a deputy ("confirmed by the lead").
- Audits are set up and closed by plan owners; a sample may also be drawn by an analyst.
  Reviewers and the moderator hold that role for one audit only; the sample's pseudonyms
  are shown to them and to analysts (the key holders), never to anyone else.
"""

from __future__ import annotations

from trellis.accounts.models import Membership
from trellis.accounts.policy import Perm, can, is_lead_or_deputy, require
from trellis.errors import Forbidden
from trellis.improvement.models import Audit, Project
from trellis.plans.models import Action


def may_edit_project(membership: Membership, action: Action) -> bool:
    return can(membership, Perm.UPDATE_ACTION, action)


def may_record_cycles(membership: Membership, project: Project) -> bool:
    if may_edit_project(membership, project.action):
        return True
    return any(p.pk == membership.person_id for p in project.team_members.all())


def may_approve(membership: Membership) -> bool:
    return can(membership, Perm.EDIT_PLAN)


def may_confirm_score(membership: Membership, project: Project) -> bool:
    if project.partnership_id != membership.partnership_id or not membership.is_active:
        return False
    return is_lead_or_deputy(membership, project.action)


def may_manage_audits(membership: Membership) -> bool:
    return can(membership, Perm.EDIT_PLAN)


def may_draw_sample(membership: Membership) -> bool:
    return can(membership, Perm.EDIT_PLAN) or can(membership, Perm.LOAD_DATA)


def is_reviewer(membership: Membership, audit: Audit) -> bool:
    return any(p.pk == membership.person_id for p in audit.reviewers.all())


def is_moderator(membership: Membership, audit: Audit) -> bool:
    return audit.moderator_id == membership.person_id


def may_see_sample(membership: Membership, audit: Audit) -> bool:
    if audit.partnership_id != membership.partnership_id:
        return False
    return (
        is_reviewer(membership, audit)
        or is_moderator(membership, audit)
        or can(membership, Perm.LOAD_DATA)
    )


def check(allowed: bool) -> None:
    if not allowed:
        raise Forbidden("You do not have permission to do that.")


__all__ = ["check", "require"]
