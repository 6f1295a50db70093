"""Pages for issued reports: a plan's reports (every member reads and downloads them; plan
owners issue them, analysts the data summary) and the download of one issued report, byte
for byte as issued.

Who: an issued report is built with the partnership's disclosure thresholds and shows
restricted updates by status only, so everything in it may be read by every member of the
partnership, board members and inspectors included. Each kind of report names who may
issue it (`ReportKind.issued_by`): the board pack and the evidence pack plan owners
(Perm.EDIT_PLAN), who run the quarterly cycle; the data summary also analysts
(Perm.ISSUE_DATA_SUMMARY), who owe it to their chief officers. docs/reports.md explains.
"""

from __future__ import annotations

import base64
import hashlib
import re

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from trellis.accounts.limits import REPORT_BUILD, rate_take
from trellis.accounts.models import Membership
from trellis.accounts.policy import can
from trellis.errors import Forbidden, Invalid, NotFound
from trellis.forms import show_invalid
from trellis.plans.models import Plan
from trellis.plans.selectors import get_scoped
from trellis.progress.overview import current_period
from trellis.reports.forms import IssueForm
from trellis.reports.models import IssuedReport
from trellis.reports.registry import REPORTS
from trellis.reports.render import get_format
from trellis.reports.services import plan_periods, report_issue
from trellis.views import partnership_view


def _issued_list(plan: Plan) -> list[IssuedReport]:
    """The plan's issued reports without their content: two queries at any number."""
    rows = list(
        IssuedReport.objects.filter(plan=plan)
        .defer("content")
        .select_related("period", "requested_by")
    )
    for row in rows:
        kind = REPORTS.get(row.kind)
        row.title = kind.title if kind else row.kind  # type: ignore[attr-defined]
    return rows


@require_http_methods(["GET", "POST"])
@partnership_view()
def plan_reports(request: HttpRequest, plan_pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    plan = get_scoped(Plan, membership.partnership, plan_pk)
    kinds = [k for k, r in REPORTS.items() if can(membership, r.issued_by)]
    periods = plan_periods(plan)
    form = None
    if request.method == "POST":
        posted = REPORTS.get(request.POST.get("kind", ""))
        if not kinds or (posted is not None and not can(membership, posted.issued_by)):
            raise Forbidden("You do not have permission to do that.")
        form = IssueForm(request.POST, periods=periods, kinds=kinds)
        if form.is_valid():
            rate_take(
                person=membership.person,
                action=REPORT_BUILD,
                partnership_id=membership.partnership_id,
            )
            try:
                report_issue(
                    membership=membership,
                    plan=plan,
                    period=form.cleaned_data["period"],
                    kind=form.cleaned_data["kind"],
                    fmt=form.cleaned_data["format"],
                )
            except Invalid as exc:
                show_invalid(form, exc)
            else:
                messages.success(
                    request, _("The report is being built. You can carry on meanwhile.")
                )
                return redirect(
                    reverse("reports:plan-reports", args=[membership.partnership.slug, plan.pk])
                )
    issued = _issued_list(plan)
    context = {
        "plan": plan,
        "issued": issued,
        "building": any(r.in_progress for r in issued),
        "status_url": reverse("reports:plan-reports", args=[membership.partnership.slug, plan.pk]),
    }
    if request.headers.get("HX-Request"):
        return render(request, "reports/_issued_table.html", context)
    if kinds and form is None:
        today = timezone.localdate()
        default = current_period(list(periods), today)
        form = IssueForm(periods=periods, kinds=kinds, default_period=default)
    return render(request, "reports/plan_reports.html", context | {"form": form})


def _issued(request: HttpRequest, pk: int) -> tuple[IssuedReport, bytes]:
    """An issued report of the member's partnership and its bytes, checked against the
    checksum taken when they were stored."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    issued = IssuedReport.objects.filter(
        partnership_id=membership.partnership_id, pk=pk, status=IssuedReport.Status.ISSUED
    ).first()
    if issued is None:
        raise NotFound()
    content = bytes(issued.content)
    if hashlib.sha256(content).hexdigest() != issued.sha256:
        raise RuntimeError(f"issued report {issued.pk} does not match its checksum")
    return issued, content


@require_GET
@partnership_view()
def issued_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An issued web page shown in the browser, exactly as issued. Its one <style> block is
    allowed by its hash, so the page keeps the strict Content Security Policy (no scripts,
    no other styles)."""
    issued, content = _issued(request, pk)
    if issued.format != "html":
        raise NotFound()
    response = HttpResponse(content, content_type=get_format("html").content_type)
    styles = re.findall(rb"<style>(.*?)</style>", content, flags=re.DOTALL)
    hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'" for s in styles]
    response._csp_update = {"style-src": hashes}  # type: ignore[attr-defined]
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@partnership_view()
def issued_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The issued bytes as a file."""
    issued, content = _issued(request, pk)
    response = HttpResponse(content, content_type=get_format(issued.format).content_type)
    response["Content-Disposition"] = content_disposition_header(True, issued.file_name) or ""
    response["X-Content-Type-Options"] = "nosniff"
    return response


P = "p/<slug:slug>/"

urlpatterns = [
    path(P + "plans/<int:plan_pk>/reports/", plan_reports, name="plan-reports"),
    path(P + "reports/<int:pk>/download/", issued_download, name="issued-download"),
    path(P + "reports/<int:pk>/view/", issued_view, name="issued-view"),
]
