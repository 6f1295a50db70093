"""Issuing reports: a plan owner asks for a pack, a background task builds it with the
partnership's disclosure thresholds, and the stored bytes download unchanged however the
plan changes afterwards. Also the CLI, bad input and who may do what."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from tests.measures.factories import measure
from trellis.accounts.models import Membership
from trellis.audit.models import AuditEntry
from trellis.errors import Forbidden
from trellis.measures.models import Measure, Observation
from trellis.progress.models import ProgressUpdate
from trellis.reports.models import IssuedReport
from trellis.reports.services import report_complete, report_issue

Q3 = 3


@pytest.fixture
def plan_with_data(cast: Cast) -> Cast:
    actions = list(cast.plan.outcomes.all()[0].drivers.all()[0].actions.order_by("position"))
    factories.update(actions[0], state="accepted", rag="amber", period_index=Q3)
    seen = measure(cast, values=[30, 31, 2], denominators=[40, 41, 3], actions=[actions[0]])
    Measure.objects.filter(pk=seen.pk).update(counts_children=True)
    return cast


def page_url(cast: Cast) -> str:
    return reverse("reports:plan-reports", args=[cast.partnership.slug, cast.plan.pk])


def issue(cast: Cast, capture: Callable[..., Any], fmt: str = "html") -> IssuedReport:
    period = cast.plan.periods.all()[Q3]
    with capture(execute=True):
        response = signed_in(cast.owner).post(
            page_url(cast), {"kind": "board-pack", "period": period.pk, "format": fmt}
        )
    assert response.status_code == 302
    issued = IssuedReport.objects.get()
    assert issued.status == IssuedReport.Status.QUEUED  # the worker has not run yet
    return report_complete(issued.pk)


def download(cast: Cast, issued: IssuedReport, who: Any = None) -> Any:
    url = reverse("reports:issued-download", args=[cast.partnership.slug, issued.pk])
    return signed_in(who or cast.board).get(url)


def test_an_owner_issues_a_pack_and_the_board_downloads_it_unchanged_after_edits(
    plan_with_data: Cast, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    cast = plan_with_data
    issued = issue(cast, django_capture_on_commit_callbacks)
    assert issued.status == IssuedReport.Status.ISSUED and issued.progress == 100
    first = download(cast, issued)
    assert first.status_code == 200
    assert first["Content-Disposition"].startswith("attachment")
    content = first.content
    assert hashlib.sha256(content).hexdigest() == issued.sha256
    assert b"Progress on Aim 0" in content and b"[c]" in content  # protected for the board
    # The plan changes: a new narrative, a new figure.
    ProgressUpdate.objects.filter(action__title="Aim 0").update(narrative="Rewritten later")
    Observation.objects.filter(value__isnull=False).update(value=99)
    again = download(cast, issued, cast.inspector)
    assert again.content == content
    fresh = report_complete(
        IssuedReport.objects.create(
            partnership=cast.partnership,
            plan=cast.plan,
            period=issued.period,
            kind="board-pack",
            format="html",
            requested_by=cast.owner,
        ).pk
    )
    assert fresh.sha256 != issued.sha256
    verbs = list(AuditEntry.objects.order_by("id").values_list("verb", flat=True))
    assert verbs[-3:] == ["reports.issue", "reports.issued", "reports.issued"]


def test_every_format_issues_and_downloads(
    plan_with_data: Cast, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    issued = issue(plan_with_data, django_capture_on_commit_callbacks, fmt="xlsx")
    response = download(plan_with_data, issued)
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert "Action plan" in book.sheetnames
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_page_shows_progress_and_answers_htmx_with_the_table_only(
    plan_with_data: Cast,
) -> None:
    cast = plan_with_data
    IssuedReport.objects.create(
        partnership=cast.partnership,
        plan=cast.plan,
        period=cast.plan.periods.all()[Q3],
        kind="board-pack",
        format="pdf",
        status=IssuedReport.Status.BUILDING,
        progress=40,
        requested_by=cast.owner,
    )
    whole = signed_in(cast.board).get(page_url(cast)).content.decode()
    assert 'hx-trigger="every 2s"' in whole and 'value="40"' in whole
    assert "Issue the report" not in whole  # a board member downloads, never issues
    part = signed_in(cast.board).get(page_url(cast), HTTP_HX_REQUEST="true").content.decode()
    assert part.startswith('<div id="issued-reports"') and "<html" not in part


def test_bad_input_is_explained_and_nothing_is_written(plan_with_data: Cast) -> None:
    cast = plan_with_data
    other = factories.plan_tree(cast.partnership, actions=1)
    response = signed_in(cast.owner).post(
        page_url(cast),
        {"kind": "nonsense", "period": other.periods.all()[0].pk, "format": "exe"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body and body.count("govuk-error-message") == 3
    assert not IssuedReport.objects.exists()


def test_plan_owners_issue_every_report_and_analysts_the_data_summary_only(
    plan_with_data: Cast, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    cast = plan_with_data
    period = cast.plan.periods.all()[Q3]

    def post(person: Any, kind: str) -> int:
        data = {"kind": kind, "period": period.pk, "format": "pdf"}
        with django_capture_on_commit_callbacks(execute=False):
            return int(signed_in(person).post(page_url(cast), data).status_code)

    for kind in ("board-pack", "evidence", "data-summary"):
        for person in (cast.board, cast.inspector, cast.lead, cast.admin):
            assert post(person, kind) == 403, (person, kind)
        assert post(cast.outsider, kind) == 404
    for kind in ("board-pack", "evidence"):
        assert post(cast.analyst, kind) == 403
    assert not IssuedReport.objects.exists()

    assert post(cast.analyst, "data-summary") == 302
    issued = IssuedReport.objects.get()
    assert (issued.kind, issued.requested_by) == ("data-summary", cast.analyst)
    for kind in ("board-pack", "evidence", "data-summary"):
        assert post(cast.owner, kind) == 302
    assert IssuedReport.objects.count() == 4


def test_the_issue_form_offers_each_member_the_reports_they_may_issue(
    plan_with_data: Cast,
) -> None:
    cast = plan_with_data
    analyst = signed_in(cast.analyst).get(page_url(cast)).content.decode()
    assert 'value="data-summary"' in analyst and "Issue the report" in analyst
    assert 'value="board-pack"' not in analyst and 'value="evidence"' not in analyst
    owner = signed_in(cast.owner).get(page_url(cast)).content.decode()
    assert all(f'value="{k}"' in owner for k in ("board-pack", "evidence", "data-summary"))
    lead = signed_in(cast.lead).get(page_url(cast)).content.decode()
    assert "Issue the report" not in lead and 'value="data-summary"' not in lead


def test_the_service_refuses_a_kind_the_member_may_not_issue(plan_with_data: Cast) -> None:
    cast = plan_with_data
    period = cast.plan.periods.all()[Q3]
    analyst = Membership.objects.get(person=cast.analyst, partnership=cast.partnership)
    with pytest.raises(Forbidden):
        report_issue(
            membership=analyst, plan=cast.plan, period=period, kind="board-pack", fmt="pdf"
        )
    assert not IssuedReport.objects.exists()


def test_a_report_being_built_or_of_another_partnership_does_not_download(
    plan_with_data: Cast,
) -> None:
    cast = plan_with_data
    building = IssuedReport.objects.create(
        partnership=cast.partnership,
        plan=cast.plan,
        period=cast.plan.periods.all()[Q3],
        kind="board-pack",
        format="pdf",
        requested_by=cast.owner,
    )
    assert download(cast, building).status_code == 404
    url = reverse("reports:issued-download", args=[cast.other.slug, building.pk])
    assert signed_in(cast.outsider).get(url).status_code == 404


def test_the_reports_page_costs_the_same_with_more_reports(
    plan_with_data: Cast, django_assert_max_num_queries: Any
) -> None:
    cast = plan_with_data
    client = signed_in(cast.owner)

    def add(n: int) -> None:
        for _ in range(n):
            IssuedReport.objects.create(
                partnership=cast.partnership,
                plan=cast.plan,
                period=cast.plan.periods.all()[Q3],
                kind="board-pack",
                format="pdf",
                requested_by=cast.owner,
                status=IssuedReport.Status.ISSUED,
            )

    add(1)
    client.get(page_url(cast))  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(page_url(cast))
    add(10)
    with django_assert_max_num_queries(len(one)):
        assert client.get(page_url(cast)).status_code == 200


def test_the_command_writes_the_report_with_the_partnerships_thresholds(
    plan_with_data: Cast, tmp_path: Path
) -> None:
    cast = plan_with_data
    out = tmp_path / "pack.xlsx"
    call_command(
        "report",
        "board-pack",
        "--plan",
        str(cast.plan.pk),
        "--period",
        "q3  2020",
        "--format",
        "xlsx",
        "-o",
        str(out),
        "--partnership",
        cast.partnership.slug,
        "--as",
        cast.owner.email,
        stdout=io.StringIO(),
    )
    book = openpyxl.load_workbook(out)
    values = [v for row in book["Measures data"].iter_rows(values_only=True) for v in row]
    assert "[c]" in values
    with pytest.raises(CommandError, match=r"no period called 'Q9 2020'.*Q3 2020"):
        call_command(
            "report",
            "board-pack",
            "--period",
            "Q9 2020",
            "--format",
            "pdf",
            "-o",
            str(out),
            "--partnership",
            cast.partnership.slug,
            "--plan",
            str(cast.plan.pk),
        )


def test_a_failed_build_is_marked_failed_with_the_error_class_only(
    plan_with_data: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trellis.reports import registry

    monkeypatch.setitem(
        registry.REPORTS, "board-pack", registry.ReportKind("Broken", "builtins:len")
    )  # len(request) raises TypeError
    cast = plan_with_data
    issued = IssuedReport.objects.create(
        partnership=cast.partnership,
        plan=cast.plan,
        period=cast.plan.periods.all()[Q3],
        kind="board-pack",
        format="pdf",
        requested_by=cast.owner,
    )
    with pytest.raises(TypeError):
        report_complete(issued.pk)
    issued.refresh_from_db()
    assert (issued.status, issued.failure, issued.sha256) == ("failed", "TypeError", "")
    page = signed_in(cast.owner).get(page_url(cast)).content.decode()
    assert "Failed" in page and "hx-trigger" not in page


def test_an_issued_web_page_opens_in_the_browser_under_a_strict_policy(
    plan_with_data: Cast, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    import base64
    import re

    cast = plan_with_data
    issued = issue(cast, django_capture_on_commit_callbacks, fmt="html")
    url = reverse("reports:issued-view", args=[cast.partnership.slug, issued.pk])
    response = signed_in(cast.inspector).get(url)
    assert response.status_code == 200 and "Content-Disposition" not in response
    style = re.search(rb"<style>(.*?)</style>", response.content, flags=re.DOTALL)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1)).digest()).decode()
    policy = response["Content-Security-Policy"]
    assert f"'sha256-{digest}'" in policy and "unsafe-inline" not in policy
    assert "script-src 'self'" in policy  # scripts stay as strict as everywhere
    IssuedReport.objects.filter(pk=issued.pk).update(format="pdf")
    assert signed_in(cast.inspector).get(url).status_code == 404  # only web pages open


def test_an_issued_report_is_never_rebuilt_nor_overwritten(
    plan_with_data: Cast, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    issued = issue(plan_with_data, django_capture_on_commit_callbacks)
    again = report_complete(issued.pk)  # the task run twice
    assert (again.sha256, again.issued_at) == (issued.sha256, issued.issued_at)
    assert AuditEntry.objects.filter(verb="reports.issued").count() == 1


def test_a_second_worker_finishing_later_does_not_overwrite_the_first(
    plan_with_data: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trellis.reports import services

    cast = plan_with_data
    issued = IssuedReport.objects.create(
        partnership=cast.partnership,
        plan=cast.plan,
        period=cast.plan.periods.all()[Q3],
        kind="board-pack",
        format="html",
        requested_by=cast.owner,
    )
    build = services.report_bytes

    def slow(*args: Any, **kwargs: Any) -> bytes:
        content = build(*args, **kwargs)
        first = b"issued by the other worker"  # it finished while this one rendered
        IssuedReport.objects.filter(pk=issued.pk).update(
            status="issued", content=first, sha256=hashlib.sha256(first).hexdigest()
        )
        return content

    monkeypatch.setattr(services, "report_bytes", slow)
    kept = report_complete(issued.pk)
    assert bytes(kept.content) == b"issued by the other worker"
    assert not AuditEntry.objects.filter(verb="reports.issued").exists()
