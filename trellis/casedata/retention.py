"""Retention of case-level rows: a snapshot's pseudonymised rows (its Parquet files) are
deleted TRELLIS_CASE_ROWS_RETENTION_MONTHS after the extract was loaded.

What stays, so every figure still says where it came from: the snapshot's record with its
manifest (datasets, row counts, SHA-256 of each file that was), the manifest.json beside
where the files were, every computed figure and the observations taken from them. Pseudonymised
rows are still personal data (ICO), and Trellis is not the case record: the councils' own
systems keep that for its statutory period.

The nightly job runs in `trellis worker` (`retention_due`, `retention_daily`), and
`trellis retention` runs it by hand. Each purged snapshot is one audit entry; each run is one
more (with its counts), which is also how a second worker knows the night's run happened.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from trellis.audit.models import AuditEntry
from trellis.audit.services import audit_append
from trellis.casedata.models import Snapshot
from trellis.casedata.services import snapshot_folder
from trellis.security_log import security_event

logger = logging.getLogger("trellis.casedata.retention")
PURGE_VERB = "casedata.purge"
RUN_VERB = "casedata.retention-run"
RUN_HOUR = 2  # local time: the night's run, away from the working day and the reminders


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` calendar months earlier (the month's last day when
    that month is shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (following - dt.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def cutoff(now: dt.datetime | None = None) -> dt.datetime | None:
    """Rows loaded before this are due for purging; None when retention is switched off."""
    months = settings.TRELLIS_CASE_ROWS_RETENTION_MONTHS
    if months <= 0:
        return None
    return months_before(now or timezone.now(), months)


def expired(now: dt.datetime | None = None) -> Any:
    """The snapshots whose rows are past the retention period and still held."""
    before = cutoff(now)
    if before is None:
        return Snapshot.objects.none()
    return Snapshot.objects.filter(uploaded_at__lt=before, purged_at=None).order_by("pk")


def _row_files(snapshot: Snapshot) -> list[Path]:
    folder = snapshot_folder(snapshot)
    return [folder / entry["file"] for entry in snapshot.manifest.get("datasets", {}).values()]


def _delete_rows(snapshot: Snapshot) -> int:
    """Delete the snapshot's Parquet files (only those its manifest names) and note the
    purge in the manifest.json beside them. Returns how many files were deleted."""
    deleted = 0
    for path in _row_files(snapshot):
        if path.exists():
            path.unlink()
            deleted += 1
    manifest = snapshot_folder(snapshot) / "manifest.json"
    if manifest.exists() and snapshot.purged_at is not None:
        described = json.loads(manifest.read_text(encoding="utf-8"))
        described["rows_purged_at"] = snapshot.purged_at.isoformat()
        manifest.write_text(json.dumps(described, indent=2), encoding="utf-8")
    return deleted


def snapshot_purge(snapshot: Snapshot, *, months: int) -> bool:
    """Purge one snapshot's rows: record it (and audit it) first, then delete the files, so
    a crash between the two leaves files that the next run deletes, never a purge that is
    not on record. False when another run purged it first."""
    with transaction.atomic():
        locked = Snapshot.objects.select_for_update().filter(pk=snapshot.pk, purged_at=None)
        now = timezone.now()
        if not locked.update(purged_at=now):
            return False
        datasets = snapshot.manifest.get("datasets", {})
        audit_append(
            actor=None,
            verb=PURGE_VERB,
            target=snapshot,
            partnership_id=snapshot.partnership_id,
            changes={
                "extract_date": snapshot.extract_date,
                "uploaded_at": snapshot.uploaded_at,
                "rows": {name: entry["rows"] for name, entry in sorted(datasets.items())},
                "retention_months": months,
            },
        )
    snapshot.purged_at = now
    _delete_rows(snapshot)
    security_event(
        None,
        "retention.purge",
        "success",
        partnership=snapshot.partnership.slug,
        snapshot=snapshot.pk,
        rows=sum(int(entry.get("rows", 0)) for entry in datasets.values()),
    )
    return True


@dataclass
class RetentionReport:
    purged: list[int] = field(default_factory=list)  # snapshot ids
    files_swept: int = 0  # files of earlier purges found still on disk and deleted
    skipped: bool = False  # another worker ran tonight already


def retention_purge(*, now: dt.datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """Purge every expired snapshot's rows, and finish any purge a crash interrupted."""
    report = RetentionReport()
    months = settings.TRELLIS_CASE_ROWS_RETENTION_MONTHS
    due = list(expired(now))
    if dry_run:
        report.purged = [s.pk for s in due]
        return report
    for snapshot in due:
        if snapshot_purge(snapshot, months=months):
            report.purged.append(snapshot.pk)
    for snapshot in Snapshot.objects.exclude(purged_at=None).exclude(pk__in=report.purged):
        report.files_swept += _delete_rows(snapshot) if _leftovers(snapshot) else 0
    audit_append(
        actor=None,
        verb=RUN_VERB,
        changes={
            "purged": len(report.purged),
            "files_swept": report.files_swept,
            "retention_months": months,
        },
    )
    logger.info(
        "retention: purged the rows of %d snapshots, swept %d files",
        len(report.purged),
        report.files_swept,
    )
    return report


def _leftovers(snapshot: Snapshot) -> bool:
    return any(path.exists() for path in _row_files(snapshot))


# The nightly job, queued by `trellis worker`.


def run_time(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return local.replace(hour=RUN_HOUR, minute=0, second=0, microsecond=0)


def retention_due(now: dt.datetime) -> bool:
    """Past tonight's run time, with no run recorded since."""
    start = run_time(now)
    return now >= start and not AuditEntry.objects.filter(verb=RUN_VERB, at__gte=start).exists()


@task()
def retention_daily() -> dict[str, Any]:
    """Tonight's purge. Two workers may both queue it: a run that starts after another has
    finished does nothing, and two racing runs never purge (or audit) a snapshot twice."""
    if not retention_due(timezone.now()):
        return {"skipped": True}
    report = retention_purge()
    return {"purged": report.purged, "files_swept": report.files_swept}


RETENTION_JOB = ("retention", retention_due, retention_daily)
