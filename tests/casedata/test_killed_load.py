"""A load killed while its measures were computed (F4): the computation's lease runs out
and it shows as failed; loading the same extract again retries that snapshot instead of
storing a second one, and the retry computes it without duplicating anything."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from tests.casedata.test_load import EPISODES, load, write
from tests.conftest import Cast
from trellis.casedata.models import ComputedFigure, Snapshot
from trellis.casedata.services import snapshots_fail_abandoned
from trellis.casedata.tasks import LEASE, compute_leased, snapshot_claim
from trellis.measures.models import Observation, ObservationRevision


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path / "data"


def killed_while_computing(cast: Cast, tmp_path: Path) -> Snapshot:
    """A snapshot whose computing process took the lease, then died without a word."""
    snapshot = load(cast, write(tmp_path / "extract"))
    assert snapshot_claim(snapshot)
    return snapshot


def test_a_computation_whose_lease_ran_out_shows_as_failed(cast: Cast, tmp_path: Path) -> None:
    snapshot = killed_while_computing(cast, tmp_path)
    with time_machine.travel(timezone.now() + LEASE + dt.timedelta(seconds=1)):
        assert snapshots_fail_abandoned() == 1
    snapshot.refresh_from_db()
    assert snapshot.status == Snapshot.Status.FAILED
    assert snapshot.failure == "abandoned"


def test_a_computation_still_renewing_its_lease_is_left_alone(cast: Cast, tmp_path: Path) -> None:
    snapshot = killed_while_computing(cast, tmp_path)
    assert snapshots_fail_abandoned() == 0
    assert not snapshot_claim(snapshot)  # a second process may not compute it meanwhile
    snapshot.refresh_from_db()
    assert snapshot.status == Snapshot.Status.COMPUTING


def test_a_queued_computation_nobody_took_yet_is_not_failed(cast: Cast, tmp_path: Path) -> None:
    snapshot = load(cast, write(tmp_path / "extract"))
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        assert snapshots_fail_abandoned() == 0
    snapshot.refresh_from_db()
    assert snapshot.status == Snapshot.Status.COMPUTING


def test_retrying_a_killed_load_reuses_its_snapshot_and_duplicates_nothing(
    cast: Cast, tmp_path: Path
) -> None:
    first = killed_while_computing(cast, tmp_path)
    with time_machine.travel(timezone.now() + LEASE + dt.timedelta(seconds=1)):
        again = load(cast, write(tmp_path / "again"))
        figures = compute_leased(again)

    assert again.pk == first.pk
    assert Snapshot.objects.count() == 1
    again.refresh_from_db()
    assert again.status == Snapshot.Status.COMPUTED and figures
    assert ComputedFigure.objects.filter(snapshot=again).count() == figures
    stored = Path(tmp_path / "data" / "snapshots" / str(cast.partnership.pk))
    assert [p.name for p in stored.iterdir()] == [again.key]  # one folder, the kept one
    observations = Observation.objects.count()
    revisions = ObservationRevision.objects.count()
    assert load(cast, write(tmp_path / "third")).pk == first.pk  # computed: nothing redone
    assert compute_leased(again) is None
    assert (Observation.objects.count(), ObservationRevision.objects.count()) == (
        observations,
        revisions,
    )


def test_a_different_extract_is_its_own_snapshot(cast: Cast, tmp_path: Path) -> None:
    first = load(cast, write(tmp_path / "one"))
    extra = "SECRETID004,2011-03-03,F,2020-01-05,,foster,in_area\n"
    second = load(cast, write(tmp_path / "two", EPISODES + extra))
    assert first.pk != second.pk
    assert Snapshot.objects.count() == 2


def test_a_failed_computation_marks_the_snapshot_failed_and_frees_the_lease(
    cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = load(cast, write(tmp_path / "extract"))

    def broken(_: Snapshot) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr("trellis.casedata.tasks.compute_into", broken)
    with pytest.raises(RuntimeError):
        compute_leased(snapshot)
    snapshot.refresh_from_db()
    assert snapshot.status == Snapshot.Status.FAILED and snapshot.lease_until is None
