"""Caps on a case-level extract (SECURITY-BAR row 17): rows per dataset file
(TRELLIS_EXTRACT_MAX_ROWS), characters per cell (32,767, Excel's own limit) and bytes per
browser upload. Past a cap the extract is refused with a problem naming the file (and the
row and column for a cell), never a value, and nothing is stored."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.casedata.conftest import VALID, Extract, found, rewrite_zip, row
from tests.casedata.test_load import EPISODES, load, upload, write
from tests.conftest import Cast, signed_in
from trellis.casedata import reading_csv
from trellis.casedata.models import Snapshot
from trellis.casedata.problems import Problems
from trellis.casedata.reading import Source
from trellis.casedata.schema import DATASETS
from trellis.casedata.services import ExtractInvalid
from trellis.uploads import SpoolingUploadHandler

HEADER = list(VALID["episodes"])
LONG_ID = "SECRETID" + "9" * 32_761  # 32,769 characters: two past the cap
MARK = "LONGCELLMARK"


def episodes(count: int) -> list[dict[str, str]]:
    return [row("episodes", child_id=f"C{n}") for n in range(count)]


def write_episodes(extract: Extract, kind: str, rows: list[dict[str, str]]) -> str:
    """The rows as episodes.csv or episodes.xlsx; the file's name."""
    if kind == "csv":
        extract.csv("episodes", rows)
    else:
        extract.xlsx("episodes", [HEADER, *([r[c] for c in HEADER] for r in rows)])
    return f"episodes.{kind}"


def lengthen_in_xlsx(path: Path, value: str) -> None:
    """openpyxl cuts a cell at 32,767 characters as Excel does: write MARK, then swap it."""
    with zipfile.ZipFile(path) as workbook:
        sheet = workbook.read("xl/worksheets/sheet1.xml")
    assert sheet.count(MARK.encode()) == 1
    rewrite_zip(path, {"xl/worksheets/sheet1.xml": sheet.replace(MARK.encode(), value.encode())})


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"


# Cell length ---------------------------------------------------------------------------------


def test_a_csv_cell_longer_than_32767_characters_is_an_error_naming_row_and_column(
    extract: Extract,
) -> None:
    extract.csv("episodes", [row("episodes"), row("episodes", child_id=LONG_ID)])
    result = extract.read()
    assert found(result.errors) == {("episodes.csv", 3, "child_id", "cell-too-long")}
    assert result.tables is None
    assert not any("SECRETID" in p.message or "999" in p.message for p in result.errors)


def test_an_xlsx_cell_longer_than_32767_characters_is_an_error_naming_row_and_column(
    extract: Extract,
) -> None:
    rows = [row("episodes"), row("episodes", child_id=MARK)]
    lengthen_in_xlsx(extract.folder / write_episodes(extract, "xlsx", rows), LONG_ID)
    result = extract.read()
    assert found(result.errors) == {("episodes.xlsx", 3, "child_id", "cell-too-long")}
    assert result.tables is None
    assert not any("SECRETID" in p.message or "999" in p.message for p in result.errors)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_cell_of_exactly_32767_characters_is_read(extract: Extract, kind: str) -> None:
    notes = "n" * 32_767  # in an extra column, read then dropped with a warning
    if kind == "csv":
        extract.csv("episodes", [row("episodes") | {"notes": notes}])
    else:
        extract.xlsx("episodes", [[*HEADER, "notes"], [*VALID["episodes"].values(), notes]])
    result = extract.read()
    assert result.errors == []
    assert result.tables is not None and result.tables["episodes"].num_rows == 1


def test_a_header_cell_longer_than_32767_characters_is_an_error_on_row_1(
    extract: Extract,
) -> None:
    long_name = "n" * 32_768
    extract.csv("episodes", [row("episodes") | {long_name: ""}])
    assert ("episodes.csv", 1, "n" * 60, "cell-too-long") in found(extract.read().errors)


# Rows ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_of_one_row_more_than_the_cap_is_refused(
    extract: Extract, settings: Any, kind: str
) -> None:
    settings.TRELLIS_EXTRACT_MAX_ROWS = 3
    name = write_episodes(extract, kind, episodes(4))
    result = extract.read()
    assert found(result.errors) == {(name, None, None, "too-many-rows")}
    assert result.tables is None


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_of_exactly_the_cap_is_read(extract: Extract, settings: Any, kind: str) -> None:
    settings.TRELLIS_EXTRACT_MAX_ROWS = 3
    write_episodes(extract, kind, episodes(3))
    result = extract.read()
    assert result.errors == []
    assert result.tables is not None and result.tables["episodes"].num_rows == 3


def test_the_row_cap_counts_rows_after_the_header_whatever_their_lines(
    extract: Extract, settings: Any
) -> None:
    settings.TRELLIS_EXTRACT_MAX_ROWS = 3
    rows = episodes(3)
    rows[1]["placement_type"] = "foster\n\nstill row 3"  # one row over three lines
    extract.csv("episodes", rows)
    assert "too-many-rows" not in {p.rule for p in extract.read().errors}


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes, counts: list[int]) -> None:
        super().__init__(data)
        self.counts = counts
        counts.append(0)

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.counts[-1] += len(chunk)
        return chunk


def test_parsing_a_csv_stops_soon_after_the_row_cap(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TRELLIS_EXTRACT_MAX_ROWS = 100
    monkeypatch.setattr(reading_csv, "BLOCK_SIZE", 4096)  # read ahead: ~32 blocks
    lines = [",".join(HEADER)] + [",".join(VALID["episodes"].values())] * 50_000
    data = ("\n".join(lines) + "\n").encode()
    counts: list[int] = []  # bytes read through each opening of the file
    source = Source("episodes.csv", lambda: CountingStream(data, counts))
    problems = Problems()

    assert reading_csv.read_csv(source, DATASETS["episodes"], problems) is None
    assert {p.rule for p in problems.errors()} == {"too-many-rows"}
    parsed = counts[-1]  # the last opening is the parse; earlier ones sniff and decode
    assert parsed < len(data) // 4, (parsed, len(data))


def test_an_extract_one_row_over_the_cap_stores_nothing(
    cast: Cast, tmp_path: Path, settings: Any
) -> None:
    settings.TRELLIS_EXTRACT_MAX_ROWS = 2
    with pytest.raises(ExtractInvalid) as refused:
        load(cast, write(tmp_path / "in", EPISODES))  # three rows
    assert [(p.row, p.rule) for p in refused.value.problems] == [(None, "too-many-rows")]
    assert not Snapshot.objects.exists()
    assert not list((tmp_path / "data").rglob("*.parquet"))


# Bytes ---------------------------------------------------------------------------------------


def test_an_upload_one_byte_over_the_limit_is_stopped_and_leaves_no_temporary_file(
    cast: Cast, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = 200 * 1024  # three of Django's 64 KB chunks are spooled to disk before the stop
    temp = tmp_path / "upload-tmp"
    settings.TRELLIS_EXTRACT_MAX_BYTES = limit
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(temp)
    spooled: list[str] = []
    new_file = SpoolingUploadHandler.new_file

    def spool(handler: Any, *args: Any, **kwargs: Any) -> None:
        new_file(handler, *args, **kwargs)
        spooled.append(handler.file.temporary_file_path())

    monkeypatch.setattr(SpoolingUploadHandler, "new_file", spool)
    text = EPISODES + "," * (limit + 1 - len(EPISODES.encode()))
    response = upload(signed_in(cast.analyst), text)

    assert response.status_code == 400
    assert spooled and all(Path(p).parent == temp for p in spooled)  # it did reach the disk
    assert list(temp.iterdir()) == []
    assert not Snapshot.objects.exists()
