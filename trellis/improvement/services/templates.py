"""Audit templates: questions grouped under the inspection's quality indicators, in
numbered versions. A version an audit has used is never changed; changing the questions
starts the next version, a copy of the latest."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from trellis.accounts.models import Membership
from trellis.audit.services import audit_append
from trellis.errors import Invalid
from trellis.improvement import access
from trellis.improvement.models import AuditTemplate, Question, TemplateVersion
from trellis.plans.models import QualityIndicator
from trellis.writes import record_create


def template_create(*, membership: Membership, fields: dict[str, Any]) -> AuditTemplate:
    access.check(access.may_manage_audits(membership))
    inspection = fields["inspection"]
    if inspection.partnership_id != membership.partnership_id:
        raise Invalid(_("Choose an inspection of this partnership."))
    with transaction.atomic():
        template = record_create(
            AuditTemplate, actor=membership.person, partnership=membership.partnership, **fields
        )
        TemplateVersion.objects.create(template=template, number=1, created_by=membership.person)
    return template


def latest_version(template: AuditTemplate) -> TemplateVersion:
    return template.versions.order_by("-number").first()  # type: ignore[return-value]


def editable_version(template: AuditTemplate, membership: Membership) -> TemplateVersion:
    """The latest version if no audit has used it yet, else a new copy of it."""
    latest = latest_version(template)
    if not latest.audits.exists():
        return latest
    with transaction.atomic():
        fresh = TemplateVersion.objects.create(
            template=template, number=latest.number + 1, created_by=membership.person
        )
        Question.objects.bulk_create(
            Question(version=fresh, indicator_id=q.indicator_id, text=q.text, position=q.position)
            for q in latest.questions.all()
        )
        audit_append(
            actor=membership.person,
            verb="audittemplate.version",
            target=template,
            partnership_id=template.partnership_id,
            changes={"version": fresh.number, "from": latest.number},
        )
    return fresh


def _check_question(template: AuditTemplate, indicator: QualityIndicator, text: str) -> str:
    text = text.strip()
    errors: dict[str, list[str]] = {}
    if indicator.inspection_id != template.inspection_id:
        errors["indicator"] = [_("Choose a quality indicator of the template's inspection.")]
    if not text:
        errors["text"] = [_("Write the question.")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors)
    return text


def question_save(
    template: AuditTemplate,
    *,
    membership: Membership,
    indicator: QualityIndicator,
    text: str,
    position: int,
    question: Question | None = None,
) -> Question:
    """Add a question, or change one; in a used version this lands in a new version."""
    access.check(access.may_manage_audits(membership))
    text = _check_question(template, indicator, text)
    with transaction.atomic():
        version = editable_version(template, membership)
        target = None
        if question is not None:
            target = version.questions.filter(
                position=question.position, text=question.text
            ).first()
        if target is None:
            target = Question(version=version)
        before = {"indicator": target.indicator_id, "text": target.text} if target.pk else None
        target.indicator, target.text, target.position = indicator, text, position
        target.save()
        audit_append(
            actor=membership.person,
            verb="audittemplate.question",
            target=template,
            partnership_id=template.partnership_id,
            changes={
                "version": version.number,
                "before": before,
                "after": {"indicator": indicator.pk, "text": text},
            },
        )
    return target


def question_remove(template: AuditTemplate, *, membership: Membership, question: Question) -> None:
    access.check(access.may_manage_audits(membership))
    with transaction.atomic():
        version = editable_version(template, membership)
        version.questions.filter(position=question.position, text=question.text).delete()
        audit_append(
            actor=membership.person,
            verb="audittemplate.question-remove",
            target=template,
            partnership_id=template.partnership_id,
            changes={"version": version.number, "text": question.text},
        )
