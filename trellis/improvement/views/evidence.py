"""Read-only views across the plan: an outcome drawn as a driver diagram, and audits
against each quality indicator.

Audits against each quality indicator: for every indicator of the partnership's
inspections, the share of answers graded good or better in each closed round, as the
evidence pack needs it. Read from the results' measures, so it is what the charts show."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from trellis.core.series import period_label
from trellis.improvement.diagram import driver_diagram_svg
from trellis.improvement.models import ResultMeasure
from trellis.improvement.outcome_diagram import outcome_tree, outcome_with_projects
from trellis.improvement.views.common import member
from trellis.measures.models import Observation
from trellis.plans.models import Inspection, QualityIndicator
from trellis.views import partnership_view


@require_GET
@partnership_view()
def indicator_evidence(request: HttpRequest) -> HttpResponse:
    partnership = member(request).partnership
    links = list(
        ResultMeasure.objects.filter(programme__partnership=partnership)
        .select_related("programme", "measure")
        .prefetch_related(
            Prefetch("measure__observations", queryset=Observation.objects.order_by("period_ends"))
        )
        .order_by("programme__title")
    )
    by_indicator: dict[int, list[dict[str, object]]] = {}
    for link in links:
        rows = by_indicator.setdefault(link.indicator_id, [])
        for o in link.measure.observations.all():
            rows.append(
                {
                    "programme": link.programme,
                    "measure": link.measure,
                    "period": period_label(o.period_ends, link.measure.frequency),
                    "good": o.numerator,
                    "graded": o.denominator,
                    "share": o.value,
                }
            )
    inspections = list(
        Inspection.objects.filter(partnership=partnership).prefetch_related(
            Prefetch("quality_indicators", queryset=QualityIndicator.objects.order_by("reference"))
        )
    )
    sections = [
        (
            inspection,
            [(qi, by_indicator.get(qi.pk, [])) for qi in inspection.quality_indicators.all()],
        )
        for inspection in inspections
    ]
    return render(request, "improvement/indicator_evidence.html", {"sections": sections})


@require_GET
@partnership_view()
def outcome_diagram(request: HttpRequest, pk: int) -> HttpResponse:
    outcome = outcome_with_projects(member(request).partnership, pk)
    tree = outcome_tree(outcome)
    return render(
        request,
        "improvement/outcome_diagram.html",
        {"outcome": outcome, "tree": tree, "diagram": driver_diagram_svg(outcome.title, tree)},
    )


urlpatterns = [
    path("p/<slug:slug>/outcomes/<int:pk>/diagram/", outcome_diagram, name="outcome-diagram"),
    path("p/<slug:slug>/audits/indicators/", indicator_evidence, name="indicator-evidence"),
]
