"""The background half of loading an extract: compute the measure library over the new
snapshot, keep every figure, and bring the partnership's computed measures up to date.
Run by `trellis worker`; the upload page shows its progress."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from trellis.audit.services import audit_append
from trellis.casedata.library import PERCENTAGE_POINTS, library_ensure
from trellis.casedata.models import ComputedFigure, Snapshot
from trellis.casedata.services import DEFINITIONS_VERSION, snapshot_files
from trellis.measures.models import Kind, Measure, Observation, ObservationRevision, Source

BATCH = 5000


# A computation renews its lease every RENEW seconds; one not renewed for LEASE seconds
# is taken to have died (trellis.casedata.services.snapshots_fail_abandoned).
LEASE = dt.timedelta(seconds=60)
RENEW = 15.0


@task()
def snapshot_compute(snapshot_id: int) -> dict[str, Any]:
    snapshot = Snapshot.objects.select_related("partnership").get(pk=snapshot_id)
    return {"figures": compute_leased(snapshot)}


def snapshot_claim(snapshot: Snapshot) -> bool:
    """Take the lease of a computation nobody (alive) holds: False when it is computed,
    failed, or another process is computing it."""
    now = timezone.now()
    return bool(
        Snapshot.objects.filter(pk=snapshot.pk, status=Snapshot.Status.COMPUTING)
        .filter(Q(lease_until=None) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE)
    )


def compute_leased(snapshot: Snapshot) -> int | None:
    """compute_into under the snapshot's lease, renewed from a thread while it runs; the
    number of figures, or None when another process holds it or it is done already. A
    failure marks the snapshot failed."""
    if not snapshot_claim(snapshot):
        return None
    stop = threading.Event()
    renewer = threading.Thread(target=_renew, args=(snapshot.pk, stop), daemon=True)
    renewer.start()
    try:
        return compute_into(snapshot)
    except Exception as exc:
        Snapshot.objects.filter(pk=snapshot.pk).update(
            status=Snapshot.Status.FAILED, failure=type(exc).__name__, lease_until=None
        )
        raise
    finally:
        stop.set()
        renewer.join()


def _renew(snapshot_pk: int, stop: threading.Event) -> None:
    try:
        while not stop.wait(RENEW):
            Snapshot.objects.filter(pk=snapshot_pk, status=Snapshot.Status.COMPUTING).update(
                lease_until=timezone.now() + LEASE
            )
    finally:
        connection.close()  # this thread's own connection


def _progress(snapshot: Snapshot, percent: int) -> None:
    Snapshot.objects.filter(pk=snapshot.pk).update(progress=percent)


def compute_into(snapshot: Snapshot) -> int:
    """Compute every built-in measure for every period the snapshot covers; store the
    figures and update the computed measures. Returns the number of figures."""
    from trellis.casedata.compute import compute_measures

    files = snapshot_files(snapshot)
    _progress(snapshot, 10)
    rows = compute_measures(
        files,
        extract_date=snapshot.extract_date,
        start=snapshot.covers_from,
        end=snapshot.extract_date,
    )
    _progress(snapshot, 70)
    figures = [_figure(snapshot, row) for row in rows]
    with transaction.atomic():
        ComputedFigure.objects.filter(snapshot=snapshot).delete()  # a rerun replaces its own
        ComputedFigure.objects.bulk_create(figures, batch_size=BATCH)
        _progress(snapshot, 90)
        created = library_ensure(snapshot.partnership)
        updated = measures_apply(snapshot)
        Snapshot.objects.filter(pk=snapshot.pk).update(
            status=Snapshot.Status.COMPUTED, progress=100
        )
        audit_append(
            actor=None,
            verb="casedata.compute",
            target=snapshot,
            partnership_id=snapshot.partnership_id,
            changes={
                "figures": len(figures),
                "measures_created": created,
                "observations_changed": updated,
            },
        )
    return len(figures)


def _group(breakdown: dict[str, str] | None) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((breakdown or {}).items()))


def _figure(snapshot: Snapshot, row: Any) -> ComputedFigure:
    return ComputedFigure(
        snapshot=snapshot,
        measure=row.measure,
        period_start=row.period_start,
        period_end=row.period_end,
        group=_group(row.breakdown),
        numerator=row.numerator,
        denominator=row.denominator,
        value=row.value,
        provisional=row.provisional,
        definition=f"{row.measure}@{DEFINITIONS_VERSION}",
    )


def measures_apply(snapshot: Snapshot) -> int:
    """Each computed measure of the partnership takes its figures from this snapshot:
    one observation per period, changed only where the figure changed, each change kept."""
    measures = Measure.objects.filter(
        partnership_id=snapshot.partnership_id, source=Source.COMPUTED
    ).exclude(definition="")
    updated = 0
    for measure in measures:
        figures = ComputedFigure.objects.filter(
            snapshot=snapshot, measure=measure.definition, group=measure.definition_group
        )
        for figure in figures:
            updated += _observe(measure, snapshot, figure)
    return updated


def _observe(measure: Measure, snapshot: Snapshot, figure: ComputedFigure) -> int:
    # Shares are stored as fractions and shown as percentages (or, for a difference of
    # two shares, percentage points).
    share = measure.kind == Kind.PERCENTAGE and figure.denominator is not None
    scale = 100 if share or measure.unit == PERCENTAGE_POINTS else 1
    fields = {
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "value": None if figure.value is None else figure.value * scale,
        "provisional": figure.provisional,
        "source": "case-level data",
        "snapshot": snapshot,
        "definition": figure.definition,
    }
    found = Observation.objects.filter(measure=measure, period_ends=figure.period_end).first()
    if found and all(getattr(found, k) == v for k, v in fields.items() if k != "snapshot"):
        return 0
    if found is None:
        found = Observation.objects.create(
            partnership_id=measure.partnership_id,
            measure=measure,
            period_ends=figure.period_end,
            **fields,
        )
    else:
        for name, value in fields.items():
            setattr(found, name, value)
        found.version += 1
        found.save()
    ObservationRevision.objects.create(
        observation=found,
        version=found.version,
        numerator=found.numerator,
        denominator=found.denominator,
        value=found.value,
        note=f"{snapshot.source_name}, extract of {snapshot.extract_date:%d %B %Y}",
        provisional=found.provisional,
        by=None,
        at=timezone.now(),
    )
    return 1
