"""Writes to inspections and plans. Each checks permission, validates, writes in one
transaction, refuses a stale version and leaves one audit entry (trellis.writes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.accounts.models import Membership
from trellis.accounts.policy import Perm, require
from trellis.errors import Invalid
from trellis.plans.models import (
    Action,
    Driver,
    Finding,
    Inspection,
    Milestone,
    Outcome,
    Plan,
    QualityIndicator,
)
from trellis.versioning import Versioned
from trellis.writes import record_create, record_update

# What each kind of record needs to be written, and the record that holds it.
_PERM: dict[type[Versioned], Perm] = {
    Inspection: Perm.EDIT_INSPECTION,
    QualityIndicator: Perm.EDIT_INSPECTION,
    Finding: Perm.EDIT_INSPECTION,
    Plan: Perm.EDIT_PLAN,
    Outcome: Perm.EDIT_PLAN,
    Driver: Perm.EDIT_PLAN,
    Action: Perm.EDIT_PLAN,
    Milestone: Perm.UPDATE_ACTION,
}


def plan_item_create(
    model: type[Versioned],
    *,
    membership: Membership,
    parent: Versioned | None = None,
    fields: dict[str, Any],
    m2m: dict[str, Any] | None = None,
) -> Any:
    """Create an inspection, plan or any record inside one, under `parent`."""
    # A milestone is added by whoever may update its action, so the check is on the parent.
    require(membership, _PERM[model], parent if model is Milestone else None)
    if parent is not None:
        fields = {**fields, str(parent._meta.model_name): parent}
        if parent.partnership_id != membership.partnership_id:  # type: ignore[attr-defined]
            raise Invalid("The parent record belongs to another partnership.")
    _check_people(membership, fields, m2m)
    with transaction.atomic():
        obj = record_create(
            model, actor=membership.person, partnership=membership.partnership, m2m=m2m, **fields
        )
        _after_write(obj)
    return obj


def plan_item_update(
    obj: Versioned,
    *,
    membership: Membership,
    expected_version: int,
    fields: dict[str, Any],
    m2m: dict[str, Any] | None = None,
) -> Any:
    target = obj.action if isinstance(obj, Milestone) else None
    require(membership, _PERM[type(obj)], target or obj)
    _check_people(membership, fields, m2m)
    with transaction.atomic():
        obj = record_update(
            obj, actor=membership.person, expected_version=expected_version, m2m=m2m, **fields
        )
        _after_write(obj)
    return obj


def milestone_progress(
    milestone: Milestone,
    *,
    membership: Membership,
    expected_version: int,
    done: dt.date | None,
    revised_due: dt.date | None,
    reason: str = "",
) -> Milestone:
    """Record a milestone as delivered, or move its due date with a reason. The original
    due date is never changed here: it stays what the plan promised."""
    errors: dict[str, list[str]] = {}
    if done and done > timezone.localdate():
        errors["done"] = [_("A milestone cannot be done on a future date.")]
    reason = reason.strip()
    if revised_due and revised_due != milestone.revised_due and not reason:
        errors["revision_reason"] = [_("Say why the due date was revised.")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors)
    fields: dict[str, Any] = {"done": done, "revised_due": revised_due}
    fields["revision_reason"] = (reason or milestone.revision_reason) if revised_due else ""
    if all(getattr(milestone, k) == v for k, v in fields.items()):
        return milestone
    return plan_item_update(
        milestone, membership=membership, expected_version=expected_version, fields=fields
    )


def _after_write(obj: Versioned) -> None:
    """A plan's reporting periods follow its dates and calendar."""
    if isinstance(obj, Plan):
        from trellis.progress.services import periods_ensure

        periods_ensure(obj)


def _check_people(
    membership: Membership, fields: dict[str, Any], m2m: dict[str, Any] | None
) -> None:
    """Leads and deputies must be active members of the same partnership."""
    people = [fields["lead"]] if fields.get("lead") else []
    people += list((m2m or {}).get("deputies", []))
    if not people:
        return
    members = set(
        Membership.objects.filter(
            partnership_id=membership.partnership_id, is_active=True, person__in=people
        ).values_list("person_id", flat=True)
    )
    if any(p.pk not in members for p in people):
        raise Invalid(
            "Leads and deputies must be members of this partnership.",
            {"lead": ["Choose a member of this partnership."]},
        )
