"""Per-person rate limits on uploads, downloads of case-level records and report builds:
counted in the database, refused over the limit with the 429 page and Retry-After, audited,
other people unaffected, and allowed again once the window has passed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import factories
from tests.casedata.test_load import BROKEN, EPISODES, computed_looked_after
from tests.conftest import Cast, signed_in
from trellis.accounts.limits import EVIDENCE_UPLOAD, EXTRACT_UPLOAD, LABELS, rate_take
from trellis.accounts.models import RateEvent, Role
from trellis.audit.models import AuditEntry
from trellis.casedata.models import Snapshot
from trellis.errors import RateLimited
from trellis.plans.models import Action
from trellis.progress.models import Evidence
from trellis.reports.models import IssuedReport
from trellis.transfer.models import PendingImport

START = dt.datetime(2020, 11, 2, 9, 0, tzinfo=dt.UTC)
PLAN_CSV = (
    b"Outcome,Workstream,Action,Lead officer\n"
    b"Children are safe,Front door,One referral form,Duty Manager\n"
)


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "media"


def limits(settings: Any, **caps: int) -> None:
    """Set some limits (by action, with _ for -), leaving the others as configured."""
    settings.TRELLIS_RATE_LIMITS = {
        **settings.TRELLIS_RATE_LIMITS,
        **{k.replace("_", "-"): v for k, v in caps.items()},
    }


def upload_extract(client: Any, text: str = BROKEN) -> Any:
    return client.post(
        reverse("casedata:data-home", args=["riverside-test"]),
        {
            "extract_date": "2020-10-31",
            "layout": "trellis",
            "file": SimpleUploadedFile("episodes.csv", text.encode()),
        },
    )


def refusals() -> list[dict[str, Any]]:
    return [e.changes for e in AuditEntry.objects.filter(verb="rate-limit.refuse").order_by("pk")]


# The service


def test_every_limited_action_has_a_setting_and_words(settings: Any) -> None:
    assert set(settings.TRELLIS_RATE_LIMITS) == set(LABELS)


def test_the_eleventh_extract_upload_in_an_hour_is_refused_by_default(cast: Cast) -> None:
    with time_machine.travel(START, tick=False):
        for _ in range(10):
            rate_take(person=cast.analyst, action=EXTRACT_UPLOAD)
        with pytest.raises(RateLimited) as refused:
            rate_take(person=cast.analyst, action=EXTRACT_UPLOAD)

    assert refused.value.status == 429
    assert refused.value.retry_after == 3600
    assert RateEvent.objects.filter(person=cast.analyst).count() == 10  # refusal not kept


def test_the_wait_is_until_the_oldest_counted_request_leaves_the_window(
    cast: Cast, settings: Any
) -> None:
    limits(settings, evidence_upload=2)
    with time_machine.travel(START, tick=False) as clock:
        rate_take(person=cast.lead, action=EVIDENCE_UPLOAD)
        clock.shift(dt.timedelta(minutes=10))
        rate_take(person=cast.lead, action=EVIDENCE_UPLOAD)
        clock.shift(dt.timedelta(minutes=15))
        with pytest.raises(RateLimited) as refused:
            rate_take(person=cast.lead, action=EVIDENCE_UPLOAD)
        assert refused.value.retry_after == 35 * 60
        clock.shift(dt.timedelta(minutes=35, seconds=1))
        rate_take(person=cast.lead, action=EVIDENCE_UPLOAD)  # the first has left the window


def test_each_kind_of_request_has_its_own_allowance(cast: Cast, settings: Any) -> None:
    limits(settings, extract_upload=1, evidence_upload=1)
    rate_take(person=cast.analyst, action=EXTRACT_UPLOAD)
    rate_take(person=cast.analyst, action=EVIDENCE_UPLOAD)
    with pytest.raises(RateLimited):
        rate_take(person=cast.analyst, action=EXTRACT_UPLOAD)


def test_a_limit_of_zero_is_no_limit(cast: Cast, settings: Any) -> None:
    limits(settings, extract_upload=0)
    for _ in range(25):
        rate_take(person=cast.analyst, action=EXTRACT_UPLOAD)
    assert not RateEvent.objects.exists()


def test_requests_that_left_the_window_are_deleted(cast: Cast, settings: Any) -> None:
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(3):
            rate_take(person=cast.analyst, action=EXTRACT_UPLOAD)
        clock.shift(dt.timedelta(hours=1, seconds=1))
        rate_take(person=cast.analyst, action=EXTRACT_UPLOAD)
    assert RateEvent.objects.filter(person=cast.analyst).count() == 1


# The extract upload page


def test_one_extract_upload_over_the_limit_gets_the_429_page_and_an_audit_event(
    cast: Cast, settings: Any
) -> None:
    limits(settings, extract_upload=2)
    client = signed_in(cast.analyst)
    with time_machine.travel(START, tick=False):
        answers = [upload_extract(client).status_code for _ in range(2)]
        refused = upload_extract(client, EPISODES)

    assert answers == [400, 400]  # refused extracts are uploads too: each was read
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    page = refused.content.decode()
    assert "Sorry, you need to wait before doing that again" in page
    assert "the limit of 2 extract uploads in 1 hour" in page
    assert "Try again in 1 hour." in page
    assert not Snapshot.objects.exists()  # the refused upload was not read
    [event] = AuditEntry.objects.filter(verb="rate-limit.refuse")
    assert event.actor_id == cast.analyst.pk
    assert event.partnership_id == cast.partnership.pk
    assert event.changes == {
        "action": "extract-upload",
        "limit": 2,
        "window_seconds": 3600,
        "retry_after": 3600,
    }


def test_another_analyst_still_uploads_when_one_has_reached_the_limit(
    cast: Cast, settings: Any
) -> None:
    limits(settings, extract_upload=1)
    colleague = factories.person(cast.partnership, Role.ANALYST, email="second@example.org")
    first = signed_in(cast.analyst)
    upload_extract(first)
    assert upload_extract(first).status_code == 429

    response = upload_extract(signed_in(colleague), EPISODES)

    assert response.status_code == 302
    assert Snapshot.objects.get().uploaded_by == colleague


def test_once_the_window_has_passed_the_upload_is_accepted_again(cast: Cast, settings: Any) -> None:
    limits(settings, extract_upload=1)
    with time_machine.travel(START, tick=False) as clock:
        upload_extract(signed_in(cast.analyst))
        clock.shift(dt.timedelta(minutes=59))
        assert upload_extract(signed_in(cast.analyst)).status_code == 429
        clock.shift(dt.timedelta(minutes=1, seconds=1))
        response = upload_extract(signed_in(cast.analyst), EPISODES)

    assert response.status_code == 302
    assert Snapshot.objects.count() == 1
    assert len(refusals()) == 1


def test_a_form_with_mistakes_is_not_counted(cast: Cast, settings: Any) -> None:
    limits(settings, extract_upload=1)
    client = signed_in(cast.analyst)
    url = reverse("casedata:data-home", args=["riverside-test"])
    assert client.post(url, {"layout": "trellis"}).status_code == 400

    assert upload_extract(client, EPISODES).status_code == 302


# The other limited pages


def test_evidence_files_are_limited_and_links_are_not(cast: Cast, settings: Any) -> None:
    limits(settings, evidence_upload=1)
    action = Action.objects.filter(partnership=cast.partnership, lead=cast.lead)[0]
    update = factories.update(action)
    url = reverse("progress:evidence-add", args=[cast.partnership.slug, update.pk])
    client = signed_in(cast.lead)

    def add(**fields: Any) -> int:
        return int(client.post(url, {"title": "Minutes", "url": "", **fields}).status_code)

    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    assert add(file=SimpleUploadedFile("a.pdf", pdf)) == 302
    assert add(file=SimpleUploadedFile("b.pdf", pdf)) == 429
    assert add(url="https://example.org/minutes") == 302
    assert Evidence.objects.filter(file_name="b.pdf").count() == 0
    assert [r["action"] for r in refusals()] == ["evidence-upload"]


def test_downloads_of_case_level_records_are_limited(
    cast: Cast, settings: Any, tmp_path: Path
) -> None:
    limits(settings, record_download=1)
    figure = computed_looked_after(cast, tmp_path)
    url = reverse("casedata:figure-records", args=[cast.partnership.slug, figure.pk])
    client = signed_in(cast.analyst)

    assert client.get(url).status_code == 200
    refused = client.get(url)

    assert refused.status_code == 429
    assert "downloads of case-level records" in refused.content.decode()
    assert AuditEntry.objects.filter(verb="casedata.records").count() == 1  # one read
    assert [r["action"] for r in refusals()] == ["record-download"]


def test_report_builds_are_limited(cast: Cast, settings: Any) -> None:
    limits(settings, report_build=1)
    url = reverse("reports:plan-reports", args=[cast.partnership.slug, cast.plan.pk])
    period = cast.plan.periods.all()[0]
    client = signed_in(cast.owner)
    data = {"kind": "board-pack", "period": period.pk, "format": "html"}

    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 429
    assert IssuedReport.objects.count() == 1
    assert client.get(url).status_code == 200  # reading the page is not limited


def test_plan_imports_and_exports_are_limited(cast: Cast, settings: Any) -> None:
    limits(settings, plan_import=1, plan_export=1)
    client = signed_in(cast.owner)
    start = reverse("transfer:import", args=[cast.partnership.slug])
    export = reverse("transfer:download", args=[cast.partnership.slug, cast.plan.pk, "csv"])

    assert client.post(start, {"file": SimpleUploadedFile("p.csv", PLAN_CSV)}).status_code == 302
    assert client.post(start, {"file": SimpleUploadedFile("p.csv", PLAN_CSV)}).status_code == 429
    assert client.get(export).status_code == 200
    assert client.get(export).status_code == 429
    assert PendingImport.objects.count() == 1
    assert [r["action"] for r in refusals()] == ["plan-import", "plan-export"]
