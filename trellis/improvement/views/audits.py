"""Quality assurance pages: the audit programme, templates and their questions, planning
a round, drawing its sample, the round's page (results, sample, learning) and closing it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from trellis.errors import Invalid, NotFound
from trellis.improvement import access, assurance
from trellis.improvement.forms_qa import (
    AuditForm,
    DrawForm,
    ProgrammeForm,
    QuestionForm,
    TemplateForm,
)
from trellis.improvement.models import Audit, AuditProgramme, AuditTemplate, Question
from trellis.improvement.services import audits, templates
from trellis.improvement.views.common import FORM_METHODS, member, scoped, url
from trellis.views import form_page, partnership_view


def _manager(request: HttpRequest) -> None:
    access.check(access.may_manage_audits(member(request)))


@require_GET
@partnership_view()
def audit_home(request: HttpRequest) -> HttpResponse:
    membership = member(request)
    programmes = list(assurance.programmes_of(membership.partnership))
    mine = list(
        Audit.objects.filter(partnership=membership.partnership, status=Audit.Status.OPEN)
        .filter(Q(reviewers=membership.person) | Q(moderator=membership.person))
        .select_related("programme")
        .distinct()
    )
    return render(
        request,
        "improvement/audit_home.html",
        {
            "programmes": programmes,
            "templates": list(AuditTemplate.objects.filter(partnership=membership.partnership)),
            "mine": mine,
            "can_manage": access.may_manage_audits(membership),
        },
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def template_create(request: HttpRequest) -> HttpResponse:
    _manager(request)
    partnership = member(request).partnership
    return form_page(
        request,
        make_form=lambda data, obj: TemplateForm(data, instance=obj, partnership=partnership),
        save=lambda form: templates.template_create(
            membership=member(request), fields=form.field_values()[0]
        ),
        title=_("Add an audit template"),
        back_url=url(request, "audit-home"),
        success_url=lambda obj: url(request, "template-detail", obj.pk),
    )


@require_GET
@partnership_view()
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = scoped(AuditTemplate, request, pk, "inspection")
    versions = list(
        template.versions.prefetch_related("questions__indicator", "audits").order_by("-number")
    )
    return render(
        request,
        "improvement/template_detail.html",
        {
            "template": template,
            "versions": versions,
            "can_manage": access.may_manage_audits(member(request)),
        },
    )


def _question_page(
    request: HttpRequest, template: AuditTemplate, question: Question | None
) -> HttpResponse:
    def save(form: QuestionForm) -> Question:
        data = form.cleaned_data
        return templates.question_save(
            template,
            membership=member(request),
            indicator=data["indicator"],
            text=data["text"],
            position=data["position"],
            question=question,
        )

    used = question is not None and question.version.audits.exists()
    return form_page(
        request,
        make_form=lambda data, obj: QuestionForm(data, instance=obj, template=template),  # type: ignore[arg-type,return-value]
        instance=question,
        save=save,  # type: ignore[arg-type]
        title=_("Change a question") if question else _("Add a question"),
        back_url=url(request, "template-detail", template.pk),
        context={"used": used},
        template="improvement/question_form.html",
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def question_create(request: HttpRequest, template_pk: int) -> HttpResponse:
    _manager(request)
    return _question_page(request, scoped(AuditTemplate, request, template_pk), None)


@require_http_methods(FORM_METHODS)
@partnership_view()
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    question = _question(request, pk)
    return _question_page(request, question.version.template, question)


def _question(request: HttpRequest, pk: int) -> Question:
    question = (
        Question.objects.select_related("version__template", "indicator")
        .filter(version__template__partnership_id=member(request).partnership_id, pk=pk)
        .first()
    )
    if question is None:
        raise NotFound()
    return question


@require_http_methods(FORM_METHODS)
@partnership_view()
def question_remove(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    question = _question(request, pk)
    template = question.version.template
    back = url(request, "template-detail", template.pk)
    if request.method == "POST":
        templates.question_remove(template, membership=member(request), question=question)
        messages.success(request, _("Question removed."))
        return HttpResponseRedirect(back)
    return render(
        request,
        "improvement/question_remove.html",
        {
            "question": question,
            "used": question.version.audits.exists(),
            "back_url": back,
        },
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def programme_create(request: HttpRequest) -> HttpResponse:
    _manager(request)
    partnership = member(request).partnership
    return form_page(
        request,
        make_form=lambda data, obj: ProgrammeForm(data, instance=obj, partnership=partnership),
        save=lambda form: audits.programme_create(
            membership=member(request), fields=form.field_values()[0]
        ),
        title=_("Add an audit programme"),
        back_url=url(request, "audit-home"),
    )


def _audit_save(request: HttpRequest, programme: AuditProgramme, audit: Audit | None) -> Any:
    def save(form: AuditForm) -> Audit:
        fields, m2m = form.field_values()
        if audit is None:
            return audits.audit_create(
                programme, membership=member(request), fields=fields, reviewers=m2m["reviewers"]
            )
        return audits.audit_update(
            audit,
            membership=member(request),
            expected_version=form.expected_version(),
            fields=fields,
            reviewers=m2m["reviewers"],
        )

    return save


@require_http_methods(FORM_METHODS)
@partnership_view()
def audit_create(request: HttpRequest, programme_pk: int) -> HttpResponse:
    _manager(request)
    programme = scoped(AuditProgramme, request, programme_pk, "template")
    partnership = member(request).partnership
    return form_page(
        request,
        make_form=lambda data, obj: AuditForm(data, instance=obj, partnership=partnership),
        save=_audit_save(request, programme, None),
        title=_("Plan a round of %(programme)s") % {"programme": programme.title},
        back_url=url(request, "audit-home"),
        success_url=lambda obj: url(request, "audit-detail", obj.pk),
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def audit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    audit = scoped(Audit, request, pk, "programme")
    partnership = member(request).partnership

    def make(data: Any, obj: Any) -> AuditForm:
        form = AuditForm(data, instance=obj, partnership=partnership)
        if audit.status != Audit.Status.PLANNED:  # the draw fixed these
            for name in audits.FIXED_ONCE_DRAWN:
                form.fields[name].disabled = True
        return form

    return form_page(
        request,
        make_form=make,
        instance=audit,
        save=_audit_save(request, audit.programme, audit),
        title=_("Change the audit's plan"),
        back_url=url(request, "audit-detail", pk),
    )


@require_GET
@partnership_view()
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = member(request)
    audit = assurance.audit_detail(membership.partnership, pk)
    sees_sample = access.may_see_sample(membership, audit)
    cases = list(audit.cases.all())
    progress = assurance.reviewer_progress(audit, membership.person_id)
    return render(
        request,
        "improvement/audit_detail.html",
        {
            "audit": audit,
            "results": assurance.audit_results(audit),
            "questions": len(audit.template_version.questions.all()),
            "cases": [(c, progress[c.pk]) for c in cases] if sees_sample else [],
            "case_count": len(cases),
            "to_moderate": len(assurance.to_moderate(audit)),
            "sees_sample": sees_sample,
            "is_reviewer": access.is_reviewer(membership, audit),
            "is_moderator": access.is_moderator(membership, audit),
            "can_manage": access.may_manage_audits(membership),
            "can_draw": access.may_draw_sample(membership),
            "grades": range(1, 7),
        },
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def sample_draw(request: HttpRequest, pk: int) -> HttpResponse:
    access.check(access.may_draw_sample(member(request)))
    audit = scoped(Audit, request, pk, "programme")

    def save(form: DrawForm) -> Audit:
        drawn = audits.sample_draw(
            audit,
            membership=member(request),
            expected_version=int(form.cleaned_data.get("version") or 0),
            seed=form.cleaned_data.get("seed"),
        )
        messages.success(request, _("Sample drawn."))
        return drawn

    return form_page(
        request,
        make_form=lambda data, obj: DrawForm(data, initial={"version": audit.version}),  # type: ignore[arg-type,return-value]
        save=save,  # type: ignore[arg-type]
        title=_("Draw the sample"),
        back_url=url(request, "audit-detail", pk),
        context={"audit": audit},
        template="improvement/draw_form.html",
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def audit_close(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    membership = member(request)
    audit = assurance.audit_detail(membership.partnership, pk)
    back = url(request, "audit-detail", pk)
    problem = ""
    if request.method == "POST":
        try:
            audits.audit_close(
                audit,
                membership=membership,
                expected_version=int(request.POST.get("version") or 0),
            )
        except Invalid as exc:
            problem = exc.message
        else:
            messages.success(request, _("Audit closed; its results are charted."))
            return HttpResponseRedirect(back)
    return render(
        request,
        "improvement/audit_close.html",
        {"audit": audit, "back_url": back, "problem": problem},
        status=400 if problem else 200,
    )


P = "p/<slug:slug>/audits/"
urlpatterns = [
    path(P, audit_home, name="audit-home"),
    path(P + "templates/new/", template_create, name="template-create"),
    path(P + "templates/<int:pk>/", template_detail, name="template-detail"),
    path(P + "templates/<int:template_pk>/questions/new/", question_create, name="question-create"),
    path(P + "questions/<int:pk>/edit/", question_edit, name="question-edit"),
    path(P + "questions/<int:pk>/remove/", question_remove, name="question-remove"),
    path(P + "programmes/new/", programme_create, name="programme-create"),
    path(P + "programmes/<int:programme_pk>/rounds/new/", audit_create, name="audit-create"),
    path(P + "<int:pk>/", audit_detail, name="audit-detail"),
    path(P + "<int:pk>/edit/", audit_edit, name="audit-edit"),
    path(P + "<int:pk>/draw/", sample_draw, name="sample-draw"),
    path(P + "<int:pk>/close/", audit_close, name="audit-close"),
]
