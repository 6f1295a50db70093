"""A full disk (ENOSPC) while an upload is spooled or stored: the 503 page says so, no row
is written, no partial file is left, and the site keeps serving."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.urls import reverse

from tests.conftest import Cast, signed_in
from trellis.casedata.models import Snapshot

EPISODES = (
    "child_id,date_of_birth,sex,episode_start,episode_end,placement_type,placement_area\n"
    "SECRETID001,2010-05-01,F,2019-01-10,,foster,in_area\n"
    "SECRETID002,2012-07-14,M,2019-06-01,2020-08-01,home,in_area\n"
)


def no_space(*_: Any, **__: Any) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture(autouse=True)
def _spooled(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path / "data"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "data" / "upload-tmp")
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64  # every test file is spooled to disk


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def post_extract(client: Any, text: str = EPISODES) -> Any:
    client.raise_request_exception = False
    return client.post(
        reverse("casedata:data-home", args=["riverside-test"]),
        {
            "extract_date": "2020-12-31",
            "layout": "trellis",
            "file": SimpleUploadedFile("episodes.csv", text.encode()),
        },
    )


def fills_on_write() -> Any:
    """The spooled file (already created on disk) finds the disk full when written to."""

    def write(self: TemporaryUploadedFile) -> Any:
        def attempt(data: bytes) -> int:
            self.file.write(data[:10])  # a partial file, as a real full disk leaves
            self.file.flush()
            no_space()
            return 0

        return attempt

    return mock.patch.object(TemporaryUploadedFile, "write", property(write))


def test_a_disk_full_while_spooling_an_upload_gives_the_storage_full_page(
    cast: Cast, settings
) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(cast.analyst)
    with fills_on_write():
        response = post_extract(client, EPISODES * 5)

    assert response.status_code == 503
    assert "no room to store files" in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert not Snapshot.objects.exists()
    assert files_under(Path(settings.FILE_UPLOAD_TEMP_DIR)) == []
    assert files_under(Path(settings.DATA_DIR) / "snapshots") == []


def test_the_site_keeps_serving_and_takes_the_next_upload_once_there_is_room(
    cast: Cast,
) -> None:
    client = signed_in(cast.analyst)
    with fills_on_write():
        post_extract(client, EPISODES * 5)

    page = client.get(reverse("casedata:data-home", args=["riverside-test"]))
    assert page.status_code == 200
    assert post_extract(client).status_code == 302
    assert Snapshot.objects.count() == 1


def test_a_disk_full_while_storing_the_snapshot_leaves_no_row_and_no_folder(
    cast: Cast, settings
) -> None:  # type: ignore[no-untyped-def]
    def half_written(table: Any, path: Path, **_: Any) -> None:
        Path(path).write_bytes(b"PAR1 partial")
        no_space()

    with mock.patch("pyarrow.parquet.write_table", half_written):
        response = post_extract(signed_in(cast.analyst))

    assert response.status_code == 503
    assert "no room to store files" in response.content.decode()
    assert not Snapshot.objects.exists()
    assert files_under(Path(settings.DATA_DIR) / "snapshots") == []


def test_other_os_errors_stay_server_errors(cast: Cast) -> None:
    def denied(*_: Any, **__: Any) -> None:
        raise OSError(errno.EACCES, "Permission denied")

    with mock.patch("pyarrow.parquet.write_table", denied):
        response = post_extract(signed_in(cast.analyst))

    assert response.status_code == 500
    assert not Snapshot.objects.exists()
