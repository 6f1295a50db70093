"""Retention (SECURITY-BAR 30): a snapshot's pseudonymised rows are purged once past the
retention period, by the worker's nightly job or `trellis retention`; figures, manifests and
checksums stay; every purge is audited; the pages say the rows are gone."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from tests.casedata.test_load import EPISODES, load, write
from tests.conftest import Cast, signed_in
from trellis.audit.models import AuditEntry
from trellis.audit.services import audit_verify
from trellis.casedata.models import ComputedFigure, Snapshot
from trellis.casedata.retention import (
    PURGE_VERB,
    RUN_VERB,
    months_before,
    retention_daily,
    retention_purge,
)
from trellis.casedata.services import RowsPurged, read_snapshot, snapshot_folder
from trellis.casedata.tasks import compute_into
from trellis.measures.models import Observation

LOADED = dt.datetime(2021, 1, 15, 10, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2022, 9, 15, 10, 0, tzinfo=dt.UTC)  # a second extract, 20 months on
DUE = dt.datetime(2023, 1, 15, 10, 0, 1, tzinfo=dt.UTC)  # 24 months after LOADED
NOT_YET = dt.datetime(2023, 1, 15, 9, 59, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"
    settings.TRELLIS_CASE_ROWS_RETENTION_MONTHS = 24


def loaded_at(cast: Cast, tmp_path: Path, when: dt.datetime, name: str) -> Snapshot:
    with time_machine.travel(when, tick=False):
        # each load a different extract: the same one loaded again is the same snapshot
        extra = f"SECRETID{name.upper()},2011-03-03,F,2020-01-05,,foster,in_area\n"
        snapshot = load(cast, write(tmp_path / name, EPISODES + extra))
        compute_into(snapshot)
    return Snapshot.objects.get(pk=snapshot.pk)


@pytest.fixture
def two(cast: Cast, tmp_path: Path) -> tuple[Snapshot, Snapshot]:
    return loaded_at(cast, tmp_path, LOADED, "old"), loaded_at(cast, tmp_path, LATER, "new")


def purge_at(when: dt.datetime, **options: Any) -> Any:
    with time_machine.travel(when, tick=False):
        return retention_purge(**options)


def parquet_files(snapshot: Snapshot) -> list[Path]:
    return sorted(snapshot_folder(snapshot).glob("*.parquet"))


def test_exactly_the_expired_rows_are_purged_and_the_figures_stay(
    two: tuple[Snapshot, Snapshot],
) -> None:
    old, new = two
    figures = list(ComputedFigure.objects.order_by("pk").values())
    observations = list(Observation.objects.order_by("pk").values())
    manifest = dict(old.manifest)
    assert parquet_files(old) and parquet_files(new)

    report = purge_at(DUE)

    old.refresh_from_db()
    new.refresh_from_db()
    assert report.purged == [old.pk]
    assert old.purged_at is not None and new.purged_at is None
    assert parquet_files(old) == [] and parquet_files(new) != []
    assert old.manifest == manifest  # row counts and checksums kept
    assert list(ComputedFigure.objects.order_by("pk").values()) == figures
    assert list(Observation.objects.order_by("pk").values()) == observations
    on_disk = json.loads((snapshot_folder(old) / "manifest.json").read_text())
    assert on_disk["rows_purged_at"] == old.purged_at.isoformat()
    assert on_disk["datasets"] == manifest["datasets"]


def test_every_purge_is_audited_and_so_is_the_run(two: tuple[Snapshot, Snapshot]) -> None:
    old, _new = two

    purge_at(DUE)

    purge = AuditEntry.objects.get(verb=PURGE_VERB)
    assert purge.object_id == str(old.pk)
    assert purge.partnership_id == old.partnership_id
    assert purge.changes["rows"] == {
        "episodes": 4
    }  # three rows and the extra that makes each extract its own
    assert purge.changes["retention_months"] == 24
    run = AuditEntry.objects.get(verb=RUN_VERB)
    assert run.changes["purged"] == 1
    assert audit_verify().ok


def test_nothing_is_purged_before_its_time_or_twice(two: tuple[Snapshot, Snapshot]) -> None:
    assert purge_at(NOT_YET).purged == []
    assert purge_at(DUE).purged != []
    assert purge_at(DUE + dt.timedelta(days=1)).purged == []
    assert AuditEntry.objects.filter(verb=PURGE_VERB).count() == 1


def test_retention_zero_keeps_everything(two: tuple[Snapshot, Snapshot], settings: Any) -> None:
    settings.TRELLIS_CASE_ROWS_RETENTION_MONTHS = 0

    assert purge_at(DUE + dt.timedelta(days=3650)).purged == []
    assert Snapshot.objects.exclude(purged_at=None).count() == 0


def test_a_dry_run_lists_and_purges_nothing(two: tuple[Snapshot, Snapshot]) -> None:
    old, _new = two

    report = purge_at(DUE, dry_run=True)

    assert report.purged == [old.pk]
    assert parquet_files(old) != []
    assert not AuditEntry.objects.filter(verb__in=[PURGE_VERB, RUN_VERB]).exists()


def test_files_left_by_an_interrupted_purge_are_swept(two: tuple[Snapshot, Snapshot]) -> None:
    old, _new = two
    # As if the process died after recording the purge and before deleting the files.
    Snapshot.objects.filter(pk=old.pk).update(purged_at=DUE)

    report = purge_at(DUE + dt.timedelta(days=1))

    assert report.purged == [] and report.files_swept == 1
    assert parquet_files(old) == []


def test_purged_rows_cannot_be_read(two: tuple[Snapshot, Snapshot]) -> None:
    old, _new = two
    purge_at(DUE)
    old.refresh_from_db()

    with pytest.raises(RowsPurged):
        read_snapshot(old)


def test_the_snapshot_page_and_the_list_say_the_rows_were_purged(
    cast: Cast, two: tuple[Snapshot, Snapshot]
) -> None:
    old, new = two
    purge_at(DUE)
    client = signed_in(cast.analyst)
    slug = cast.partnership.slug

    purged = client.get(reverse("casedata:snapshot", args=[slug, old.pk])).content.decode()
    kept = client.get(reverse("casedata:snapshot", args=[slug, new.pk])).content.decode()
    listing = client.get(reverse("casedata:data-home", args=[slug])).content.decode()

    assert "Its rows were purged on 15 January 2023" in purged
    assert old.manifest["datasets"]["episodes"]["sha256"] in purged
    assert "rows were purged" not in kept
    assert listing.count("Rows purged") == 1


def test_the_records_behind_a_figure_say_they_were_purged(
    cast: Cast, two: tuple[Snapshot, Snapshot]
) -> None:
    old, _new = two
    client = signed_in(cast.analyst)
    slug = cast.partnership.slug
    # The newer extract gave the same figures, so the observations still cite the older.
    observation = Observation.objects.filter(snapshot=old).order_by("pk").first()
    assert observation is not None
    url = reverse("casedata:figure-records", args=[slug, observation.pk])
    before = client.get(url)

    purge_at(DUE)
    response = client.get(url)

    assert before.status_code == 200
    assert response.status_code == 410
    body = response.content.decode()
    assert "The records behind this figure were purged" in body
    assert "15 January 2023" in body
    assert reverse("casedata:snapshot", args=[slug, old.pk]) in body


def test_the_command_purges_and_reports(two: tuple[Snapshot, Snapshot]) -> None:
    old, _new = two
    out = StringIO()

    with time_machine.travel(DUE, tick=False):
        call_command("retention", "--dry-run", stdout=out)
        assert parquet_files(old) != []
        call_command("retention", stdout=out)

    assert "Would purge the rows of 1 snapshots" in out.getvalue()
    assert "Purged the rows of 1 snapshots" in out.getvalue()
    assert parquet_files(old) == []


def test_the_nightly_task_runs_once_a_night(two: tuple[Snapshot, Snapshot]) -> None:
    night = dt.datetime(2023, 1, 16, 2, 30, tzinfo=dt.UTC)
    with time_machine.travel(night, tick=False):
        first = retention_daily.call()
        second = retention_daily.call()

    assert first["purged"] == [two[0].pk]
    assert second == {"skipped": True}
    assert AuditEntry.objects.filter(verb=RUN_VERB).count() == 1


# The database worker takes its own transactions, so this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_the_worker_queues_and_runs_the_purge_at_night(cast: Cast, tmp_path: Path) -> None:
    old = loaded_at(cast, tmp_path, LOADED, "old")
    out = StringIO()

    with time_machine.travel(dt.datetime(2023, 1, 16, 1, 30, tzinfo=dt.UTC), tick=False):
        call_command("worker", "--once", stdout=out)
    before = Snapshot.objects.get(pk=old.pk).purged_at
    with time_machine.travel(dt.datetime(2023, 1, 16, 2, 5, tzinfo=dt.UTC), tick=False):
        call_command("worker", "--once", stdout=out)

    assert before is None
    assert "Queued the daily retention job." in out.getvalue()
    assert Snapshot.objects.get(pk=old.pk).purged_at is not None
    assert parquet_files(old) == []


def test_months_are_calendar_months() -> None:
    moment = dt.datetime(2024, 3, 31, 12, 0, tzinfo=dt.UTC)

    assert months_before(moment, 1) == dt.datetime(2024, 2, 29, 12, 0, tzinfo=dt.UTC)
    assert months_before(moment, 24) == dt.datetime(2022, 3, 31, 12, 0, tzinfo=dt.UTC)
    assert months_before(moment, 13) == dt.datetime(2023, 2, 28, 12, 0, tzinfo=dt.UTC)
