"""Grading a sampled case (each reviewer, every question) and moderating (the moderator's
grade stands over disagreeing reviewers). A reviewer's grades are theirs alone, so saving
again replaces them; each save is audited with the grades before and after."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from trellis.accounts.models import Membership
from trellis.audit.services import audit_append
from trellis.errors import Invalid
from trellis.improvement import access
from trellis.improvement.models import Audit, CaseGrade, Moderation, SampledCase

GRADES = range(1, 7)


def _check_open(audit: Audit) -> None:
    if audit.status != Audit.Status.OPEN:
        raise Invalid(_("This audit is not being graded."))


def grades_save(
    case: SampledCase, *, membership: Membership, grades: dict[int, tuple[int, str]]
) -> None:
    """`grades` maps each question's id to (grade, comment); every question is needed."""
    audit = case.audit
    access.check(access.is_reviewer(membership, audit))
    _check_open(audit)
    questions = {q.pk for q in audit.template_version.questions.all()}
    missing = [pk for pk in questions if pk not in grades or grades[pk][0] not in GRADES]
    if missing or set(grades) - questions:
        errors = {f"grade_{pk}": [_("Choose a grade from 1 to 6.")] for pk in missing}
        raise Invalid(_("Grade every question from 1 to 6."), errors)
    with transaction.atomic():
        mine = CaseGrade.objects.filter(case=case, reviewer=membership.person)
        before = {g.question_id: g.grade for g in mine}
        mine.delete()
        CaseGrade.objects.bulk_create(
            CaseGrade(
                case=case,
                question_id=pk,
                reviewer=membership.person,
                grade=grade,
                comment=comment.strip(),
            )
            for pk, (grade, comment) in grades.items()
        )
        audit_append(
            actor=membership.person,
            verb="audit.grade",
            target=audit,
            partnership_id=audit.partnership_id,
            changes={
                "case": case.position,
                "before": {str(k): v for k, v in sorted(before.items())},
                "after": {str(k): v[0] for k, v in sorted(grades.items())},
            },
        )


def moderation_save(
    case: SampledCase, *, membership: Membership, question_id: int, grade: int, comment: str
) -> Moderation:
    audit = case.audit
    access.check(access.is_moderator(membership, audit))
    _check_open(audit)
    if question_id not in {q.pk for q in audit.template_version.questions.all()}:
        raise Invalid(_("Choose a question of this audit."))
    if grade not in GRADES:
        raise Invalid(_("Choose a grade from 1 to 6."), {"grade": [_("Choose a grade.")]})
    if not comment.strip():
        message = _("Say why this grade, for the reviewers to learn from.")
        raise Invalid(message, {"comment": [message]})
    with transaction.atomic():
        moderation, _created = Moderation.objects.update_or_create(
            case=case,
            question_id=question_id,
            defaults={"grade": grade, "comment": comment.strip(), "by": membership.person},
        )
        audit_append(
            actor=membership.person,
            verb="audit.moderate",
            target=audit,
            partnership_id=audit.partnership_id,
            changes={"case": case.position, "question": question_id, "grade": grade},
        )
    return moderation
