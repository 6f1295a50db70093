"""Writes of the progress cycle. Updates move through a small state machine
(`TRANSITIONS`); every change is checked by the policy, refused on a stale version or a
closed period, kept as a revision and audited."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import holidays
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.accounts.models import Group, Membership
from trellis.accounts.policy import Perm, is_lead_or_deputy, require
from trellis.audit.services import audit_append
from trellis.core.periods import PeriodKind, periods_between
from trellis.errors import Forbidden, Invalid
from trellis.plans.models import Action, Plan
from trellis.progress.models import (
    ProgressUpdate,
    Rag,
    ReportingPeriod,
    UpdateRevision,
    UpdateState,
)
from trellis.writes import record_create, record_update

_SUBDIVISION = {"scotland": "SCT", "england": "ENG", "wales": "WLS", "northern-ireland": "NIR"}

S = UpdateState
# (state before, verb) -> (state after, permission needed). Anything else is refused.
TRANSITIONS: dict[tuple[str | None, str], tuple[str, Perm]] = {
    (None, "save"): (S.DRAFT, Perm.WRITE_UPDATE),
    (S.DRAFT, "save"): (S.DRAFT, Perm.WRITE_UPDATE),
    (S.RETURNED, "save"): (S.DRAFT, Perm.WRITE_UPDATE),
    (S.DRAFT, "submit"): (S.SUBMITTED, Perm.WRITE_UPDATE),
    (S.RETURNED, "submit"): (S.SUBMITTED, Perm.WRITE_UPDATE),
    (S.SUBMITTED, "accept"): (S.ACCEPTED, Perm.REVIEW_UPDATE),
    (S.SUBMITTED, "return"): (S.RETURNED, Perm.REVIEW_UPDATE),
}


def bank_holidays(nation: str, years: range) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv=_SUBDIVISION[nation], years=list(years))


def periods_ensure(plan: Plan) -> list[ReportingPeriod]:
    """Create any reporting period of the plan's calendar that does not exist yet."""
    years = range(plan.starts.year, plan.ends.year + 2)
    existing = set(plan.periods.values_list("starts", flat=True))
    new = [
        ReportingPeriod(
            partnership_id=plan.partnership_id,
            plan=plan,
            label=p.label,
            starts=p.starts,
            ends=p.ends,
            due=p.due,
        )
        for p in periods_between(
            plan.starts,
            plan.ends,
            kind=PeriodKind(plan.period_kind),
            year_start_month=plan.year_start_month,
            due_working_days=plan.due_working_days,
            holidays=bank_holidays(plan.partnership.nation, years),
        )
        if p.starts not in existing
    ]
    ReportingPeriod.objects.bulk_create(new)
    return list(plan.periods.all())


def clean_narrative(text: str) -> str:
    """Plain text: control characters removed, line endings normalised. Pages escape it and
    show paragraphs and line breaks, which is all the formatting an update needs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text).strip()


def _check(membership: Membership, state: str | None, verb: str, action: Action) -> str:
    step = TRANSITIONS.get((state, verb))
    if step is None:
        raise Invalid(
            _("An update that is %(state)s cannot be %(verb)s.")
            % {"state": state or "missing", "verb": _VERB_PAST[verb]}
        )
    new_state, perm = step
    require(membership, perm, action)
    return new_state


_VERB_PAST = {"save": "saved", "submit": "submitted", "accept": "accepted", "return": "returned"}


def _check_open(period: ReportingPeriod) -> None:
    if period.is_closed:
        raise Forbidden(
            _("The period %(label)s is closed; its updates cannot change.")
            % {"label": period.label}
        )


def _revision(update: ProgressUpdate, actor: Any, note: str = "") -> None:
    UpdateRevision.objects.create(
        update=update,
        version=update.version,
        state=update.state,
        rag=update.rag,
        narrative=update.narrative,
        note=note,
        by=actor,
        at=timezone.now(),
    )


def update_save(
    *,
    membership: Membership,
    action: Action,
    period: ReportingPeriod,
    rag: str,
    narrative: str,
    restricted_to: Iterable[Group] | None = None,
    expected_version: int | None = None,
) -> ProgressUpdate:
    """Write the draft of an action's update for a period (creating it the first time).
    `restricted_to` names the groups that alone (with the action's lead, deputies and plan
    owners) may read it; None leaves the restriction as it was."""
    if action.partnership_id != membership.partnership_id or period.plan_id != (
        action.driver.outcome.plan_id
    ):
        raise Invalid(_("That period does not belong to this action's plan."))
    _check_open(period)
    if rag not in Rag.values:
        raise Invalid(_("Choose a status."), {"rag": [_("Choose a status.")]})
    narrative = clean_narrative(narrative)
    if not narrative:
        raise Invalid(
            _("Say what progress was made."), {"narrative": [_("Say what progress was made.")]}
        )
    groups = None if restricted_to is None else list(restricted_to)
    if groups and any(g.partnership_id != membership.partnership_id for g in groups):
        message = _("Choose groups of this partnership.")
        raise Invalid(message, {"restricted_to": [message]})
    m2m = None if groups is None else {"restricted_to": groups}
    person = membership.person
    with transaction.atomic():
        existing = ProgressUpdate.objects.filter(action=action, period=period).first()
        new_state = _check(membership, existing.state if existing else None, "save", action)
        on_behalf_of = (
            action.lead
            if action.lead_id not in (None, person.pk) and is_lead_or_deputy(membership, action)
            else None
        )
        fields: dict[str, Any] = {
            "rag": rag,
            "narrative": narrative,
            "state": new_state,
            "author": person,
            "on_behalf_of": on_behalf_of,
        }
        if existing is None:
            update = record_create(
                ProgressUpdate,
                actor=person,
                verb="update.save",
                partnership=action.partnership,
                action=action,
                period=period,
                m2m=m2m,
                **fields,
            )
        else:
            update = record_update(
                existing,
                actor=person,
                verb="update.save",
                expected_version=existing.version if expected_version is None else expected_version,
                m2m=m2m,
                **fields,
            )
        _revision(update, person)
    return update


def _move(
    membership: Membership,
    update: ProgressUpdate,
    verb: str,
    expected_version: int,
    note: str = "",
    **fields: Any,
) -> ProgressUpdate:
    _check_open(update.period)
    new_state = _check(membership, update.state, verb, update.action)
    with transaction.atomic():
        moved = record_update(
            update,
            actor=membership.person,
            verb=f"update.{verb}",
            expected_version=expected_version,
            state=new_state,
            **fields,
        )
        _revision(moved, membership.person, note)
    return moved


def update_submit(
    *, membership: Membership, update: ProgressUpdate, expected_version: int
) -> ProgressUpdate:
    late = timezone.localdate() > update.period.due
    return _move(
        membership, update, "submit", expected_version, submitted_at=timezone.now(), late=late
    )


def update_accept(
    *, membership: Membership, update: ProgressUpdate, expected_version: int
) -> ProgressUpdate:
    return _move(
        membership,
        update,
        "accept",
        expected_version,
        reviewed_by=membership.person,
        reviewed_at=timezone.now(),
    )


def update_return(
    *, membership: Membership, update: ProgressUpdate, expected_version: int, reason: str
) -> ProgressUpdate:
    reason = clean_narrative(reason)
    if not reason:
        raise Invalid(
            _("Say why the update is returned."), {"reason": [_("Say why the update is returned.")]}
        )
    return _move(
        membership,
        update,
        "return",
        expected_version,
        note=reason,
        reviewed_by=membership.person,
        reviewed_at=timezone.now(),
        return_reason=reason,
    )


def period_close(*, membership: Membership, period: ReportingPeriod) -> ReportingPeriod:
    """Freeze a period's updates (plan owners)."""
    require(membership, Perm.CLOSE_PERIOD, period)
    if period.is_closed:
        raise Invalid(_("That period is already closed."))
    return _set_closed(membership, period, closed=True)


def period_reopen(*, membership: Membership, period: ReportingPeriod) -> ReportingPeriod:
    """Let a closed period's updates change again: an admin act, audited."""
    require(membership, Perm.REOPEN_PERIOD, period)
    if not period.is_closed:
        raise Invalid(_("That period is open."))
    return _set_closed(membership, period, closed=False)


def _set_closed(
    membership: Membership, period: ReportingPeriod, *, closed: bool
) -> ReportingPeriod:
    with transaction.atomic():
        period.closed_at = timezone.now() if closed else None
        period.closed_by = membership.person if closed else None
        period.save(update_fields=["closed_at", "closed_by"])
        audit_append(
            actor=membership.person,
            verb="period.close" if closed else "period.reopen",
            target=period,
            partnership_id=period.partnership_id,
            changes={"label": period.label},
        )
    return period
