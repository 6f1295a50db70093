"""The one permission policy: who may do what in a partnership.

Every view, command and service asks `can()` or `require()`; nothing else decides.
Visibility across partnerships is decided earlier, by `membership_for()`: a person who is
not an active member of a partnership is told it does not exist.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from trellis.accounts.models import Membership, Role
from trellis.errors import Forbidden, NotFound


class Perm(StrEnum):
    VIEW = "view"  # the partnership's plans, inspection and people's names
    EDIT_PLAN = "edit-plan"  # plans, outcomes, drivers, actions, milestones
    EDIT_INSPECTION = "edit-inspection"
    UPDATE_ACTION = "update-action"  # an action's milestones, by its lead or deputy
    MANAGE_PEOPLE = "manage-people"  # people, roles, agencies, groups
    WRITE_UPDATE = "write-update"  # an action's progress update: its lead, deputies, owners
    REVIEW_UPDATE = "review-update"  # accept or return a submitted update
    CLOSE_PERIOD = "close-period"
    REOPEN_PERIOD = "reopen-period"
    CHALLENGE = "challenge"  # comment on an action; its lead and deputies may reply
    EDIT_MEASURE = "edit-measure"  # define measures, their targets and comparison series
    # A manual measure's figures and chart notes: also the leads of the aims it evidences.
    RECORD_OBSERVATION = "record-observation"
    # Case-level data: load extracts and see pseudonymised records (analysts only).
    LOAD_DATA = "load-data"
    # What a governance group decided and what follows (trellis.meetings).
    RECORD_DECISION = "record-decision"
    # The data summary report is the analysts' (the BIU's) to issue; plan owners may too.
    # The board pack and the evidence pack are issued under EDIT_PLAN (trellis.reports).
    ISSUE_DATA_SUMMARY = "issue-data-summary"


EVERY_ROLE = frozenset(Role.values)
_BY_ROLE: dict[Perm, frozenset[str]] = {
    Perm.VIEW: EVERY_ROLE,
    Perm.EDIT_PLAN: frozenset({Role.OWNER}),
    Perm.EDIT_INSPECTION: frozenset({Role.OWNER}),
    Perm.UPDATE_ACTION: frozenset({Role.OWNER}),
    Perm.MANAGE_PEOPLE: frozenset({Role.ADMIN}),
    Perm.WRITE_UPDATE: frozenset({Role.OWNER}),
    Perm.REVIEW_UPDATE: frozenset({Role.OWNER}),
    Perm.CLOSE_PERIOD: frozenset({Role.OWNER}),
    Perm.REOPEN_PERIOD: frozenset({Role.ADMIN}),
    Perm.CHALLENGE: frozenset({Role.OWNER, Role.BOARD}),
    Perm.EDIT_MEASURE: frozenset({Role.OWNER, Role.ANALYST}),
    Perm.RECORD_OBSERVATION: frozenset({Role.OWNER, Role.ANALYST}),
    Perm.LOAD_DATA: frozenset({Role.ANALYST}),
    Perm.RECORD_DECISION: frozenset({Role.ADMIN, Role.OWNER, Role.BOARD}),
    Perm.ISSUE_DATA_SUMMARY: frozenset({Role.OWNER, Role.ANALYST}),
}
# Permissions the action's own lead and deputies hold on that action, whatever their role.
_LEAD_PERMS = frozenset(
    {Perm.UPDATE_ACTION, Perm.WRITE_UPDATE, Perm.CHALLENGE, Perm.RECORD_OBSERVATION}
)


def can(membership: Membership | None, perm: Perm, obj: Any = None) -> bool:
    if membership is None or not membership.is_active or not membership.person.is_active:
        return False
    if obj is not None and getattr(obj, "partnership_id", membership.partnership_id) != (
        membership.partnership_id
    ):
        return False
    if membership.has_role(*_BY_ROLE[perm]):
        return True
    if perm in _LEAD_PERMS and obj is not None:
        if hasattr(obj, "lead_id"):  # an action
            return is_lead_or_deputy(membership, obj)
        # a measure: its leads are those of the aims it evidences
        return any(is_lead_or_deputy(membership, a) for a in obj.actions.all())
    return False


def require(membership: Membership | None, perm: Perm, obj: Any = None) -> None:
    if not can(membership, perm, obj):
        raise Forbidden("You do not have permission to do that.")


def is_lead_or_deputy(membership: Membership, action: Any) -> bool:
    person_id = membership.person_id
    if action.lead_id == person_id:
        return True
    return any(d.pk == person_id for d in action.deputies.all())


def membership_for(person: Any, slug: str) -> Membership:
    """The person's active membership of the partnership, or NotFound."""
    if not getattr(person, "is_authenticated", False) or not person.is_active:
        raise NotFound()
    # A session signed in through a partnership's identity provider reaches that
    # partnership alone (trellis.accounts.sso).
    sso_partnership = getattr(person, "sso_partnership", None)
    if sso_partnership and sso_partnership != slug:
        raise NotFound()
    membership = (
        Membership.objects.select_related("partnership", "person", "agency")
        .filter(person=person, partnership__slug=slug, is_active=True)
        .first()
    )
    if membership is None:
        raise NotFound()
    return membership
