"""Audit programmes and their rounds: planning, drawing the sample, and closing a round,
which publishes its results as one measure per quality indicator (a run chart over the
programme's successive rounds)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.accounts.models import Membership, Person
from trellis.core.series import period_end
from trellis.errors import Invalid
from trellis.improvement import access, sampling
from trellis.improvement.models import Audit, AuditProgramme, ResultMeasure, SampledCase
from trellis.improvement.services.templates import latest_version
from trellis.measures.models import Measure
from trellis.measures.services import measure_create, observation_save
from trellis.plans.models import QualityIndicator
from trellis.writes import record_create, record_update

MAX_SAMPLE = 200


def programme_create(*, membership: Membership, fields: dict[str, Any]) -> AuditProgramme:
    access.check(access.may_manage_audits(membership))
    if fields["template"].partnership_id != membership.partnership_id:
        raise Invalid(_("Choose a template of this partnership."), {"template": [_("Choose one.")]})
    fields = {**fields, "code": fields["code"].strip().upper()}
    return record_create(
        AuditProgramme, actor=membership.person, partnership=membership.partnership, **fields
    )


def _check_people(membership: Membership, moderator: Person, reviewers: list[Person]) -> None:
    errors: dict[str, list[str]] = {}
    members = set(
        Membership.objects.filter(
            partnership_id=membership.partnership_id,
            is_active=True,
            person__in=[moderator, *reviewers],
        ).values_list("person_id", flat=True)
    )
    if not reviewers:
        errors["reviewers"] = [_("Choose at least one case-file reviewer.")]
    elif any(r.pk not in members for r in reviewers):
        errors["reviewers"] = [_("Choose members of this partnership.")]
    if moderator.pk not in members:
        errors["moderator"] = [_("Choose a member of this partnership.")]
    elif moderator in reviewers:
        errors["moderator"] = [_("The moderator reconciles the reviewers, so is not one.")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors)


def _check_size(size: int) -> None:
    if not 1 <= size <= MAX_SAMPLE:
        message = _("Choose a sample of 1 to %(max)d cases.") % {"max": MAX_SAMPLE}
        raise Invalid(message, {"sample_size": [message]})


def audit_create(
    programme: AuditProgramme,
    *,
    membership: Membership,
    fields: dict[str, Any],
    reviewers: list[Person],
) -> Audit:
    access.check(access.may_manage_audits(membership))
    _check_people(membership, fields["moderator"], reviewers)
    _check_size(fields["sample_size"])
    version = latest_version(programme.template)
    if not version.questions.exists():
        raise Invalid(_("The programme's template has no questions yet."))
    with transaction.atomic():
        last = programme.audits.aggregate(n=Max("round"))["n"] or 0
        return record_create(
            Audit,
            actor=membership.person,
            partnership_id=programme.partnership_id,
            programme=programme,
            round=last + 1,
            template_version=version,
            m2m={"reviewers": reviewers},
            **fields,
        )


FIXED_ONCE_DRAWN = ("scope_from", "scope_to", "sample_size")


def audit_update(
    audit: Audit,
    *,
    membership: Membership,
    expected_version: int,
    fields: dict[str, Any],
    reviewers: list[Person],
) -> Audit:
    """Change a round's plan. Once its sample is drawn the cases' period and the sample
    size stand; dates, reviewers and the moderator may still change (a reviewer taken off
    the round no longer counts in its results)."""
    access.check(access.may_manage_audits(membership))
    if audit.status == Audit.Status.CLOSED:
        raise Invalid(_("The audit is closed: its plan can no longer change."))
    if audit.status == Audit.Status.OPEN:
        changed = [f for f in FIXED_ONCE_DRAWN if f in fields and fields[f] != getattr(audit, f)]
        if changed:
            message = _("The sample is drawn: the cases' period and sample size stand.")
            raise Invalid(message, {name: [message] for name in changed})
    _check_people(membership, fields["moderator"], reviewers)
    _check_size(fields["sample_size"])
    return record_update(
        audit,
        actor=membership.person,
        expected_version=expected_version,
        m2m={"reviewers": reviewers},
        **fields,
    )


def sample_draw(
    audit: Audit, *, membership: Membership, expected_version: int, seed: int | None = None
) -> Audit:
    """Draw the sample from the latest snapshot's case list with `seed` (a new one when
    none is given) and record both, so the draw can be repeated."""
    access.check(access.may_draw_sample(membership))
    if audit.status != Audit.Status.PLANNED:
        raise Invalid(_("The sample has already been drawn."))
    if seed is not None and not 0 <= seed < sampling.SEED_LIMIT:
        raise Invalid(_("Give a whole number seed."), {"seed": [_("Give a whole number.")]})
    snapshot = sampling.latest_snapshot(audit.partnership_id)
    if snapshot is None:
        message = _("There is no extract to draw from: an analyst must load one first.")
        raise Invalid(message, {"seed": [message]})
    scope = audit.programme.scope
    cases = sampling.snapshot_cases(snapshot, scope, audit.scope_from, audit.scope_to)
    if not cases:
        message = _("No cases in the latest extract fall in the audit's period.")
        raise Invalid(message, {"seed": [message]})
    seed = sampling.new_seed() if seed is None else seed
    picked = sampling.draw(cases, audit.sample_size, seed)
    with transaction.atomic():
        audit = record_update(
            audit,
            actor=membership.person,
            expected_version=expected_version,
            verb="audit.sample",
            snapshot=snapshot,
            seed=seed,
            population=len(cases),
            sampled_by=membership.person,
            sampled_at=timezone.now(),
            status=Audit.Status.OPEN,
        )
        SampledCase.objects.bulk_create(
            SampledCase(audit=audit, position=i, pseudonym=p) for i, p in enumerate(picked, 1)
        )
    return audit


def sample_repeats(audit: Audit) -> bool:
    """Whether drawing again from the recorded snapshot and seed gives the stored sample."""
    if audit.snapshot is None or audit.seed is None:
        return False
    cases = sampling.snapshot_cases(
        audit.snapshot, audit.programme.scope, audit.scope_from, audit.scope_to
    )
    stored = list(audit.cases.order_by("position").values_list("pseudonym", flat=True))
    return sampling.draw(cases, audit.sample_size, audit.seed) == stored


def audit_period(audit: Audit) -> Any:
    """The quarter a round is charted at: the one its cases' period ends in."""
    return period_end(audit.scope_to, "quarter")


def _result_measure(
    programme: AuditProgramme, indicator: QualityIndicator, membership: Membership
) -> Measure:
    link = ResultMeasure.objects.filter(programme=programme, indicator=indicator).first()
    if link is not None:
        return link.measure
    measure = measure_create(
        membership=membership,
        fields={
            "code": f"{programme.code}-{indicator.reference}"[:30],
            "title": _("%(programme)s: %(qi)s graded good or better")
            % {"programme": programme.title, "qi": indicator.reference},
            "description": _(
                "Answers about the sampled case files graded good or better (4 to 6) for "
                "quality indicator %(qi)s, after moderation, as a share of all answers."
            )
            % {"qi": indicator},
            "kind": "percentage",
            "direction": "increase",
            "role": "process",
            "source": "manual",
            "frequency": "quarter",
            "chart": "run",
            "rules": "anhoej",
        },
    )
    ResultMeasure.objects.create(programme=programme, indicator=indicator, measure=measure)
    return measure


def audit_close(audit: Audit, *, membership: Membership, expected_version: int) -> Audit:
    """Close a fully graded and moderated round and chart its results per indicator."""
    from trellis.improvement.assurance import audit_results

    access.check(access.may_manage_audits(membership))
    if audit.status != Audit.Status.OPEN:
        raise Invalid(_("Only an audit being graded can be closed."))
    results = audit_results(audit)
    pending = sum(r.result.pending for r in results)
    if pending:
        raise Invalid(
            _("%(count)d answers still await a reviewer or the moderator.") % {"count": pending}
        )
    with transaction.atomic():
        for row in results:
            measure = _result_measure(audit.programme, row.indicator, membership)
            observation_save(
                measure,
                membership=membership,
                period_ends=audit_period(audit),
                numerator=row.result.good_or_better,
                denominator=row.result.graded,
                note=_("Round %(round)d: %(cases)d case files")
                % {
                    "round": audit.round,
                    "cases": audit.cases.count(),
                },
                source=_("Case-file audit"),
                new=True,
            )
        return record_update(
            audit,
            actor=membership.person,
            expected_version=expected_version,
            verb="audit.close",
            status=Audit.Status.CLOSED,
            closed_at=timezone.now(),
        )
