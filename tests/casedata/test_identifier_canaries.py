"""No child identifier in logs, URLs or files (SECURITY-BAR row 31): an extract whose
children carry distinctive canary identifiers is refused, loaded and computed through the
analyst's pages and the command line, its pages visited and its records downloaded, with
every logger writing at DEBUG (SQL included) to a log file in the data directory. No
canary may appear in a log line, a command's output, an address visited or linked, a
page, a download, the database or any file under the data directory; no pseudonym may
appear in a log line or an address either."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from trellis.casedata.models import Snapshot
from trellis.casedata.services import read_snapshot
from trellis.casedata.tasks import compute_into
from trellis.measures.models import Observation

CANARIES = factories.CANARY_CHILD_IDS
HEADER = "child_id,date_of_birth,sex,episode_start,episode_end,placement_type,placement_area\n"
EPISODES = HEADER + (
    "CANARYQX7101,2010-05-01,F,2019-01-10,,foster,in_area\n"
    "canaryqx7102 ,2012-07-14,M,2019-06-01,2020-08-01,home,in_area\n"
    "CANARYQX7103,2006-02-20,M,2020-02-03,,residential,out_of_area\n"
    "CANARYQX7104,2011-11-11,F,2020-04-01,,kinship,in_area\n"
)
# Rows 6 and 7 are wrong (a sex code, an episode ending before it starts): the refusal must
# name the rows without the children on them.
BROKEN = EPISODES + (
    "CANARYQX7103,2006-02-20,Q,2020-09-01,,foster,in_area\n"
    "CANARYQX7104,2011-11-11,F,2020-06-01,2020-05-01,foster,in_area\n"
)
EXTRACT_DATE = "2020-12-31"


class Capture(logging.Handler):
    """Every record, formatted with its traceback, kept and written to a log file."""

    def __init__(self, path: Path) -> None:
        super().__init__(logging.DEBUG)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = path.open("a", encoding="utf-8")
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        self.lines.append(line)
        self.file.write(line + "\n")
        self.file.flush()


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    settings.DATA_DIR = data
    settings.MEDIA_ROOT = data / "files"
    settings.FILE_UPLOAD_TEMP_DIR = str(data / "upload-tmp")
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 16  # every upload is spooled to the data dir
    return data


@pytest.fixture
def logs(data_dir: Path) -> Iterator[Capture]:
    """Every logger at DEBUG into one capture, SQL with its parameters included."""
    capture = Capture(data_dir / "logs" / "trellis.log")
    loggers = [logging.getLogger(), *map(logging.getLogger, logging.root.manager.loggerDict)]
    levels = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        if lg is logging.getLogger() or not lg.propagate:
            lg.addHandler(capture)
    debug_cursor, connection.force_debug_cursor = connection.force_debug_cursor, True
    try:
        yield capture
    finally:
        connection.force_debug_cursor = debug_cursor
        for lg, level in levels:
            lg.setLevel(level)
            lg.removeHandler(capture)
        capture.file.close()


def upload(client: Client, slug: str, text: str) -> Any:
    return client.post(
        reverse("casedata:data-home", args=[slug]),
        {
            "extract_date": EXTRACT_DATE,
            "layout": "trellis",
            "file": SimpleUploadedFile("episodes.csv", text.encode()),
        },
    )


def links(body: bytes) -> list[str]:
    return [m.decode() for m in re.findall(rb'(?:href|src|action)="([^"]*)"', body)]


def command(*args: str) -> str:
    """A `trellis data` command's standard output and error (it may refuse)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("data", *args, stdout=out, stderr=err)
    except CommandError as refused:
        err.write(str(refused))
    return out.getvalue() + err.getvalue()


def walk_analyst_pages(client: Client, slug: str, snapshot: Snapshot) -> tuple[list, list]:
    """(addresses visited and linked, bodies received) over the analyst's pages."""
    urls = [
        reverse("casedata:data-home", args=[slug]),
        reverse("casedata:snapshot", args=[slug, snapshot.pk]),
        reverse("casedata:report-csv", args=[slug]),
        reverse("measures:measure-list", args=[slug]),
    ]
    figures = Observation.objects.filter(
        measure__partnership=snapshot.partnership, measure__source="computed", value__gt=0
    ).order_by("pk")
    for figure in figures[:4]:
        urls.append(reverse("measures:measure-detail", args=[slug, figure.measure_id]))
        urls.append(reverse("casedata:figure-records", args=[slug, figure.pk]))
    seen, bodies = list(urls), []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        bodies.append(response.content)
        seen += links(response.content)
    return seen, bodies


def hits(text: str, words: tuple[str, ...] | list[str]) -> list[str]:
    upper = text.upper()
    return [w for w in words if w.upper() in upper]


def test_no_child_identifier_reaches_logs_addresses_or_files(
    cast: Cast, data_dir: Path, logs: Capture, tmp_path: Path
) -> None:
    slug = cast.partnership.slug
    client = signed_in(cast.analyst)

    refused = upload(client, slug, BROKEN)
    loaded = upload(client, slug, EPISODES)
    snapshot = Snapshot.objects.get()
    compute_into(snapshot)
    visited, bodies = walk_analyst_pages(client, slug, snapshot)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "episodes.csv").write_text(BROKEN, encoding="utf-8")
    said = command("validate", str(folder), "--extract-date", EXTRACT_DATE, "--json")
    said += command(
        "load", str(folder), "--as", cast.analyst.email, "--partnership", slug,
        "--extract-date", EXTRACT_DATE,
    )  # fmt: skip
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)

    assert refused.status_code == 400 and b"problem-table" in refused.content
    assert loaded.status_code == 302
    assert "row 6" in said and "row 7" in said  # the refusals name rows
    assert any("SELECT" in line for line in logs.lines)  # SQL was logged with parameters
    pseudonyms = sorted(set(read_snapshot(snapshot)["episodes"].column("child_id").to_pylist()))
    assert len(pseudonyms) == len(CANARIES)
    log_text = "\n".join(logs.lines)
    assert not hits(log_text, [*CANARIES, *pseudonyms]), "in the log"
    assert not hits(said, CANARIES), "in a command's output"
    assert not hits("\n".join(visited), [*CANARIES, *pseudonyms]), "in an address"
    for body in [refused.content, *bodies]:
        assert not hits(body.decode("utf-8-sig"), CANARIES), "on a page or in a download"
    assert not hits(dump.getvalue(), CANARIES), "in the database"
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in files) and any(p.suffix == ".log" for p in files)
    for path in files:
        assert not hits(path.read_bytes().decode("latin-1"), CANARIES), path.name
    assert not any((data_dir / "upload-tmp").glob("*")), "an upload outlived its request"
