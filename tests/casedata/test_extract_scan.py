"""An extract uploaded in the browser passes the malware scanner evidence files pass, before
anything reads it, and the scan fails closed: a scanner that cannot tell refuses the upload
(503, audited), a harmful file is refused with a clear message (audited), a clean one is
accepted."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.casedata.test_load import EPISODES
from tests.conftest import Cast, signed_in
from trellis.audit.models import AuditEntry
from trellis.casedata.models import Snapshot
from trellis.progress.filetypes import EICAR, REFUSALS

SEEN: list[bytes] = []


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"


def unavailable_scanner(upload: IO[bytes]) -> None:
    raise ConnectionRefusedError("clamd is not running")


def recording_scanner(upload: IO[bytes]) -> None:
    SEEN.append(upload.read())


def post(cast: Cast, data: bytes, name: str = "episodes.csv") -> Any:
    return signed_in(cast.analyst).post(
        reverse("casedata:data-home", args=[cast.partnership.slug]),
        {"extract_date": "2020-12-31", "layout": "trellis", "file": SimpleUploadedFile(name, data)},
    )


def refusals() -> list[Any]:
    return [e.changes for e in AuditEntry.objects.filter(verb="casedata.refuse")]


def test_an_extract_is_refused_with_503_when_the_scanner_cannot_be_reached(
    cast: Cast, settings: Any
) -> None:
    settings.TRELLIS_UPLOAD_SCANNER = "tests.casedata.test_extract_scan.unavailable_scanner"

    response = post(cast, EPISODES.encode())

    assert response.status_code == 503
    assert response["Retry-After"]
    assert str(REFUSALS["scanner-down"]) in response.content.decode()
    assert not Snapshot.objects.exists()
    assert refusals() == [
        {"reason": "scanner-down", "file_name": "episodes.csv", "size": len(EPISODES)}
    ]


def test_an_extract_holding_the_eicar_string_is_refused_as_harmful(cast: Cast) -> None:
    data = EPISODES.encode() + EICAR + b"\n"

    response = post(cast, data)

    assert response.status_code == 400
    page = response.content.decode()
    assert str(REFUSALS["malware"]) in page
    assert 'class="govuk-error-summary"' in page
    assert not Snapshot.objects.exists()
    assert [r["reason"] for r in refusals()] == ["malware"]


def test_a_clean_extract_passes_the_scanner_whole_and_is_stored(cast: Cast, settings: Any) -> None:
    settings.TRELLIS_UPLOAD_SCANNER = "tests.casedata.test_extract_scan.recording_scanner"
    SEEN.clear()

    response = post(cast, EPISODES.encode())

    assert response.status_code == 302
    assert [EPISODES.encode()] == SEEN
    assert Snapshot.objects.count() == 1
    assert refusals() == []


def test_a_zip_extract_is_scanned_as_uploaded(cast: Cast, settings: Any) -> None:
    settings.TRELLIS_UPLOAD_SCANNER = "tests.casedata.test_extract_scan.unavailable_scanner"

    response = post(cast, b"PK\x05\x06" + b"\x00" * 18, name="extract.zip")

    assert response.status_code == 503
    assert [r["file_name"] for r in refusals()] == ["extract.zip"]
