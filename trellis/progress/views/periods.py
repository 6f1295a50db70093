"""Pages for reporting periods: the plan's calendar with the state of its updates, and
closing (plan owners) or reopening (admins) a period, each after a confirmation page."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from trellis.accounts.models import Membership
from trellis.accounts.policy import Perm, can
from trellis.errors import NotFound
from trellis.plans.models import Action, Plan
from trellis.plans.selectors import get_scoped
from trellis.progress.models import ProgressUpdate, ReportingPeriod, UpdateState
from trellis.progress.services import period_close, period_reopen
from trellis.views import partnership_view


@dataclass(frozen=True)
class PeriodSummary:
    period: ReportingPeriod
    counts: dict[str, int]  # by update state, and "missing"

    def labelled(self) -> list[tuple[str, int]]:
        """The counts in workflow order, each with its label."""
        labels = [("missing", _("Not written")), *UpdateState.choices]
        return [(str(label), self.counts[key]) for key, label in labels]


def period_summaries(plan: Plan) -> list[PeriodSummary]:
    """Every period of the plan with its updates counted by state: three queries."""
    periods = list(plan.periods.select_related("closed_by"))
    actions = Action.objects.filter(driver__outcome__plan=plan).count()
    counted: Counter[tuple[int, str]] = Counter()
    for row in (
        ProgressUpdate.objects.filter(period__plan=plan)
        .values("period_id", "state")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counted[(row["period_id"], row["state"])] = row["n"]
    summaries = []
    for period in periods:
        counts = {state: counted[(period.pk, state)] for state in UpdateState.values}
        counts["missing"] = max(actions - sum(counts.values()), 0)
        summaries.append(PeriodSummary(period=period, counts=counts))
    return summaries


def _period(membership: Membership, pk: int) -> ReportingPeriod:
    period = (
        ReportingPeriod.objects.filter(partnership_id=membership.partnership_id, pk=pk)
        .select_related("plan", "closed_by")
        .first()
    )
    if period is None:
        raise NotFound()
    return period


def _list_url(membership: Membership, period: ReportingPeriod) -> str:
    return reverse("progress:period-list", args=[membership.partnership.slug, period.plan_id])


@require_GET
@partnership_view()
def period_list(request: HttpRequest, plan_pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    plan = get_scoped(Plan, membership.partnership, plan_pk)
    return render(
        request,
        "progress/period_list.html",
        {
            "plan": plan,
            "summaries": period_summaries(plan),
            "states": UpdateState.choices,
            "can_close": can(membership, Perm.CLOSE_PERIOD),
            "can_reopen": can(membership, Perm.REOPEN_PERIOD),
        },
    )


def _confirm(request: HttpRequest, pk: int, *, closing: bool) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    period = _period(membership, pk)
    if request.method == "POST":
        if closing:
            period_close(membership=membership, period=period)
            messages.success(request, _("%(label)s is closed.") % {"label": period.label})
        else:
            period_reopen(membership=membership, period=period)
            messages.success(request, _("%(label)s is open again.") % {"label": period.label})
        return redirect(_list_url(membership, period))
    return render(
        request,
        "progress/period_confirm.html",
        {"period": period, "closing": closing, "back_url": _list_url(membership, period)},
    )


@require_http_methods(["GET", "POST"])
@partnership_view(Perm.CLOSE_PERIOD)
def period_close_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirm(request, pk, closing=True)


@require_http_methods(["GET", "POST"])
@partnership_view(Perm.REOPEN_PERIOD)
def period_reopen_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirm(request, pk, closing=False)


P = "p/<slug:slug>/"

urlpatterns = [
    path(P + "plans/<int:plan_pk>/periods/", period_list, name="period-list"),
    path(P + "periods/<int:pk>/close/", period_close_page, name="period-close"),
    path(P + "periods/<int:pk>/reopen/", period_reopen_page, name="period-reopen"),
]
