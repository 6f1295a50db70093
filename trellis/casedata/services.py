"""Loading a case-level extract: validate everything, pseudonymise, store an immutable
snapshot, then (in the background) compute the measure library and bring the partnership's
computed measures up to date.

Raw identifiers exist only in memory between reading and pseudonymising; what is written to
disk, to the database and to the log is pseudonymised or aggregate."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.accounts.models import Membership
from trellis.accounts.policy import Perm, require
from trellis.audit.services import audit_append
from trellis.casedata.models import Snapshot
from trellis.core.pseudonym import partnership_key, pseudonyms
from trellis.errors import Invalid
from trellis.progress.filetypes import UploadRefused, scan

if TYPE_CHECKING:
    # Imported where used instead: Arrow is about 50 MB of a web worker's memory, and most
    # requests never touch case-level rows (docs/reliability.md, worker memory).
    import pyarrow as pa

DEFINITIONS_VERSION = "1"


class ExtractInvalid(Invalid):
    """The extract breaks the contract; `problems` lists every error (and the warnings)."""

    def __init__(self, errors: list[Any], warnings: list[Any]) -> None:
        super().__init__(
            _("The extract has %(count)d errors; nothing was stored.") % {"count": len(errors)}
        )
        self.problems = errors
        self.warnings = warnings
        self.conversion: Any = None  # set by a caller that converted the extract first


class RowsPurged(Invalid):
    """The snapshot's rows were deleted under the retention period (its figures stay)."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__(_("The rows of this extract were purged under the retention period."))
        self.snapshot = snapshot


def snapshots_root() -> Path:
    return Path(settings.DATA_DIR) / "snapshots"


def snapshot_folder(snapshot: Snapshot) -> Path:
    return snapshots_root() / snapshot.folder


def snapshot_create(
    *,
    membership: Membership,
    source: Path,
    source_name: str,
    extract_date: dt.date,
    covers_from: dt.date | None = None,
    conversion: dict[str, object] | None = None,
) -> Snapshot:
    """Validate the extract at `source` and, when it has no error, keep it as a snapshot
    and queue the computation of the partnership's measures. `covers_from` is the first day
    the extract is complete from (default: its earliest event, at most 10 years back);
    `conversion` what converting it from another layout did, kept in the manifest.
    Raises ExtractInvalid."""
    from trellis.casedata.validation import read_extract

    require(membership, Perm.LOAD_DATA)
    result = read_extract(source, extract_date=extract_date)
    if result.errors or result.tables is None:
        raise ExtractInvalid(result.errors, result.warnings)
    if covers_from is not None and covers_from > extract_date:
        message = _("The extract cannot be complete from a day after it was taken.")
        raise Invalid(message, {"covers_from": [message]})
    key = partnership_key(settings.TRELLIS_PSEUDONYM_SECRET, membership.partnership.slug)
    tables = {name: pseudonymised(table, key) for name, table in result.tables.items()}
    try:
        return _store_snapshot(
            membership, tables, result, source_name, extract_date, covers_from, conversion
        )
    except _SameExtract as same:
        return snapshot_retry(same.snapshot)


class _SameExtract(Exception):
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot


def _store_snapshot(
    membership: Membership,
    tables: dict[str, pa.Table],
    result: Any,
    source_name: str,
    extract_date: dt.date,
    covers_from: dt.date | None,
    conversion: dict[str, object] | None,
) -> Snapshot:
    """The new snapshot's row and files, or _SameExtract (nothing kept) when the same
    extract is stored already."""
    with transaction.atomic():
        snapshot = Snapshot.objects.create(
            partnership=membership.partnership,
            uploaded_by=membership.person,
            extract_date=extract_date,
            covers_from=covers_from or first_event(result.tables, extract_date),
            source_name=Path(source_name).name[:200],
        )
        folder = snapshot_folder(snapshot)
        try:
            datasets = write_parquet(folder, tables)
            snapshot.fingerprint = _fingerprint(datasets, snapshot)
            earlier = (
                Snapshot.objects.select_for_update()
                .filter(partnership=snapshot.partnership, fingerprint=snapshot.fingerprint)
                .filter(purged_at=None)
                .first()
            )
            if earlier is not None:
                raise _SameExtract(earlier)
            snapshot.manifest = {
                "datasets": datasets,
                "warnings": len(result.warnings),
                "definitions": DEFINITIONS_VERSION,
            } | ({"conversion": conversion} if conversion else {})
            snapshot.save(update_fields=["manifest", "fingerprint"])
            _write_manifest(folder, snapshot)
            _audit_load(membership, snapshot)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)  # the rows go with the failed save
            raise
        transaction.on_commit(lambda: _queue_compute(snapshot.pk))
    return snapshot


def _fingerprint(datasets: Mapping[str, Mapping[str, Any]], snapshot: Snapshot) -> str:
    """What makes two loads the same extract: the pseudonymised files (Parquet output is
    deterministic for the same rows) and the dates the figures are computed over."""
    parts = {
        "files": {name: entry["sha256"] for name, entry in sorted(datasets.items())},
        "extract_date": snapshot.extract_date.isoformat(),
        "covers_from": snapshot.covers_from.isoformat(),
        "definitions": DEFINITIONS_VERSION,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def snapshot_retry(snapshot: Snapshot) -> Snapshot:
    """The same extract was loaded again: keep the one snapshot. A computation that failed
    (or died: its lease ran out) is queued again; one computed or still running is left."""
    snapshots_fail_abandoned()
    with transaction.atomic():
        retried = Snapshot.objects.filter(pk=snapshot.pk, status=Snapshot.Status.FAILED).update(
            status=Snapshot.Status.COMPUTING, progress=0, failure="", lease_until=None
        )
        if retried:
            transaction.on_commit(lambda: _queue_compute(snapshot.pk))
    snapshot.refresh_from_db()
    return snapshot


def snapshots_fail_abandoned() -> int:
    """Mark as failed every computation whose holder stopped renewing its lease (its
    process died), so the page says so and a retry may start it again."""
    return Snapshot.objects.filter(
        status=Snapshot.Status.COMPUTING, lease_until__lt=timezone.now()
    ).update(status=Snapshot.Status.FAILED, failure="abandoned", lease_until=None)


def _write_manifest(folder: Path, snapshot: Snapshot) -> None:
    """The snapshot describes itself beside its files, for a backup or an auditor."""
    manifest = {
        "partnership": snapshot.partnership.slug,
        "uploaded_by": snapshot.uploaded_by.email,
        "uploaded_at": snapshot.uploaded_at.isoformat(),
        "extract_date": snapshot.extract_date.isoformat(),
        "covers_from": snapshot.covers_from.isoformat(),
        "source_name": snapshot.source_name,
        **snapshot.manifest,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def pseudonymised(table: pa.Table, key: bytes) -> pa.Table:
    """The table with child_id replaced by the partnership's pseudonym."""
    import pyarrow as pa

    if "child_id" not in table.column_names:
        return table
    column = pa.array(pseudonyms(key, table.column("child_id").to_pylist()), pa.string())
    return table.set_column(table.column_names.index("child_id"), "child_id", column)


def write_parquet(folder: Path, tables: Mapping[str, pa.Table]) -> dict[str, dict[str, Any]]:
    """One Parquet file per dataset; returns each file's row count and SHA-256."""
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=False)
    written = {}
    for name, table in sorted(tables.items()):
        path = folder / f"{name}.parquet"
        pq.write_table(table, path)
        written[name] = {"file": path.name, "rows": table.num_rows, "sha256": _sha256(path)}
    return written


def snapshot_files(snapshot: Snapshot) -> dict[str, Path]:
    """The snapshot's Parquet file of each dataset, each checked against the checksum in
    its manifest (the measure engine reads them in place). RowsPurged once retention has
    deleted them."""
    if snapshot.purged_at is not None:
        raise RowsPurged(snapshot)
    folder = snapshot_folder(snapshot)
    files = {}
    for name, entry in snapshot.manifest.get("datasets", {}).items():
        path = folder / entry["file"]
        if _sha256(path) != entry["sha256"]:
            raise Invalid(_("The stored file %(file)s has changed.") % {"file": entry["file"]})
        files[name] = path
    return files


def read_snapshot(snapshot: Snapshot) -> dict[str, pa.Table]:
    """The snapshot's tables, checked as `snapshot_files` does, read into memory."""
    import pyarrow.parquet as pq

    return {name: pq.read_table(path) for name, path in snapshot_files(snapshot).items()}


# Dates that say when something happened (not a birthday, which predates any record).
EVENT_COLUMNS = frozenset(
    {
        "episode_start",
        "accommodated_date",
        "registration_date",
        "contact_date",
        "service_start",
        "review_date",
        "date_left_care",
    }
)
LOOK_BACK_YEARS = 10


def first_event(tables: Mapping[str, pa.Table], extract_date: dt.date) -> dt.date:
    """The earliest event in the extract, but no more than 10 years before it was taken."""
    import pyarrow.compute as pc

    earliest = extract_date.replace(year=extract_date.year - LOOK_BACK_YEARS, day=1)
    found = [
        pc.min(table.column(name)).as_py()
        for table in tables.values()
        for name in table.column_names
        if name in EVENT_COLUMNS
    ]
    return max([earliest, min([d for d in found if d is not None], default=extract_date)])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _audit_load(membership: Membership, snapshot: Snapshot) -> None:
    audit_append(
        actor=membership.person,
        verb="casedata.load",
        target=snapshot,
        partnership_id=membership.partnership_id,
        changes={
            "extract_date": snapshot.extract_date.isoformat(),
            "source_name": snapshot.source_name,
            "rows": {k: v["rows"] for k, v in snapshot.manifest["datasets"].items()},
        },
    )


def extract_scan(*, membership: Membership, upload: Any, name: str) -> None:
    """Pass an uploaded extract through the malware scanner that evidence files pass,
    before anything reads it. Fails closed: a scanner that cannot tell refuses the upload
    (ScannerUnavailable, 503) as a harmful file does (UploadRefused); both are audited,
    with the file's name and size, never its content."""
    require(membership, Perm.LOAD_DATA)
    try:
        scan(upload)
    except UploadRefused as refused:
        audit_append(
            actor=membership.person,
            verb="casedata.refuse",
            object_type="casedata.extract",
            partnership_id=membership.partnership_id,
            changes={
                "reason": refused.reason,
                "file_name": name,
                "size": getattr(upload, "size", 0),
            },
        )
        raise


def _queue_compute(snapshot_id: int) -> None:
    from trellis.casedata.tasks import snapshot_compute

    snapshot_compute.enqueue(snapshot_id)


def records_for_figure(
    *, membership: Membership, observation_pk: int
) -> tuple[str, pa.Table] | None:
    """The records behind a computed measure's figure, as a file name and a table, or None
    when the figure is not the partnership's or not computed. Audited: who read which.
    Raises RowsPurged when the snapshot's rows are gone (retention)."""
    from trellis.casedata.compute.records import records_behind
    from trellis.casedata.models import ComputedFigure
    from trellis.measures.models import Observation

    require(membership, Perm.LOAD_DATA)
    observation = (
        Observation.objects.filter(partnership_id=membership.partnership_id, pk=observation_pk)
        .exclude(snapshot=None)
        .select_related("measure", "snapshot")
        .first()
    )
    if observation is None or observation.snapshot is None:
        return None
    measure, snapshot = observation.measure, observation.snapshot
    figure = ComputedFigure.objects.filter(
        snapshot=snapshot,
        measure=measure.definition,
        period_end=observation.period_ends,
        group=measure.definition_group,
    ).first()
    if figure is None:
        return None
    group = dict([measure.definition_group.split("=", 1)]) if measure.definition_group else None
    table = records_behind(
        read_snapshot(snapshot),
        measure=figure.measure,
        period_start=figure.period_start,
        period_end=figure.period_end,
        breakdown=group,
        extract_date=snapshot.extract_date,
    )
    audit_append(
        actor=membership.person,
        verb="casedata.records",
        target=snapshot,
        partnership_id=membership.partnership_id,
        changes={"measure": figure.measure, "period_end": figure.period_end.isoformat()},
    )
    return f"{figure.measure}-{figure.period_end.isoformat()}-records.csv", table
