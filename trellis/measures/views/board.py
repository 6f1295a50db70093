"""Reading measures: the board table of a plan's measures, every measure of the partnership,
and one measure with its chart, text summary and data table."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from trellis.accounts.models import Membership
from trellis.accounts.policy import Perm, can
from trellis.core.disclosure import explanation
from trellis.errors import NotFound
from trellis.measures import charts
from trellis.measures.flags import flags
from trellis.measures.models import Measure
from trellis.measures.provenance import provenance
from trellis.measures.selectors import (
    assess,
    measures_of_partnership,
    measures_of_plan,
    viewer_thresholds,
)
from trellis.plans.models import Plan
from trellis.views import partnership_view


def measure_or_404(membership: Membership, pk: int) -> Measure:
    measure = (
        measures_of_partnership(membership.partnership)
        .prefetch_related("actions__deputies")
        .filter(pk=pk)
        .first()
    )
    if measure is None:
        raise NotFound()
    return measure


@require_GET
@partnership_view()
def measure_list(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    limits = viewer_thresholds(membership)
    rows = [assess(m, limits) for m in measures_of_partnership(membership.partnership)]
    return render(
        request,
        "measures/measure_list.html",
        {
            "rows": rows,
            "flags": flags(membership, rows, None),
            "can_edit": can(membership, Perm.EDIT_MEASURE),
            "plan": None,
        },
    )


@require_GET
@partnership_view()
def plan_board(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    plan = Plan.objects.filter(partnership_id=membership.partnership_id, pk=pk).first()
    if plan is None:
        raise NotFound()
    limits = viewer_thresholds(membership)
    rows = [assess(m, limits) for m in measures_of_plan(plan)]
    return render(
        request,
        "measures/measure_list.html",
        {
            "rows": rows,
            "flags": flags(membership, rows, plan),
            "can_edit": can(membership, Perm.EDIT_MEASURE),
            "plan": plan,
        },
    )


@require_GET
@partnership_view()
def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    measure = measure_or_404(membership, pk)
    limits = viewer_thresholds(membership)
    assessment = assess(measure, limits)
    svg = charts.render_svg(assessment.chart, id_prefix=f"measure-{measure.pk}")
    return render(
        request,
        "measures/measure_detail.html",
        {
            "measure": measure,
            "a": assessment,
            "svg": mark_safe(svg),  # noqa: S308 (built by the chart module, every text escaped)
            "summary": charts.summarise(assessment.chart),
            "headings": charts.data_table_headings(assessment.chart),
            "rows": list(
                zip(charts.data_table(assessment.chart), assessment.observations, strict=True)
            ),
            "actions": measure.actions.all(),
            "disclosure_note": explanation(limits)
            if limits and any(p.suppressed for p in assessment.chart.points)
            else "",
            "provenance": provenance(measure, assessment, limits),
            "is_analyst": can(membership, Perm.LOAD_DATA),
            "can_edit": can(membership, Perm.EDIT_MEASURE, measure),
            "can_record": can(membership, Perm.RECORD_OBSERVATION, measure),
        },
    )


P = "p/<slug:slug>/"

urlpatterns = [
    path(P + "measures/", measure_list, name="measure-list"),
    path(P + "plans/<int:pk>/measures/", plan_board, name="plan-board"),
    path(P + "measures/<int:pk>/", measure_detail, name="measure-detail"),
]
