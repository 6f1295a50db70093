"""Learning from an audit: findings and learning points, each of which may become a new
action in the plan (made by the plan's own service) or a training need. The learning point
holds the action, and the action's page lists the learning it arose from."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from trellis.accounts.models import Membership
from trellis.errors import Invalid
from trellis.improvement import access
from trellis.improvement.models import Audit, LearningPoint
from trellis.plans.models import Action, Driver
from trellis.plans.services import plan_item_create
from trellis.writes import record_create, record_update


def learning_add(audit: Audit, *, membership: Membership, fields: dict[str, Any]) -> LearningPoint:
    allowed = access.may_manage_audits(membership) or access.is_moderator(membership, audit)
    access.check(allowed)
    indicator = fields.get("indicator")
    if indicator is not None and indicator.inspection_id != audit.programme.template.inspection_id:
        message = _("Choose a quality indicator of the audit's inspection.")
        raise Invalid(message, {"indicator": [message]})
    return record_create(
        LearningPoint,
        actor=membership.person,
        partnership_id=audit.partnership_id,
        audit=audit,
        **fields,
    )


def learning_to_action(
    point: LearningPoint,
    *,
    membership: Membership,
    expected_version: int,
    driver: Driver,
    fields: dict[str, Any],
) -> Action:
    """Create the action the learning calls for under `driver`, and link the two."""
    access.check(access.may_manage_audits(membership))
    if point.action_id is not None:
        raise Invalid(_("This learning point already created an action."))
    with transaction.atomic():
        action = plan_item_create(Action, membership=membership, parent=driver, fields=fields)
        record_update(
            point,
            actor=membership.person,
            expected_version=expected_version,
            verb="learningpoint.action",
            action=action,
        )
    return action


def learning_to_training(
    point: LearningPoint,
    *,
    membership: Membership,
    expected_version: int,
    need: str,
    audience: str,
) -> LearningPoint:
    access.check(access.may_manage_audits(membership))
    if not need.strip():
        message = _("Describe the training needed.")
        raise Invalid(message, {"training_need": [message]})
    return record_update(
        point,
        actor=membership.person,
        expected_version=expected_version,
        verb="learningpoint.training",
        training_need=need.strip(),
        training_for=audience.strip(),
    )
