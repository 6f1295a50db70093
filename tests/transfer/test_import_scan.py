"""A plan uploaded for import passes the malware scanner before it is read, failing closed
like every upload: scanner away means 503, a harmful file is refused, both audited."""

from __future__ import annotations

from typing import IO, Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import Cast, signed_in
from tests.transfer import councils
from trellis.audit.models import AuditEntry
from trellis.progress.filetypes import EICAR, REFUSALS
from trellis.transfer.models import PendingImport

PLAN = b"Outcome,Workstream,Action\nChildren are safe,Front door,One referral form\n"


def unavailable_scanner(upload: IO[bytes]) -> None:
    raise TimeoutError("clamd did not answer")


def post(cast: Cast, data: bytes) -> Any:
    url = reverse("transfer:import", args=[cast.partnership.slug])
    return signed_in(cast.owner).post(url, {"file": SimpleUploadedFile("plan.csv", data)})


def refusals() -> list[str]:
    return [e.changes["reason"] for e in AuditEntry.objects.filter(verb="import.refuse")]


def test_a_plan_file_is_refused_with_503_when_the_scanner_cannot_be_reached(
    cast: Cast, settings: Any
) -> None:
    settings.TRELLIS_UPLOAD_SCANNER = "tests.transfer.test_import_scan.unavailable_scanner"

    response = post(cast, PLAN)

    assert response.status_code == 503
    assert str(REFUSALS["scanner-down"]) in response.content.decode()
    assert not PendingImport.objects.exists()
    assert refusals() == ["scanner-down"]


def test_a_plan_file_holding_the_eicar_string_is_refused(cast: Cast) -> None:
    response = post(cast, PLAN + EICAR + b"\n")

    assert response.status_code == 400
    assert str(REFUSALS["malware"]) in response.content.decode()
    assert not PendingImport.objects.exists()
    assert refusals() == ["malware"]


def test_pasted_text_needs_no_scanner(cast: Cast, settings: Any) -> None:
    settings.TRELLIS_UPLOAD_SCANNER = "tests.transfer.test_import_scan.unavailable_scanner"
    url = reverse("transfer:import", args=[cast.partnership.slug])

    response = signed_in(cast.owner).post(url, {"text": councils.WESTMOOR_TEXT})

    assert response.status_code == 302
    assert PendingImport.objects.count() == 1
