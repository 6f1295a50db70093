"""Reads of the progress cycle, and who may see restricted content."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trellis.accounts.models import Group, Membership, Role
from trellis.accounts.policy import is_lead_or_deputy


def group_ids_of(membership: Membership) -> set[int]:
    """The governance groups the person sits on in this partnership (one query, cached on
    the membership for the rest of the request)."""
    cached = getattr(membership, "_group_ids", None)
    if cached is None:
        cached = set(
            Group.objects.filter(
                partnership_id=membership.partnership_id, members=membership.person_id
            ).values_list("pk", flat=True)
        )
        membership._group_ids = cached  # type: ignore[attr-defined]
    return cached


def may_see_content(membership: Membership, restricted_to: Iterable[Any], action: Any) -> bool:
    """Restricted updates and evidence (for example police operational detail) are readable
    by members of the named groups, the action's lead and deputies, and plan owners; everyone
    else sees only that a restricted entry exists. `restricted_to` is the prefetched groups."""
    return may_see(membership, {g.pk for g in restricted_to}, action)


def may_see(membership: Membership, groups: set[int], action: Any) -> bool:
    """`may_see_content` for an entry restricted to the groups of these ids (none: open)."""
    if not groups:
        return True
    if membership.has_role(Role.OWNER) or is_lead_or_deputy(membership, action):
        return True
    return bool(groups & group_ids_of(membership))
