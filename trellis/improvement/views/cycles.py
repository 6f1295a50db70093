"""Editing the driver diagram box by box, and recording PDSA cycles."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from trellis.errors import Invalid
from trellis.improvement import access
from trellis.improvement.forms import CycleForm, NodeForm
from trellis.improvement.models import DriverNode, PdsaCycle, Project
from trellis.improvement.services import cycles as cycle_services
from trellis.improvement.services import projects as services
from trellis.improvement.views.common import FORM_METHODS, member, scoped, url
from trellis.views import form_page, partnership_view


def _diagram_url(request: HttpRequest, project_pk: int) -> str:
    return url(request, "project-detail", project_pk) + "#driver-diagram"


@require_http_methods(FORM_METHODS)
@partnership_view()
def node_create(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = scoped(Project, request, project_pk, "action")
    access.check(access.may_edit_project(member(request), project.action))

    def save(form: NodeForm) -> DriverNode:
        fields, _m2m = form.field_values()
        return services.node_create(project, membership=member(request), fields=fields)

    kind = request.GET.get("kind", "primary")
    return form_page(
        request,
        make_form=lambda data, obj: NodeForm(
            data,
            instance=obj,
            project=project,
            initial={"kind": kind, "parent": request.GET.get("parent")},
        ),
        save=save,  # type: ignore[arg-type]
        title=_("Add to the driver diagram"),
        back_url=_diagram_url(request, project.pk),
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def node_edit(request: HttpRequest, pk: int) -> HttpResponse:
    node = scoped(DriverNode, request, pk, "project__action")
    access.check(access.may_edit_project(member(request), node.project.action))

    def save(form: NodeForm) -> DriverNode:
        fields, _m2m = form.field_values()
        return services.node_update(
            node,
            membership=member(request),
            expected_version=form.expected_version(),
            fields=fields,
        )

    return form_page(
        request,
        make_form=lambda data, obj: NodeForm(data, instance=obj, project=node.project),
        instance=node,
        save=save,  # type: ignore[arg-type]
        title=_("Change a box of the driver diagram"),
        back_url=_diagram_url(request, node.project_id),
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def node_delete(request: HttpRequest, pk: int) -> HttpResponse:
    node = scoped(DriverNode, request, pk, "project__action")
    access.check(access.may_edit_project(member(request), node.project.action))
    back = _diagram_url(request, node.project_id)
    problem = ""
    if request.method == "POST":
        try:
            services.node_delete(node, membership=member(request))
        except Invalid as exc:
            problem = exc.message
        else:
            messages.success(request, _("Removed from the driver diagram."))
            return HttpResponseRedirect(back)
    return render(
        request,
        "improvement/node_delete.html",
        {"node": node, "back_url": back, "problem": problem},
        status=400 if problem else 200,
    )


def _cycle_save(request: HttpRequest, project: Project, cycle: PdsaCycle | None) -> Any:
    def save(form: CycleForm) -> PdsaCycle:
        fields, _m2m = form.field_values()
        if cycle is None:
            made = cycle_services.cycle_create(project, membership=member(request), fields=fields)
        else:
            made = cycle_services.cycle_update(
                cycle,
                membership=member(request),
                expected_version=form.expected_version(),
                fields=fields,
            )
        messages.success(request, _("PDSA cycle saved."))
        return made

    return save


@require_http_methods(FORM_METHODS)
@partnership_view()
def cycle_create(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = scoped(Project, request, project_pk, "action")
    access.check(access.may_record_cycles(member(request), project))
    return form_page(
        request,
        make_form=lambda data, obj: CycleForm(data, instance=obj, project=project),
        save=_cycle_save(request, project, None),
        title=_("Plan a PDSA cycle"),
        back_url=url(request, "project-detail", project.pk),
        success_url=lambda obj: url(request, "cycle-detail", obj.pk),
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def cycle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = scoped(PdsaCycle, request, pk, "project__action")
    access.check(access.may_record_cycles(member(request), cycle.project))
    return form_page(
        request,
        make_form=lambda data, obj: CycleForm(data, instance=obj, project=cycle.project),
        instance=cycle,
        save=_cycle_save(request, cycle.project, cycle),
        title=_("Record PDSA cycle %(n)s") % {"n": cycle.number},
        back_url=url(request, "cycle-detail", pk),
    )


@require_GET
@partnership_view()
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = scoped(
        PdsaCycle, request, pk, "project__action", "change_idea", "pin_measure", "updated_by"
    )
    return render(
        request,
        "improvement/cycle_detail.html",
        {
            "cycle": cycle,
            "project": cycle.project,
            "can_record": access.may_record_cycles(member(request), cycle.project),
        },
    )


P = "p/<slug:slug>/"
urlpatterns = [
    path(P + "projects/<int:project_pk>/diagram/new/", node_create, name="node-create"),
    path(P + "diagram/<int:pk>/edit/", node_edit, name="node-edit"),
    path(P + "diagram/<int:pk>/remove/", node_delete, name="node-delete"),
    path(P + "projects/<int:project_pk>/cycles/new/", cycle_create, name="cycle-create"),
    path(P + "cycles/<int:pk>/", cycle_detail, name="cycle-detail"),
    path(P + "cycles/<int:pk>/edit/", cycle_edit, name="cycle-edit"),
]
