"""Building and issuing reports. `report_bytes` builds and renders one report (the CLI,
the benchmark and the background task all use it); `report_issue` records a request and
queues it; `report_complete` is the task's body: build, render, store, audit.

An issued report is built with the partnership's disclosure thresholds whoever asked for
it: it leaves the analyst role (docs/reports.md, "Who sees what")."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from trellis.accounts.models import Membership, Partnership
from trellis.accounts.policy import require
from trellis.audit.services import audit_append
from trellis.core.disclosure import Thresholds
from trellis.errors import Invalid
from trellis.plans.models import Plan
from trellis.progress.models import ProgressUpdate, ReportingPeriod
from trellis.progress.overview import current_period
from trellis.reports.models import IssuedReport
from trellis.reports.registry import REPORTS, ReportRequest
from trellis.reports.render import FORMAT_NAMES, get_format


def partnership_thresholds(partnership: Partnership) -> Thresholds:
    """The thresholds for anything read outside the analyst role."""
    return Thresholds(
        min_count=max(1, partnership.disclosure_min_count),
        min_denominator=partnership.disclosure_min_denominator,
    )


def report_bytes(
    kind: str,
    *,
    plan: Plan,
    period: ReportingPeriod,
    fmt: str,
    prepared_by: str,
    today: dt.date,
    thresholds: Thresholds | None,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    request = ReportRequest(plan, period, thresholds, prepared_by, today)
    if progress is not None:
        request = ReportRequest(plan, period, thresholds, prepared_by, today, progress)
    document = REPORTS[kind].build(request)
    return get_format(fmt).render(document)


def file_name(kind: str, plan: Plan, period: ReportingPeriod, fmt: str) -> str:
    return f"{kind}-{slugify(plan.title)[:40]}-{slugify(period.label)}.{fmt}"


def report_issue(
    *, membership: Membership, plan: Plan, period: ReportingPeriod, kind: str, fmt: str
) -> IssuedReport:
    """Record a request for a report and queue its building; audited. Forbidden unless
    the member may issue that kind of report (`ReportKind.issued_by`)."""
    if kind not in REPORTS:
        raise Invalid(errors={"kind": ["Choose a report."]})
    require(membership, REPORTS[kind].issued_by)
    if fmt not in FORMAT_NAMES:
        raise Invalid(errors={"format": ["Choose a format."]})
    if period.plan_id != plan.pk or plan.partnership_id != membership.partnership_id:
        raise Invalid(errors={"period": ["Choose one of this plan's periods."]})
    with transaction.atomic():
        issued = IssuedReport.objects.create(
            partnership_id=plan.partnership_id,
            plan=plan,
            period=period,
            kind=kind,
            format=fmt,
            requested_by=membership.person,
            file_name=file_name(kind, plan, period, fmt),
        )
        audit_append(
            actor=membership.person,
            verb="reports.issue",
            target=issued,
            partnership_id=plan.partnership_id,
            changes={"kind": kind, "format": fmt, "plan": plan.pk, "period": period.label},
        )
        transaction.on_commit(lambda: _queue(issued.pk))
    return issued


def _queue(issued_id: int) -> None:
    from trellis.reports.tasks import report_build

    report_build.enqueue(issued_id)


def report_complete(issued_id: int) -> IssuedReport:
    """Build, render and store one requested report (the background task's work)."""
    issued = IssuedReport.objects.select_related("plan__partnership", "period", "requested_by").get(
        pk=issued_id
    )
    if issued.status == IssuedReport.Status.ISSUED:
        return issued  # never rebuilt: an issued report stays as it was
    IssuedReport.objects.filter(pk=issued.pk).update(status=IssuedReport.Status.BUILDING)

    def progress(done: int, total: int) -> None:
        percent = min(90, int(90 * done / max(total, 1)))
        IssuedReport.objects.filter(pk=issued.pk).update(progress=percent)

    try:
        content = report_bytes(
            issued.kind,
            plan=issued.plan,
            period=issued.period,
            fmt=issued.format,
            prepared_by=issued.requested_by.full_name,
            today=timezone.localdate(),
            thresholds=partnership_thresholds(issued.plan.partnership),
            progress=progress,
        )
    except Exception as exc:
        IssuedReport.objects.filter(pk=issued.pk).update(
            status=IssuedReport.Status.FAILED, failure=type(exc).__name__
        )
        raise
    with transaction.atomic():
        # Only a report not yet issued takes the bytes: if another worker issued it
        # meanwhile, its bytes stand and this copy is dropped.
        stored = (
            IssuedReport.objects.filter(pk=issued.pk)
            .exclude(status=IssuedReport.Status.ISSUED)
            .update(
                status=IssuedReport.Status.ISSUED,
                progress=100,
                content=content,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                issued_at=timezone.now(),
            )
        )
        issued.refresh_from_db()
        if not stored:
            return issued
        audit_append(
            actor=issued.requested_by,
            verb="reports.issued",
            target=issued,
            partnership_id=issued.partnership_id,
            changes={"sha256": issued.sha256, "size": issued.size},
        )
    return issued


def plan_periods(plan: Plan) -> QuerySet[ReportingPeriod]:
    """The plan's periods, marked with whether they hold an update (for `current_period`)."""
    updates = ProgressUpdate.objects.filter(period=OuterRef("pk"))
    return plan.periods.annotate(has_updates=Exists(updates))


def period_named(plan: Plan, name: str, today: dt.date) -> ReportingPeriod:
    """A period by its label as the plan's calendar names it ("Q3 2020", "Q2 2020/21",
    "July 2020"; any case and spacing), or "current" for the period the progress
    overview opens on. Invalid when there is none."""
    periods = list(plan_periods(plan))
    if name.strip().lower() == "current":
        found = current_period(periods, today)
    else:
        wanted = " ".join(name.split()).lower()
        found = next((p for p in periods if p.label.lower() == wanted), None)
    if found is None:
        labels = ", ".join(p.label for p in periods) or "none"
        raise Invalid(
            f"The plan has no period called {name!r}. Its periods: {labels}.",
            errors={"period": [f"Choose one of this plan's periods: {labels}."]},
        )
    return found
