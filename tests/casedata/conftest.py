"""Helpers that write small case-level extracts into tmp_path and read them back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from trellis.casedata.validation import Problem, ReadResult, read_extract

EXTRACT_DATE = dt.date(2026, 3, 31)

# One valid row of each dataset; tests change what they are about.
VALID: dict[str, dict[str, str]] = {
    "episodes": {
        "child_id": "C1",
        "date_of_birth": "2015-02-01",
        "sex": "M",
        "episode_start": "2020-01-01",
        "episode_end": "2020-06-01",
        "placement_type": "foster",
        "placement_area": "in_area",
    },
    "health_assessments": {
        "child_id": "C1",
        "accommodated_date": "2020-01-01",
        "assessment_date": "2020-01-20",
    },
    "cp_registrations": {
        "child_id": "C1",
        "registration_date": "2020-01-01",
        "deregistration_date": "2020-06-01",
    },
    "cp_contacts": {"child_id": "C1", "contact_date": "2020-01-08", "contact_type": "face_to_face"},
    "short_breaks": {"child_id": "C1", "service_start": "2020-01-01", "service_end": "2020-12-31"},
    "reviews": {"child_id": "C1", "review_date": "2020-03-01", "review_type": "short_break"},
    "care_leavers": {
        "child_id": "C1",
        "date_of_birth": "2002-05-01",
        "date_left_care": "2020-05-01",
    },
    "care_leaver_contacts": {"child_id": "C1", "contact_date": "2020-06-01", "eet": "Y"},
    "attendance": {
        "child_id": "C1",
        "academic_year": "2019/20",
        "possible_sessions": "300",
        "attended_sessions": "280",
    },
}


def row(dataset: str, **changes: str) -> dict[str, str]:
    return {**VALID[dataset], **changes}


def csv_bytes(
    rows: Sequence[dict[str, str]],
    *,
    columns: Sequence[str] | None = None,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> bytes:
    header = list(columns if columns is not None else rows[0])
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[r.get(c, "") for c in header] for r in rows])
    return out.getvalue().encode(encoding)


def write_xlsx(path: Path, rows: Iterable[Sequence[Any]]) -> Path:
    """A one-sheet workbook; the first row given is the header."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for values in rows:
        sheet.append(list(values))
    workbook.save(path)
    return path


def rewrite_zip(
    path: Path, replace: dict[str, bytes], *, add: dict[str, bytes] | None = None
) -> Path:
    """Copy a zip (an xlsx) with some members' contents replaced and others added."""
    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    members.update(replace)
    members.update(add or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)
    return path


def found(problems: Iterable[Problem]) -> set[tuple[str, int | None, str | None, str]]:
    """(file, row, column, rule) of each problem: what tests assert, never the wording."""
    return {(p.file, p.row, p.column, p.rule) for p in problems}


def rules_of(problems: Iterable[Problem]) -> set[str]:
    return {p.rule for p in problems}


class Extract:
    """A folder that becomes an extract, one dataset file at a time."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def csv(self, dataset: str, rows: Sequence[dict[str, str]], **options: Any) -> Path:
        return self.file(f"{dataset}.csv", csv_bytes(rows, **options))

    def file(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        path.write_bytes(data)
        return path

    def xlsx(self, dataset: str, rows: Iterable[Sequence[Any]]) -> Path:
        return write_xlsx(self.folder / f"{dataset}.xlsx", rows)

    def read(self, extract_date: dt.date = EXTRACT_DATE) -> ReadResult:
        return read_extract(self.folder, extract_date=extract_date)


@pytest.fixture
def extract(tmp_path: Path) -> Extract:
    return Extract(tmp_path / "extract")
