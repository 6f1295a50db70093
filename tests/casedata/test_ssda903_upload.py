"""An SSDA903 return uploaded in the browser (a zip of its CSV files) or loaded from the
command line as a zip: converted, validated with problems named by the SSDA903 file and row,
and kept with what the conversion did."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from tests.casedata.test_ssda903 import Folder
from tests.conftest import Cast, signed_in
from trellis.casedata.models import Snapshot

URL = reverse("casedata:data-home", args=["riverside-test"])


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path / "data"


def zipped(folder: Folder, *, prefix: str = "return/") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.source.iterdir()):
            archive.write(path, prefix + path.name)
    return buffer.getvalue()


def post(cast: Cast, content: bytes, name: str = "return.zip", layout: str = "ssda903"):  # type: ignore[no-untyped-def]
    client = signed_in(cast.analyst)
    response = client.post(
        URL,
        {
            "extract_date": "2018-06-30",
            "layout": layout,
            "file": SimpleUploadedFile(name, content),
        },
    )
    return client, response


def test_an_analyst_uploads_an_ssda903_zip_and_sees_what_was_mapped(
    cast: Cast, tmp_path: Path
) -> None:
    folder = Folder(tmp_path)
    folder.header({"CHILD": "CHILD77", "SEX": "9"})  # a sex code with no Trellis meaning
    folder.episodes({"CHILD": "CHILD77"})

    client, response = post(cast, zipped(folder))

    assert response.status_code == 302
    snapshot = Snapshot.objects.get()
    assert snapshot.manifest["conversion"]["layout"] == "SSDA903"
    assert snapshot.manifest["datasets"]["episodes"]["rows"] == 1
    page = client.get(response["Location"]).content.decode()
    assert "Converted from the SSDA903 layout" in page
    assert "SEX other than 1 or 2 → sex U (children by value: 9 1)" in page
    assert "CHILD77" not in page


def test_problems_in_an_uploaded_return_name_the_ssda903_file_and_row(
    cast: Cast, tmp_path: Path
) -> None:
    folder = Folder(tmp_path)
    folder.header({"CHILD": "A1"})
    folder.episodes(
        {"CHILD": "A1", "DECOM": "01/01/2017", "DEC": "01/06/2017"},
        {"CHILD": "A1", "DECOM": "01/03/2017"},  # overlaps the first
    )

    _, response = post(cast, zipped(folder))

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="problem-table"' in page and "episodes-overlap" in page
    assert "Converted from the SSDA903 layout" in page
    assert not Snapshot.objects.exists()


def test_a_return_that_is_neither_a_zip_nor_a_csv_is_refused_with_a_reason(cast: Cast) -> None:
    _, response = post(cast, b"PK\x03\x04 not really", name="return.xlsx")

    assert response.status_code == 400
    assert "zip of its CSV files" in response.content.decode()
    assert not Snapshot.objects.exists()


def test_a_zip_whose_paths_climb_out_is_refused_whole(cast: Cast, tmp_path: Path) -> None:
    folder = Folder(tmp_path)
    folder.child_in_care()

    _, response = post(cast, zipped(folder, prefix="../../"))

    assert response.status_code == 400
    assert not Snapshot.objects.exists()
    assert not list(tmp_path.parent.glob("episodes.csv"))


def test_the_command_loads_an_ssda903_zip(cast: Cast, tmp_path: Path) -> None:
    folder = Folder(tmp_path)
    folder.child_in_care()
    path = tmp_path / "return.zip"
    path.write_bytes(zipped(folder))

    call_command(
        "data",
        "load",
        str(path),
        "--format",
        "ssda903",
        "--extract-date",
        "2018-06-30",
        "--as",
        cast.analyst.email,
        "--partnership",
        "riverside-test",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    assert Snapshot.objects.get().manifest["conversion"]["layout"] == "SSDA903"
