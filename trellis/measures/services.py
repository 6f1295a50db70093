"""Writes to measures: definitions, trajectories, observations (one at a time or pasted),
chart notes and comparison series. Each checks permission, validates, writes in one
transaction and audits (trellis.writes, trellis.audit)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.accounts.models import Membership
from trellis.accounts.policy import Perm, require
from trellis.audit.services import audit_append
from trellis.core.series import parse_pasted, period_end
from trellis.errors import Forbidden, Invalid
from trellis.measures.models import (
    Annotation,
    Comparator,
    ComparatorValue,
    Kind,
    Measure,
    Observation,
    ObservationRevision,
    Source,
    Target,
)
from trellis.plans.models import Action
from trellis.writes import record_create, record_update

# Measure definitions


def _check_definition(membership: Membership, fields: dict[str, Any], actions: Any) -> None:
    errors: dict[str, list[str]] = {}
    if fields.get("kind") == Kind.RATE and not fields.get("rate_per"):
        errors["rate_per"] = [_("Say per how many the rate is, for example 10000.")]
    if any(a.partnership_id != membership.partnership_id for a in actions or ()):
        errors["actions"] = [_("Choose aims of this partnership.")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors)


def _defaults(fields: dict[str, Any]) -> dict[str, Any]:
    if fields.get("kind") == Kind.PERCENTAGE:
        fields = {**fields, "unit": "%"}
    return fields


def measure_create(
    *, membership: Membership, fields: dict[str, Any], actions: Iterable[Action] = ()
) -> Measure:
    require(membership, Perm.EDIT_MEASURE)
    actions = list(actions)
    _check_definition(membership, fields, actions)
    with transaction.atomic():
        return record_create(
            Measure,
            actor=membership.person,
            partnership=membership.partnership,
            m2m={"actions": actions},
            **_defaults(fields),
        )


def measure_update(
    measure: Measure,
    *,
    membership: Membership,
    expected_version: int,
    fields: dict[str, Any],
    actions: Iterable[Action] | None = None,
) -> Measure:
    require(membership, Perm.EDIT_MEASURE, measure)
    actions = None if actions is None else list(actions)
    _check_definition(membership, fields, actions)
    with transaction.atomic():
        return record_update(
            measure,
            actor=membership.person,
            expected_version=expected_version,
            m2m=None if actions is None else {"actions": actions},
            **_defaults(fields),
        )


def targets_set(
    measure: Measure, *, membership: Membership, targets: Sequence[tuple[dt.date, float]]
) -> list[Target]:
    """Replace the measure's dated targets (the trajectory after its baseline)."""
    require(membership, Perm.EDIT_MEASURE, measure)
    dates = [d for d, _v in targets]
    if len(set(dates)) != len(dates):
        raise Invalid(_("Give each date one target."), {"targets": [_("A date is repeated.")]})
    if measure.baseline_date and any(d <= measure.baseline_date for d in dates):
        message = _("Targets come after the baseline date.")
        raise Invalid(message, {"targets": [message]})
    with transaction.atomic():
        before = list(measure.targets.values_list("due", "value"))
        measure.targets.all().delete()
        made = Target.objects.bulk_create(
            Target(measure=measure, due=d, value=v) for d, v in sorted(targets)
        )
        audit_append(
            actor=membership.person,
            verb="measure.targets",
            target=measure,
            partnership_id=measure.partnership_id,
            changes={"targets": [_pairs(before), _pairs(sorted(targets))]},
        )
    return made


def _pairs(pairs: Iterable[tuple[dt.date, float]]) -> list[list[Any]]:
    return [[d.isoformat(), v] for d, v in pairs]


# Observations


def check_may_record(membership: Membership, measure: Measure) -> None:
    require(membership, Perm.RECORD_OBSERVATION, measure)
    if measure.source == Source.COMPUTED:
        raise Forbidden(
            _("This measure is computed from case-level data; its figures come from uploads.")
        )


def observation_value(
    measure: Measure,
    numerator: float | None,
    denominator: float | None,
    value: float | None,
) -> float | None:
    """The figure a measure shows: a percentage or rate from its parts, else as entered.
    Raises Invalid naming the field that is missing or wrong."""
    if measure.kind in (Kind.PERCENTAGE, Kind.RATE):
        if numerator is None or denominator is None:
            message = _("Give both the numerator and the denominator.")
            raise Invalid(message, {"numerator" if numerator is None else "denominator": [message]})
        if numerator < 0 or denominator < 0:
            raise Invalid(
                _("Counts cannot be negative."), {"numerator": [_("Counts cannot be negative.")]}
            )
        if measure.kind == Kind.PERCENTAGE and numerator > denominator:
            message = _("The numerator cannot be more than the denominator.")
            raise Invalid(message, {"numerator": [message]})
        if denominator == 0:
            return None  # no children in the denominator: no figure, not zero
        scale = 100 if measure.kind == Kind.PERCENTAGE else (measure.rate_per or 1)
        return numerator / denominator * scale
    if value is None:
        raise Invalid(_("Give the value."), {"value": [_("Give the value.")]})
    if measure.kind in (Kind.COUNT, Kind.MILESTONE) and value < 0:
        raise Invalid(
            _("The value cannot be negative."), {"value": [_("The value cannot be negative.")]}
        )
    return value


def _check_begun(measure: Measure, ends: dt.date) -> None:
    if ends > period_end(timezone.localdate(), measure.frequency):
        message = _("That period has not begun yet.")
        raise Invalid(message, {"period_ends": [message]})


def observation_save(
    measure: Measure,
    *,
    membership: Membership,
    period_ends: dt.date,
    numerator: float | None = None,
    denominator: float | None = None,
    value: float | None = None,
    note: str = "",
    provisional: bool = False,
    source: str = "entered",
    expected_version: int | None = None,
    new: bool = False,
) -> Observation:
    """Record the measure's figure for the period ending `period_ends` (create or change;
    with `new`, refuse a period that already has a figure, so nobody replaces it unseen)."""
    check_may_record(membership, measure)
    ends = period_end(period_ends, measure.frequency)
    _check_begun(measure, ends)
    fields: dict[str, Any] = {
        "numerator": numerator if measure.kind in (Kind.PERCENTAGE, Kind.RATE) else None,
        "denominator": denominator if measure.kind in (Kind.PERCENTAGE, Kind.RATE) else None,
        "value": observation_value(measure, numerator, denominator, value),
        "note": note.strip(),
        "provisional": provisional,
        "source": source,
    }
    with transaction.atomic():
        existing = Observation.objects.filter(measure=measure, period_ends=ends).first()
        if existing is not None and new:
            message = _("A figure for that period is already recorded: change it instead.")
            raise Invalid(message, {"period_ends": [message]})
        if existing is None:
            saved = record_create(
                Observation,
                actor=membership.person,
                partnership_id=measure.partnership_id,
                measure=measure,
                period_ends=ends,
                **fields,
            )
        else:
            version = existing.version if expected_version is None else expected_version
            saved = record_update(
                existing, actor=membership.person, expected_version=version, **fields
            )
        _revision(saved, membership)
    return saved


def _revision(observation: Observation, membership: Membership) -> None:
    ObservationRevision.objects.create(
        observation=observation,
        version=observation.version,
        numerator=observation.numerator,
        denominator=observation.denominator,
        value=observation.value,
        note=observation.note,
        provisional=observation.provisional,
        by=membership.person,
        at=timezone.now(),
    )


def observations_paste(measure: Measure, *, membership: Membership, text: str) -> int:
    """Record every line of a pasted block (period, value — or period, numerator,
    denominator for percentages and rates), all or none; returns how many were saved."""
    check_may_record(membership, measure)
    columns = 2 if measure.kind in (Kind.PERCENTAGE, Kind.RATE) else 1
    pasted = parse_pasted(text, frequency=measure.frequency, columns=columns)
    errors = list(pasted.errors)
    for row in pasted.rows:
        parts = row.numbers if columns == 2 else (None, None)
        try:
            _check_begun(measure, row.period_ends)
            observation_value(measure, parts[0], parts[1], row.numbers[0])
        except Invalid as exc:
            errors.append(
                _("Line %(line)s: %(problem)s") % {"line": row.line, "problem": exc.message}
            )
    if errors:
        raise Invalid(errors[0], {"text": errors})
    with transaction.atomic():
        for row in pasted.rows:
            numerator, denominator = row.numbers if columns == 2 else (None, None)
            observation_save(
                measure,
                membership=membership,
                period_ends=row.period_ends,
                numerator=numerator,
                denominator=denominator,
                value=row.numbers[0] if columns == 1 else None,
                source="pasted",
            )
    return len(pasted.rows)


# Chart notes and comparison series


def annotation_add(
    measure: Measure, *, membership: Membership, when: dt.date, text: str, process_change: bool
) -> Annotation:
    require(membership, Perm.RECORD_OBSERVATION, measure)  # notes belong on computed ones too
    text = text.strip()
    if not text:
        raise Invalid(_("Write the note."), {"text": [_("Write the note.")]})
    with transaction.atomic():
        note = Annotation.objects.create(
            measure=measure,
            when=when,
            text=text,
            process_change=process_change,
            added_by=membership.person,
        )
        audit_append(
            actor=membership.person,
            verb="measure.annotate",
            target=measure,
            partnership_id=measure.partnership_id,
            changes={"when": when.isoformat(), "text": text, "process_change": process_change},
        )
    return note


def chart_item_remove(item: Annotation | Comparator, *, membership: Membership) -> None:
    """Remove a note from a measure's chart, or a comparison series, audited on the measure."""
    measure = item.measure
    require(membership, Perm.EDIT_MEASURE, measure)
    if isinstance(item, Annotation):
        verb, said = "measure.annotation-delete", {"when": item.when.isoformat(), "text": item.text}
    else:
        verb, said = "measure.comparator-delete", {"name": item.name}
    with transaction.atomic():
        audit_append(
            actor=membership.person,
            verb=verb,
            target=measure,
            partnership_id=measure.partnership_id,
            changes=said,
        )
        item.delete()


def comparator_save(
    measure: Measure, *, membership: Membership, name: str, text: str
) -> Comparator:
    """Create or replace the comparison series `name` from pasted or CSV text (period, value
    per line), all or nothing."""
    require(membership, Perm.EDIT_MEASURE, measure)
    name = name.strip()
    if not name:
        raise Invalid(
            _("Name the series."), {"name": [_("Name the series, for example Scotland.")]}
        )
    pasted = parse_pasted(text, frequency=measure.frequency, columns=1)
    if pasted.errors:
        raise Invalid(pasted.errors[0], {"text": pasted.errors})
    with transaction.atomic():
        comparator, _created = Comparator.objects.get_or_create(measure=measure, name=name)
        comparator.values.all().delete()
        ComparatorValue.objects.bulk_create(
            ComparatorValue(comparator=comparator, period_ends=r.period_ends, value=r.numbers[0])
            for r in pasted.rows
        )
        audit_append(
            actor=membership.person,
            verb="measure.comparator",
            target=measure,
            partnership_id=measure.partnership_id,
            changes={"name": name, "values": len(pasted.rows)},
        )
    return comparator
