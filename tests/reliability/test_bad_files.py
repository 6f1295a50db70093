"""B1, outcome only: every file of the hostile corpus (tests/reliability/corpus.py), posted
to the case-level data page and to the plan import page, gets an answer below 500; a
refusal shows the error summary and stores nothing. (The test client re-raises any
exception a view lets out, so a crash fails the test by itself.)
benchmarks/reliability/b1_corpus.py posts the same corpus over HTTP with timings and memory.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import Cast, signed_in
from tests.reliability.corpus import Specimen, specimens
from trellis.casedata.models import Snapshot
from trellis.transfer.models import PendingImport

# Smaller bombs than the benchmark's keep the suite quick; the refusal is the same.
corpus = functools.cache(lambda: specimens(bomb_mb=40))


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"


def _ids() -> list[str]:
    return [s.name[:40].encode("ascii", "replace").decode() for s in corpus()]


def _post(client: Any, url: str, fields: dict[str, str], specimen: Specimen) -> Any:
    upload = SimpleUploadedFile(specimen.name, specimen.data, "application/octet-stream")
    return client.post(url, {**fields, "file": upload})


@pytest.mark.parametrize("index", range(len(corpus())), ids=_ids())
def test_a_hostile_file_is_answered_without_a_server_error_and_a_refusal_stores_nothing(
    cast: Cast, index: int
) -> None:
    specimen = corpus()[index]
    slug = cast.partnership.slug
    targets = [
        (
            cast.analyst,
            reverse("casedata:data-home", args=[slug]),
            {"extract_date": "2021-03-31", "layout": "trellis"},
            Snapshot,
        ),
        (cast.owner, reverse("transfer:import", args=[slug]), {}, PendingImport),
    ]
    for person, url, fields, model in targets:
        rows = model.objects.count()

        response = _post(signed_in(person), url, fields, specimen)

        assert response.status_code in (302, 400), (specimen.why, url, response.status_code)
        if response.status_code == 400:
            assert b"govuk-error-summary" in response.content, (specimen.why, url)
            assert model.objects.count() == rows, (specimen.why, url)


def test_the_corpus_holds_about_fifty_files_covering_the_named_attacks() -> None:
    names = {s.name for s in corpus()}
    assert len(names) == len(corpus()) >= 50
    for must in (
        "zip_bomb.zip",
        "laughs.xlsx",
        "xxe.xlsx",
        "macro.xlsm",
        "legacy.xls",
        "encrypted.xlsx",
        "html.xls",
        "formulas.csv",
        "bom.csv",
        "cp1252.csv",
        "utf16le.csv",
        "nul.csv",
        "wide.csv",
        "long_cell.csv",
        "over_limit.csv",
        "duplicate_headers.csv",
        "empty.csv",
        "header_only.csv",
        "mixed_newlines.csv",
        "unbalanced.csv",
        "../../../../etc/episodes.csv",
    ):
        assert must in names
    assert any("\u202e" in n for n in names)
