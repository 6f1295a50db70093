"""Recording a manual measure's figures: one period at a time, or many pasted from a
spreadsheet; and the history of every change to a figure."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from trellis.accounts.models import Membership
from trellis.errors import NotFound
from trellis.measures import services
from trellis.measures.forms import ObservationForm, PasteForm
from trellis.measures.models import Kind, Measure, Observation
from trellis.measures.views.board import measure_or_404
from trellis.views import form_page, partnership_view

FORM_METHODS = ["GET", "POST"]


def _detail_url(membership: Membership, measure: Measure) -> str:
    return reverse("measures:measure-detail", args=[membership.partnership.slug, measure.pk])


def _observation(membership: Membership, pk: int) -> Observation:
    found = (
        Observation.objects.filter(partnership_id=membership.partnership_id, pk=pk)
        .select_related("measure")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def _record(request: HttpRequest, measure: Measure, instance: Observation | None) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    services.check_may_record(membership, measure)

    def save(form: ObservationForm) -> Observation:
        data = form.cleaned_data
        saved = services.observation_save(
            measure,
            membership=membership,
            period_ends=instance.period_ends if instance else data["period_ends"],
            numerator=data.get("numerator"),
            denominator=data.get("denominator"),
            value=data.get("value"),
            note=data.get("note", ""),
            provisional=data.get("provisional", False),
            expected_version=form.expected_version() if instance else None,
            new=instance is None,
        )
        messages.success(request, _("Figure saved."))
        return saved

    return form_page(
        request,
        make_form=lambda data, obj: ObservationForm(data, instance=obj, measure=measure),
        instance=instance,
        save=save,  # type: ignore[arg-type]
        title=_("Change a figure of %(code)s") % {"code": measure.code}
        if instance
        else _("Add a figure to %(code)s") % {"code": measure.code},
        back_url=_detail_url(membership, measure),
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def observation_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _record(request, measure_or_404(request.membership, pk), None)  # type: ignore[attr-defined]


@require_http_methods(FORM_METHODS)
@partnership_view()
def observation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    observation = _observation(membership, pk)
    return _record(request, measure_or_404(membership, observation.measure_id), observation)


@require_http_methods(FORM_METHODS)
@partnership_view()
def paste(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    measure = measure_or_404(membership, pk)
    services.check_may_record(membership, measure)

    def save(form: PasteForm) -> Measure:
        count = services.observations_paste(
            measure, membership=membership, text=form.cleaned_data["text"]
        )
        messages.success(request, _("%(count)s figures saved.") % {"count": count})
        return measure

    return form_page(
        request,
        make_form=lambda data, instance: PasteForm(data),  # type: ignore[arg-type,return-value]
        save=save,  # type: ignore[arg-type]
        title=_("Paste figures into %(code)s") % {"code": measure.code},
        back_url=_detail_url(membership, measure),
        context={"two_parts": measure.kind in (Kind.PERCENTAGE, Kind.RATE), "measure": measure},
        template="measures/paste_form.html",
    )


@require_GET
@partnership_view()
def observation_history(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    observation = _observation(membership, pk)
    revisions: list[Any] = list(observation.revisions.select_related("by").order_by("-version"))
    return render(
        request,
        "measures/observation_history.html",
        {"observation": observation, "measure": observation.measure, "revisions": revisions},
    )


P = "p/<slug:slug>/"

urlpatterns = [
    path(P + "measures/<int:pk>/figures/new/", observation_add, name="observation-add"),
    path(P + "measures/<int:pk>/figures/paste/", paste, name="paste"),
    path(P + "figures/<int:pk>/edit/", observation_edit, name="observation-edit"),
    path(P + "figures/<int:pk>/history/", observation_history, name="observation-history"),
]
