"""Defining measures: the measure itself, its targets, its chart notes and its comparison
series. Each page is a service of trellis.measures.services behind a form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from trellis.accounts.models import Membership
from trellis.accounts.policy import Perm, require
from trellis.errors import NotFound
from trellis.measures import services
from trellis.measures.forms import AnnotationForm, ComparatorForm, MeasureForm, TargetsForm
from trellis.measures.models import Annotation, Comparator, Measure
from trellis.measures.views.board import measure_or_404
from trellis.views import form_page, partnership_view

FORM_METHODS = ["GET", "POST"]


def _detail_url(membership: Membership, measure: Measure) -> str:
    return reverse("measures:measure-detail", args=[membership.partnership.slug, measure.pk])


def _measure_form(membership: Membership) -> Any:
    return lambda data, instance: MeasureForm(
        data, instance=instance, partnership_id=membership.partnership_id
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_MEASURE)
def measure_create(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]

    def save(form: MeasureForm) -> Measure:
        fields, m2m = form.field_values()
        return services.measure_create(
            membership=membership, fields=fields, actions=m2m.get("actions", ())
        )

    return form_page(
        request,
        make_form=_measure_form(membership),
        save=save,  # type: ignore[arg-type]
        title=_("Add a measure"),
        back_url=reverse("measures:measure-list", args=[membership.partnership.slug]),
        success_url=lambda saved: _detail_url(membership, saved),
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_MEASURE)
def measure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    measure = measure_or_404(membership, pk)

    def save(form: MeasureForm) -> Measure:
        fields, m2m = form.field_values()
        return services.measure_update(
            measure,
            membership=membership,
            expected_version=form.expected_version(),
            fields=fields,
            actions=m2m.get("actions", ()),
        )

    return form_page(
        request,
        make_form=_measure_form(membership),
        instance=measure,
        save=save,  # type: ignore[arg-type]
        title=_("Change the measure"),
        back_url=_detail_url(membership, measure),
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_MEASURE)
def targets_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    measure = measure_or_404(membership, pk)
    current = "\n".join(f"{t.due.isoformat()}, {t.value:g}" for t in measure.targets.all())

    def make(data: Any, instance: Any) -> TargetsForm:
        return TargetsForm(data, initial={"targets": current})

    def save(form: TargetsForm) -> Measure:
        services.targets_set(measure, membership=membership, targets=form.parsed())
        messages.success(request, _("Targets saved."))
        return measure

    return form_page(
        request,
        make_form=make,  # type: ignore[arg-type]
        save=save,  # type: ignore[arg-type]
        title=_("Targets for %(code)s") % {"code": measure.code},
        back_url=_detail_url(membership, measure),
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def annotation_add(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    measure = measure_or_404(membership, pk)
    require(membership, Perm.RECORD_OBSERVATION, measure)

    def save(form: AnnotationForm) -> Annotation:
        note = services.annotation_add(measure, membership=membership, **form.cleaned_data)
        messages.success(request, _("Note added to the chart."))
        return note

    return form_page(
        request,
        make_form=lambda data, instance: AnnotationForm(data),  # type: ignore[arg-type,return-value]
        save=save,  # type: ignore[arg-type]
        title=_("Add a note to the chart of %(code)s") % {"code": measure.code},
        back_url=_detail_url(membership, measure),
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_MEASURE)
def comparator_add(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    measure = measure_or_404(membership, pk)

    def make(data: Any, instance: Any) -> ComparatorForm:
        form = ComparatorForm(data, request.FILES if data is not None else None)
        if getattr(request, "stopped_upload", None) is not None:
            form.stopped_upload = True  # the file passed the upload limit and was not kept
        return form

    def save(form: ComparatorForm) -> Comparator:
        series = services.comparator_save(
            measure,
            membership=membership,
            name=form.cleaned_data["name"],
            text=form.cleaned_data["figures"],
        )
        messages.success(request, _("Comparison series saved."))
        return series

    return form_page(
        request,
        make_form=make,  # type: ignore[arg-type]
        save=save,  # type: ignore[arg-type]
        title=_("Add a comparison series to %(code)s") % {"code": measure.code},
        back_url=_detail_url(membership, measure),
        template="measures/comparator_form.html",
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_MEASURE)
def remove(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Confirm, then remove a chart note or a comparison series."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    model = {"annotations": Annotation, "comparators": Comparator}[kind]
    item = (
        model.objects.select_related("measure")  # type: ignore[attr-defined]
        .filter(measure__partnership_id=membership.partnership_id, pk=pk)
        .first()
    )
    if item is None:
        raise NotFound()
    back = _detail_url(membership, item.measure)
    if request.method == "POST":
        services.chart_item_remove(item, membership=membership)
        messages.success(request, _("Removed."))
        return redirect(back)
    return render(
        request, "measures/remove_confirm.html", {"item": item, "back_url": back, "kind": kind}
    )


P = "p/<slug:slug>/"

urlpatterns = [
    path(P + "measures/new/", measure_create, name="measure-create"),
    path(P + "measures/<int:pk>/edit/", measure_edit, name="measure-edit"),
    path(P + "measures/<int:pk>/targets/", targets_edit, name="targets-edit"),
    path(P + "measures/<int:pk>/notes/new/", annotation_add, name="annotation-add"),
    path(P + "measures/<int:pk>/comparators/new/", comparator_add, name="comparator-add"),
    path(
        P + "measures/notes/<int:pk>/remove/",
        remove,
        {"kind": "annotations"},
        name="annotation-remove",
    ),
    path(
        P + "measures/comparators/<int:pk>/remove/",
        remove,
        {"kind": "comparators"},
        name="comparator-remove",
    ),
]
