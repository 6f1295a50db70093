"""Writes of decisions. Each checks permission (`Perm.RECORD_DECISION`: admins, plan owners
and board members), validates, writes in one transaction, refuses a stale version and
leaves an audit entry (trellis.writes).

An improvement aim a decision asks for is created by `decision_action_create` through
`trellis.plans.services.plan_item_create`, so the plan's own rule applies: only those who
may edit the plan (plan owners) create aims, and the new aim is audited as any other.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.accounts.models import Group, Membership, Person
from trellis.accounts.policy import Perm, require
from trellis.errors import Invalid
from trellis.measures.models import Measure
from trellis.meetings.models import Decision, Subject
from trellis.plans.models import Action, Driver, Plan
from trellis.plans.services import plan_item_create
from trellis.progress.models import Comment
from trellis.progress.services import clean_narrative
from trellis.writes import record_create, record_update

TEXT_MAX = 5_000  # characters: a minute's decision, not a pasted paper


def decision_record(
    *,
    membership: Membership,
    plan: Plan,
    group: Group,
    decided_on: dt.date,
    subject: str,
    text: str,
    action: Action | None = None,
    measure: Measure | None = None,
    comment: Comment | None = None,
    follow_up: str = "",
    follow_up_owner: Person | None = None,
    follow_up_due: dt.date | None = None,
) -> Decision:
    """Record what `group` decided on `decided_on` about an aim, a measure or an aim's
    challenge thread (optionally naming the challenge it answers), and what follows."""
    require(membership, Perm.RECORD_DECISION, plan)
    _check_subject(plan, subject, action, measure, comment)
    fields = _clean(
        membership,
        group=group,
        decided_on=decided_on,
        text=text,
        follow_up=follow_up,
        follow_up_owner=follow_up_owner,
        follow_up_due=follow_up_due,
        follow_up_done=None,
    )
    return record_create(
        Decision,
        actor=membership.person,
        verb="decision.record",
        partnership_id=plan.partnership_id,
        plan=plan,
        subject=subject,
        action=action,
        measure=measure,
        comment=comment,
        recorded_by=membership.person,
        **fields,
    )


def decision_update(
    decision: Decision,
    *,
    membership: Membership,
    expected_version: int,
    group: Group,
    decided_on: dt.date,
    text: str,
    follow_up: str = "",
    follow_up_owner: Person | None = None,
    follow_up_due: dt.date | None = None,
    follow_up_done: dt.date | None = None,
) -> Decision:
    """Correct the record, or mark what follows as done. What the decision is about is
    fixed once recorded: a decision about something else is a new decision."""
    require(membership, Perm.RECORD_DECISION, decision)
    fields = _clean(
        membership,
        group=group,
        decided_on=decided_on,
        text=text,
        follow_up=follow_up,
        follow_up_owner=follow_up_owner,
        follow_up_due=follow_up_due,
        follow_up_done=follow_up_done,
    )
    return record_update(
        decision,
        actor=membership.person,
        expected_version=expected_version,
        verb="decision.update",
        **fields,
    )


def decision_action_create(
    decision: Decision,
    *,
    membership: Membership,
    expected_version: int,
    driver: Driver,
    fields: dict[str, Any],
    m2m: dict[str, Any] | None = None,
) -> Action:
    """Create the improvement aim the decision asks for, under one of the plan's drivers,
    and link it to the decision; both or neither are saved."""
    require(membership, Perm.RECORD_DECISION, decision)
    if decision.created_action_id is not None:
        raise Invalid(_("This decision has already created an improvement aim."))
    if driver.partnership_id != decision.partnership_id or (
        driver.outcome.plan_id != decision.plan_id
    ):
        message = _("Choose a key driver of this decision's plan.")
        raise Invalid(message, {"driver": [message]})
    with transaction.atomic():
        action = plan_item_create(
            Action, membership=membership, parent=driver, fields=fields, m2m=m2m
        )
        record_update(
            decision,
            actor=membership.person,
            expected_version=expected_version,
            verb="decision.action-created",
            created_action=action,
        )
    return action


# Validation.


def _check_subject(
    plan: Plan,
    subject: str,
    action: Action | None,
    measure: Measure | None,
    comment: Comment | None,
) -> None:
    """The subject is one of the plan's aims (or its thread), or a measure of the
    partnership; a named challenge is a comment on that aim."""
    if subject not in Subject.values:
        raise Invalid(_("Say what the decision is about."))
    if subject == Subject.MEASURE:
        if measure is None or measure.partnership_id != plan.partnership_id:
            raise Invalid(_("Choose a measure of this partnership."))
        if action is not None or comment is not None:
            raise Invalid(_("A decision on a measure names no improvement aim."))
        return
    if action is None or measure is not None:
        raise Invalid(_("Choose an improvement aim of this plan."))
    if action.partnership_id != plan.partnership_id or action.driver.outcome.plan_id != plan.pk:
        raise Invalid(_("Choose an improvement aim of this plan."))
    if comment is not None and (subject != Subject.THREAD or comment.action_id != action.pk):
        message = _("Choose a comment in this improvement aim's challenge thread.")
        raise Invalid(message, {"comment": [message]})


def _clean(
    membership: Membership,
    *,
    group: Group,
    decided_on: dt.date,
    text: str,
    follow_up: str,
    follow_up_owner: Person | None,
    follow_up_due: dt.date | None,
    follow_up_done: dt.date | None,
) -> dict[str, Any]:
    """The fields of a decision as they will be stored, or Invalid naming each field
    that breaks a rule (nothing is written)."""
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    text = clean_narrative(text or "")
    follow_up = clean_narrative(follow_up or "")
    if group.partnership_id != membership.partnership_id:
        errors["group"] = [_("Choose a group of this partnership.")]
    if decided_on > today:
        errors["decided_on"] = [_("A decision cannot be recorded before it is taken.")]
    if not text:
        errors["text"] = [_("Enter what was decided.")]
    for name, value in (("text", text), ("follow_up", follow_up)):
        if len(value) > TEXT_MAX:
            limit = _("Keep this to %(max)s characters or fewer.") % {"max": f"{TEXT_MAX:,}"}
            errors.setdefault(name, []).append(limit)
    if not follow_up and (follow_up_owner or follow_up_due or follow_up_done):
        errors["follow_up"] = [_("Say what follows before naming who or when.")]
    if follow_up_due and follow_up_due < decided_on:
        errors["follow_up_due"] = [_("The follow-up cannot be due before the decision.")]
    if follow_up_done and follow_up_done > today:
        errors["follow_up_done"] = [_("The follow-up cannot be done on a future date.")]
    if follow_up_done and follow_up_done < decided_on:
        errors["follow_up_done"] = [_("The follow-up cannot be done before the decision.")]
    if follow_up_owner is not None and not _is_member(membership, follow_up_owner):
        errors["follow_up_owner"] = [_("Choose a member of this partnership.")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors)
    return {
        "group": group,
        "decided_on": decided_on,
        "text": text,
        "follow_up": follow_up,
        "follow_up_owner": follow_up_owner,
        "follow_up_due": follow_up_due,
        "follow_up_done": follow_up_done,
    }


def _is_member(membership: Membership, person: Person) -> bool:
    return Membership.objects.filter(
        partnership_id=membership.partnership_id, person=person, is_active=True
    ).exists()
