"""PDSA cycles against a change idea, and their pin on a measure's chart.

A pinned cycle appears on the measure's chart as a note. The note is the measures app's
own Annotation, made through its service (so the same permission and audit apply); the
cycle keeps a reference to it and replaces it when the pin or the cycle's title changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.accounts.models import Membership
from trellis.accounts.policy import Perm, can
from trellis.audit.services import audit_append
from trellis.core.series import period_end, period_label
from trellis.errors import Invalid
from trellis.improvement import access
from trellis.improvement.models import DriverNode, NodeKind, PdsaCycle, Project
from trellis.measures.models import Annotation, Measure, Observation
from trellis.measures.services import annotation_add
from trellis.writes import record_create, record_update

PIN_FIELDS = ("pin_measure", "pin_period")


def _check_dates(fields: dict[str, Any]) -> None:
    """Do, study and act happen in that order, not in the future; act names a decision."""
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    steps = [("do_on", _("carried out")), ("study_on", _("studied")), ("act_on", _("acted on"))]
    previous: tuple[str, dt.date | None] = ("plan_when", fields.get("plan_when"))
    for name, label in steps:
        when = fields.get(name)
        if when is None:
            previous = (name, None)
            continue
        if when > today:
            errors[name] = [_("A cycle cannot be %(step)s in the future.") % {"step": label}]
        elif name != "do_on" and previous[1] is None:
            errors[name] = [_("Record the step before this one first.")]
        elif name != "do_on" and previous[1] is not None and when < previous[1]:
            errors[name] = [_("This step comes after the one before it.")]
        previous = (name, when)
    if fields.get("act_on") and not fields.get("decision"):
        errors["decision"] = [_("Choose adopt, adapt or abandon.")]
    if fields.get("decision") and not fields.get("act_on"):
        errors["act_on"] = [_("Give the date of the decision.")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors)


def _check_change_idea(project: Project, idea: DriverNode) -> None:
    if idea.project_id != project.pk or idea.kind != NodeKind.CHANGE:
        message = _("Choose a change idea of this project.")
        raise Invalid(message, {"change_idea": [message]})


def _project_measures(project: Project) -> set[int]:
    return {
        m.pk
        for name in ("outcome_measures", "process_measures", "balancing_measures")
        for m in getattr(project, name).all()
    }


def _check_pin(
    project: Project,
    membership: Membership,
    fields: dict[str, Any],
    current: PdsaCycle | None = None,
) -> None:
    """A pin is a figure of one of the charter's measures that the person may note on (a
    team member who may not can still edit a cycle someone else pinned, pin unchanged)."""
    measure: Measure | None = fields.get("pin_measure")
    when: dt.date | None = fields.get("pin_period")
    if measure is None and when is None:
        return
    if measure is None or when is None:
        message = _("Choose both the measure and the period to pin the cycle to.")
        raise Invalid(message, {"pin_measure" if measure is None else "pin_period": [message]})
    if measure.pk not in _project_measures(project):
        message = _("Choose one of the charter's measures.")
        raise Invalid(message, {"pin_measure": [message]})
    unchanged = current is not None and (
        current.pin_measure_id,
        current.pin_period,
        current.title,
    ) == (measure.pk, period_end(when, measure.frequency), fields.get("title", current.title))
    if not unchanged and not can(membership, Perm.RECORD_OBSERVATION, measure):
        message = _("You may not add notes to that measure's chart; ask its analyst or lead.")
        raise Invalid(message, {"pin_measure": [message]})
    ends = period_end(when, measure.frequency)
    if not Observation.objects.filter(measure=measure, period_ends=ends).exists():
        message = _("%(code)s has no figure for %(period)s: choose a period with a figure.") % {
            "code": measure.code,
            "period": period_label(ends, measure.frequency),
        }
        raise Invalid(message, {"pin_period": [message]})
    fields["pin_period"] = ends


def _note_text(cycle: PdsaCycle) -> str:
    return f"PDSA {cycle.number}: {cycle.title}"[:200]


def _repin(cycle: PdsaCycle, membership: Membership) -> None:
    """Replace the cycle's note on the chart to match its pin and title."""
    old = Annotation.objects.filter(pk=cycle.annotation_id).first() if cycle.annotation_id else None
    wanted = cycle.pin_measure_id is not None and cycle.pin_period is not None
    if (
        old is not None
        and wanted
        and (old.measure_id, old.when, old.text)
        == (
            cycle.pin_measure_id,
            cycle.pin_period,
            _note_text(cycle),
        )
    ):
        return
    if old is not None:
        audit_append(
            actor=membership.person,
            verb="pdsa.unpin",
            target=cycle,
            partnership_id=cycle.partnership_id,
            changes={"measure": old.measure_id, "when": old.when.isoformat(), "text": old.text},
        )
        old.delete()
    note = None
    if cycle.pin_measure is not None and cycle.pin_period is not None:
        note = annotation_add(
            cycle.pin_measure,
            membership=membership,
            when=cycle.pin_period,
            text=_note_text(cycle),
            process_change=False,
        )
    PdsaCycle.objects.filter(pk=cycle.pk).update(annotation=note)
    cycle.annotation = note


def cycle_create(project: Project, *, membership: Membership, fields: dict[str, Any]) -> PdsaCycle:
    access.check(access.may_record_cycles(membership, project))
    _check_change_idea(project, fields["change_idea"])
    _check_dates(fields)
    _check_pin(project, membership, fields)
    with transaction.atomic():
        last = project.cycles.aggregate(n=Max("number"))["n"] or 0
        cycle = record_create(
            PdsaCycle,
            actor=membership.person,
            partnership_id=project.partnership_id,
            project=project,
            number=last + 1,
            **fields,
        )
        _repin(cycle, membership)
    return cycle


def cycle_update(
    cycle: PdsaCycle, *, membership: Membership, expected_version: int, fields: dict[str, Any]
) -> PdsaCycle:
    project = cycle.project
    access.check(access.may_record_cycles(membership, project))
    _check_change_idea(project, fields.get("change_idea", cycle.change_idea))
    steps = ("plan_when", "do_on", "study_on", "act_on", "decision")
    _check_dates({**{f: getattr(cycle, f) for f in steps}, **fields})
    _check_pin(project, membership, fields, cycle)
    with transaction.atomic():
        cycle = record_update(
            cycle, actor=membership.person, expected_version=expected_version, **fields
        )
        _repin(cycle, membership)
    return cycle
