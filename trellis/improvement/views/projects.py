"""Improvement projects: the list, the charter and its approval, the project page (charter,
measures, driver diagram, PDSA cycles, progress score) and the score's confirmation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from trellis.improvement import access, selectors
from trellis.improvement.diagram import driver_diagram_svg
from trellis.improvement.forms import ApprovalForm, CharterForm, ScoreForm
from trellis.improvement.models import SCORES, Project
from trellis.improvement.services import projects as services
from trellis.improvement.views.common import FORM_METHODS, member, scoped, url
from trellis.plans.models import Action
from trellis.views import form_page, partnership_view


@require_GET
@partnership_view()
def project_list(request: HttpRequest) -> HttpResponse:
    projects = list(selectors.projects_of(member(request).partnership))
    return render(request, "improvement/project_list.html", {"projects": projects})


def _charter_save(request: HttpRequest, action: Action, project: Project | None) -> Any:
    def save(form: CharterForm) -> Project:
        fields, m2m = form.field_values()
        if project is None:
            made = services.project_create(
                membership=member(request), action=action, fields=fields, m2m=m2m
            )
        else:
            made = services.project_update(
                project,
                membership=member(request),
                expected_version=form.expected_version(),
                fields=fields,
                m2m=m2m,
            )
        messages.success(request, _("Charter saved."))
        return made

    return save


@require_http_methods(FORM_METHODS)
@partnership_view()
def project_create(request: HttpRequest, action_pk: int) -> HttpResponse:
    action = scoped(Action, request, action_pk)
    access.check(access.may_edit_project(member(request), action))
    existing = Project.objects.filter(action=action).first()
    if existing is not None:
        return redirect(url(request, "project-detail", existing.pk))
    partnership = member(request).partnership
    return form_page(
        request,
        make_form=lambda data, obj: CharterForm(
            data, instance=obj, partnership=partnership, initial={"aim": action.title}
        ),
        save=_charter_save(request, action, None),
        title=_("Run this aim as an improvement project"),
        back_url=reverse("plans:action-detail", args=[partnership.slug, action.pk]),
        success_url=lambda obj: url(request, "project-detail", obj.pk),
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = scoped(Project, request, pk, "action")
    access.check(access.may_edit_project(member(request), project.action))
    partnership = member(request).partnership
    return form_page(
        request,
        make_form=lambda data, obj: CharterForm(data, instance=obj, partnership=partnership),
        instance=project,
        save=_charter_save(request, project.action, project),
        title=_("Edit the charter"),
        back_url=url(request, "project-detail", pk),
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def project_approve(request: HttpRequest, pk: int) -> HttpResponse:
    project = scoped(Project, request, pk)
    access.check(access.may_approve(member(request)))

    def save(form: ApprovalForm) -> Project:
        data = form.cleaned_data
        saved = services.project_approve(
            project,
            membership=member(request),
            expected_version=form.expected_version(),
            approved_by=data.get("approved_by") or "",
            approved_on=data.get("approved_on"),
        )
        messages.success(request, _("Approval recorded."))
        return saved

    return form_page(
        request,
        make_form=lambda data, obj: ApprovalForm(data, instance=obj),
        instance=project,
        save=save,  # type: ignore[arg-type]
        title=_("Record the charter's approval"),
        back_url=url(request, "project-detail", pk),
    )


@require_GET
@partnership_view()
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = member(request)
    project = selectors.project_detail(membership.partnership, pk)
    measures = selectors.project_measures(membership, project)
    tree = selectors.driver_tree(project)
    suggestion = selectors.suggestion_for(project, measures)
    can_edit = access.may_edit_project(membership, project.action)
    return render(
        request,
        "improvement/project_detail.html",
        {
            "project": project,
            "action": project.action,
            "measures": measures,
            "tree": tree,
            "diagram": driver_diagram_svg(project.aim, tree),
            "cycles": list(project.cycles.all()),
            "suggestion": suggestion,
            "suggested_label": SCORES[suggestion.score],
            "can_edit": can_edit,
            "can_record": access.may_record_cycles(membership, project),
            "can_approve": access.may_approve(membership),
            "can_score": access.may_confirm_score(membership, project),
            "score_form": ScoreForm(
                initial={"score": suggestion.score, "version": project.version}
            ),
        },
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def score_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    membership = member(request)
    project = selectors.project_detail(membership.partnership, pk)
    access.check(access.may_confirm_score(membership, project))
    suggestion = selectors.suggestion_for(project, selectors.project_measures(membership, project))

    def save(form: ScoreForm) -> Project:
        saved = services.score_confirm(
            project,
            membership=membership,
            expected_version=int(form.cleaned_data.get("version") or 0),
            score=form.cleaned_data["score"],
            suggested=suggestion.score,
        )
        messages.success(request, _("Progress score confirmed."))
        return saved

    def make(data: Any, obj: Any) -> ScoreForm:
        initial = {"score": suggestion.score, "version": project.version}
        return ScoreForm(data, initial=initial)

    return form_page(
        request,
        make_form=make,  # type: ignore[arg-type]
        instance=project,
        save=save,  # type: ignore[arg-type]
        title=_("Confirm the progress score"),
        back_url=url(request, "project-detail", pk),
        context={"suggestion": suggestion, "suggested_label": SCORES[suggestion.score]},
        template="improvement/score_form.html",
    )


urlpatterns = [
    path("p/<slug:slug>/improvement/", project_list, name="project-list"),
    path(
        "p/<slug:slug>/actions/<int:action_pk>/charter/new/",
        project_create,
        name="project-create",
    ),
    path("p/<slug:slug>/projects/<int:pk>/", project_detail, name="project-detail"),
    path("p/<slug:slug>/projects/<int:pk>/edit/", project_edit, name="project-edit"),
    path("p/<slug:slug>/projects/<int:pk>/approve/", project_approve, name="project-approve"),
    path("p/<slug:slug>/projects/<int:pk>/score/", score_confirm, name="score-confirm"),
]
