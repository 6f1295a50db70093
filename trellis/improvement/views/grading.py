"""Grading a sampled case (its reviewers), moderating it (the moderator), and recording
the audit's learning and what it became (plan owners; the moderator records learning)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from trellis.errors import NotFound
from trellis.improvement import access, assurance
from trellis.improvement.forms_qa import (
    LearningActionForm,
    LearningForm,
    ModerationForm,
    TrainingForm,
    grading_form,
)
from trellis.improvement.models import Audit, LearningPoint, Question, SampledCase
from trellis.improvement.services import grading, learning
from trellis.improvement.views.common import FORM_METHODS, member, scoped, url
from trellis.views import form_page, partnership_view


def _case(request: HttpRequest, pk: int) -> tuple[Audit, SampledCase]:
    """The case and its audit with everything prefetched; 404 outside the partnership."""
    case = (
        SampledCase.objects.filter(audit__partnership_id=member(request).partnership_id, pk=pk)
        .only("pk", "audit_id")
        .first()
    )
    if case is None:
        raise NotFound()
    audit = assurance.audit_detail(member(request).partnership, case.audit_id)
    return audit, next(c for c in audit.cases.all() if c.pk == pk)


def _questions(audit: Audit) -> list[Question]:
    return list(audit.template_version.questions.all())


@require_http_methods(FORM_METHODS)
@partnership_view()
def case_grade(request: HttpRequest, pk: int) -> HttpResponse:
    membership = member(request)
    audit, case = _case(request, pk)
    access.check(access.is_reviewer(membership, audit))
    questions = _questions(audit)
    mine = {g.question_id: g for g in case.grades.all() if g.reviewer_id == membership.person_id}
    initial: dict[str, Any] = {}
    for q in questions:
        if q.pk in mine:
            initial[f"grade_{q.pk}"] = mine[q.pk].grade
            initial[f"comment_{q.pk}"] = mine[q.pk].comment

    def save(form: Any) -> SampledCase:
        data = form.cleaned_data
        grades = {q.pk: (data[f"grade_{q.pk}"], data[f"comment_{q.pk}"]) for q in questions}
        grading.grades_save(case, membership=membership, grades=grades)
        messages.success(request, _("Grades saved for case %(n)s.") % {"n": case.position})
        return case

    return form_page(
        request,
        make_form=lambda data, obj: grading_form(questions, data, initial),  # type: ignore[arg-type,return-value]
        save=save,
        title=_("Grade case %(n)s") % {"n": case.position},
        back_url=url(request, "audit-detail", audit.pk),
        context={"case": case, "audit": audit},
        template="improvement/grade_form.html",
    )


@require_GET
@partnership_view()
def case_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    membership = member(request)
    audit, case = _case(request, pk)
    access.check(access.is_moderator(membership, audit))
    waiting = assurance.to_moderate(audit)
    moderated = {m.question_id: m for m in case.moderations.all()}
    rows = [
        {
            "question": q,
            "grades": [g for g in case.grades.all() if g.question_id == q.pk],
            "moderation": moderated.get(q.pk),
            "waiting": (case.pk, q.pk) in waiting,
        }
        for q in _questions(audit)
    ]
    return render(
        request,
        "improvement/case_moderate.html",
        {"audit": audit, "case": case, "rows": rows},
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def question_moderate(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    membership = member(request)
    audit, case = _case(request, pk)
    access.check(access.is_moderator(membership, audit))
    question = next((q for q in _questions(audit) if q.pk == question_pk), None)
    if question is None:
        raise NotFound()
    existing = next((m for m in case.moderations.all() if m.question_id == question_pk), None)
    initial = {"grade": existing.grade, "comment": existing.comment} if existing else {}

    def save(form: ModerationForm) -> Any:
        return grading.moderation_save(
            case,
            membership=membership,
            question_id=question.pk,
            grade=form.cleaned_data["grade"],
            comment=form.cleaned_data["comment"],
        )

    return form_page(
        request,
        make_form=lambda data, obj: ModerationForm(data, initial=initial),  # type: ignore[arg-type,return-value]
        save=save,  # type: ignore[arg-type]
        title=_("Moderate case %(n)s: %(q)s") % {"n": case.position, "q": question.text},
        back_url=url(request, "case-moderate", case.pk),
        context={
            "grades": [g for g in case.grades.all() if g.question_id == question.pk],
        },
        template="improvement/moderate_form.html",
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def learning_add(request: HttpRequest, audit_pk: int) -> HttpResponse:
    membership = member(request)
    audit = scoped(Audit, request, audit_pk, "programme__template")
    access.check(access.may_manage_audits(membership) or access.is_moderator(membership, audit))
    return form_page(
        request,
        make_form=lambda data, obj: LearningForm(data, instance=obj, audit=audit),
        save=lambda form: learning.learning_add(
            audit, membership=membership, fields=form.field_values()[0]
        ),
        title=_("Record a finding or learning point"),
        back_url=url(request, "audit-detail", audit.pk) + "#learning",
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def learning_action(request: HttpRequest, pk: int) -> HttpResponse:
    membership = member(request)
    access.check(access.may_manage_audits(membership))
    point = scoped(LearningPoint, request, pk, "audit")

    def save(form: LearningActionForm) -> Any:
        data = form.cleaned_data
        return learning.learning_to_action(
            point,
            membership=membership,
            expected_version=int(data.get("version") or 0),
            driver=data["driver"],
            fields={"title": data["title"], "lead": data["lead"], "due": data["due"]},
        )

    return form_page(
        request,
        make_form=lambda data, obj: LearningActionForm(  # type: ignore[arg-type,return-value]
            data,
            partnership=membership.partnership,
            initial={"title": point.text, "version": point.version},
        ),
        save=save,  # type: ignore[arg-type]
        title=_("Make the learning a new action in the plan"),
        back_url=url(request, "audit-detail", point.audit_id) + "#learning",
        context={"point": point},
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def learning_training(request: HttpRequest, pk: int) -> HttpResponse:
    membership = member(request)
    access.check(access.may_manage_audits(membership))
    point = scoped(LearningPoint, request, pk, "audit")
    initial = {
        "training_need": point.training_need or point.text,
        "training_for": point.training_for,
        "version": point.version,
    }
    return form_page(
        request,
        make_form=lambda data, obj: TrainingForm(data, initial=initial),  # type: ignore[arg-type,return-value]
        save=lambda form: learning.learning_to_training(
            point,
            membership=membership,
            expected_version=int(form.cleaned_data.get("version") or 0),
            need=form.cleaned_data["training_need"],
            audience=form.cleaned_data["training_for"],
        ),
        title=_("Record the training need"),
        back_url=url(request, "audit-detail", point.audit_id) + "#learning",
    )


P = "p/<slug:slug>/audits/"
urlpatterns = [
    path(P + "cases/<int:pk>/grade/", case_grade, name="case-grade"),
    path(P + "cases/<int:pk>/moderate/", case_moderate, name="case-moderate"),
    path(
        P + "cases/<int:pk>/moderate/<int:question_pk>/",
        question_moderate,
        name="question-moderate",
    ),
    path(P + "<int:audit_pk>/learning/new/", learning_add, name="learning-add"),
    path(P + "learning/<int:pk>/action/", learning_action, name="learning-action"),
    path(P + "learning/<int:pk>/training/", learning_training, name="learning-training"),
]
