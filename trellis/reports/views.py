"""The partnership dashboard's page. `plans:partnership-home` (the first page after
sign-in) renders it: the permission check stays with that view's `partnership_view`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from trellis.accounts.models import Membership
from trellis.plans.models import Inspection
from trellis.plans.selectors import my_actions
from trellis.reports.dashboard import dashboard_load


def _plan_urls(slug: str, plan_pk: int) -> dict[str, str]:
    """The pages the dashboard's numbers open, reversed once for the whole page."""
    return {
        "overview_url": reverse("progress:overview", args=[slug, plan_pk]),
        "periods_url": reverse("progress:period-list", args=[slug, plan_pk]),
        "plan_url": reverse("plans:plan-detail", args=[slug, plan_pk]),
        "board_url": reverse("measures:plan-board", args=[slug, plan_pk]),
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
