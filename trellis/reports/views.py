"""The partnership dashboard's page, and the full list of a plan's milestones it links to.
`plans:partnership-home` (the first page after sign-in) renders the dashboard: the
permission check stays with that view's `partnership_view`. The milestones page is for the
same readers: every member of the partnership."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from trellis.accounts.models import Membership
from trellis.plans.models import Inspection, Plan
from trellis.plans.selectors import get_scoped, my_actions
from trellis.reports.dashboard import dashboard_load, milestones_due
from trellis.views import partnership_view


def _plan_urls(slug: str, plan_pk: int) -> dict[str, str]:
    """The pages the dashboard's numbers open, reversed once for the whole page."""
    return {
        "overview_url": reverse("progress:overview", args=[slug, plan_pk]),
        "periods_url": reverse("progress:period-list", args=[slug, plan_pk]),
        "plan_url": reverse("plans:plan-detail", args=[slug, plan_pk]),
        "board_url": reverse("measures:plan-board", args=[slug, plan_pk]),
        "milestones_url": reverse("reports:plan-milestones", args=[slug, plan_pk]),
    }


def dashboard_page(request: HttpRequest) -> HttpResponse:
    """The dashboard for the request's membership (already checked by the caller)."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    partnership = membership.partnership
    dashboard = dashboard_load(membership)
    context: dict[str, Any] = {
        "dashboard": dashboard,
        "board": dashboard.current,
        "inspections": list(Inspection.objects.filter(partnership=partnership)),
        "my_action_count": my_actions(membership).count(),
    }
    if dashboard.current is not None:
        context |= _plan_urls(partnership.slug, dashboard.current.plan.pk)
    return render(request, "reports/dashboard.html", context)


@require_GET
@partnership_view()
def plan_milestones(request: HttpRequest, plan_pk: int) -> HttpResponse:
    """Every milestone of the plan that is overdue or due in the next 30 days: the lists the
    dashboard cuts short."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    plan = get_scoped(Plan, membership.partnership, plan_pk)
    today = timezone.localdate()
    overdue, due = milestones_due(plan, today)
    context = {"plan": plan, "today": today, "overdue": overdue, "due": due}
    return render(request, "reports/plan_milestones.html", context)
