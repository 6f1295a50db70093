"""Drawing an audit's sample from the pseudonymised case list of a snapshot.

The case list is every child whose registration (or care episode) overlaps the audit's
period, in pseudonym order, so the same snapshot always gives the same list. The draw is
`random.Random(seed).sample(list, size)`: with the snapshot and the seed recorded, anyone
can repeat it and get the same cases in the same order. Only pseudonyms are read; the
snapshot is always the audit's own partnership's."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from trellis.casedata.models import Snapshot
from trellis.casedata.services import snapshot_files
from trellis.errors import Invalid
from trellis.improvement.models import Scope

if TYPE_CHECKING:
    import pyarrow as pa  # imported where used (trellis/casedata/reading.py says why)

# Where each scope's cases are, and the columns of the span that must overlap the period.
SOURCES: dict[str, tuple[str, str, str]] = {
    Scope.CP: ("cp_registrations", "registration_date", "deregistration_date"),
    Scope.LAC: ("episodes", "episode_start", "episode_end"),
}
SEED_LIMIT = 2**53  # a seed anyone can write down and type back in


def new_seed() -> int:
    return secrets.randbelow(SEED_LIMIT)


def latest_snapshot(partnership_id: int) -> Snapshot | None:
    """The partnership's newest snapshot whose rows are still held."""
    return (
        Snapshot.objects.filter(partnership_id=partnership_id, purged_at__isnull=True)
        .exclude(status=Snapshot.Status.FAILED)
        .order_by("-uploaded_at", "-id")
        .first()
    )


def case_list(table: pa.Table, scope: str, start: dt.date, end: dt.date) -> list[str]:
    """Distinct pseudonyms whose span overlaps [start, end], sorted."""
    import pyarrow as pa
    import pyarrow.compute as pc

    _name, opened, closed = SOURCES[scope]
    began = pc.less_equal(table.column(opened), pa.scalar(end, pa.date32()))
    still_open = pc.is_null(table.column(closed))
    ended_after = pc.fill_null(
        pc.greater_equal(table.column(closed), pa.scalar(start, pa.date32())), False
    )
    mask = pc.and_(began, pc.or_(still_open, ended_after))
    ids = pc.unique(table.filter(mask).column("child_id")).to_pylist()
    return sorted(str(i) for i in ids)


def snapshot_cases(snapshot: Snapshot, scope: str, start: dt.date, end: dt.date) -> list[str]:
    """The case list of the snapshot's one dataset the scope needs (its checksum checked),
    reading only the three columns used."""
    import pyarrow.parquet as pq

    dataset, opened, closed = SOURCES[scope]
    files = snapshot_files(snapshot)
    if dataset not in files:
        message = _("The latest extract has no %(dataset)s to draw from.") % {"dataset": dataset}
        raise Invalid(message, {"seed": [message]})
    table = pq.read_table(files[dataset], columns=["child_id", opened, closed])
    return case_list(table, scope, start, end)


def draw(cases: list[str], size: int, seed: int) -> list[str]:
    """The sample, in the order drawn. A list smaller than the size is taken whole."""
    return random.Random(seed).sample(cases, min(size, len(cases)))  # noqa: S311 (not security)
