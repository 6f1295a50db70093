"""The partnership's part of the audit chain, taken out of one instance and into another.

The chain is one per instance: a partnership's entries are interleaved with other
partnerships' and with account events. A backup carries the partnership's entries in full
and, for every other entry between its first entry and the chain's head, only the link
(id, previous hash, own hash) — nothing of what another partnership did. Restore checks
each entry's own hash and that the links run unbroken to the recorded head, so an entry
changed, removed or reordered in the archive is found before anything is loaded.

In the empty instance the entries are linked again from the start of a new chain (their
content, ids and times unchanged), because the other entries are not there to link
through; the `backup.restored` entry records the source chain's head, so the new chain
can be tied back to the old one through the archive.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.dateparse import parse_datetime

from trellis.audit.models import AuditEntry
from trellis.audit.services import GENESIS, entry_digest
from trellis.backup.archive import json_line

CONTENT_FIELDS = (
    "at",
    "actor_id",
    "actor_label",
    "on_behalf_of",
    "partnership_id",
    "verb",
    "object_type",
    "object_id",
    "changes",
)


class ChainBroken(Exception):
    """The audit entries in a backup do not verify."""


@dataclass(frozen=True)
class Segment:
    entries: list[dict[str, Any]]
    links: list[list[Any]]  # [id, prev_hash, entry_hash] of other entries
    head: str


def export_segment(partnership_id: int, up_to: int | None) -> Segment:
    """The partnership's entries and the links between them, up to entry `up_to`."""
    own = AuditEntry.objects.filter(partnership_id=partnership_id).order_by("id")
    if up_to is not None:
        own = own.filter(id__lte=up_to)
    entries = [_as_row(e) for e in own]
    if not entries:
        return Segment([], [], "")
    others = (
        AuditEntry.objects.filter(id__gt=entries[0]["id"])
        .exclude(partnership_id=partnership_id)
        .order_by("id")
    )
    if up_to is not None:
        others = others.filter(id__lte=up_to)
    links = [list(t) for t in others.values_list("id", "prev_hash", "entry_hash")]
    last = max(entries[-1]["id"], links[-1][0] if links else 0)
    head = entries[-1]["entry_hash"] if last == entries[-1]["id"] else links[-1][2]
    return Segment(entries, links, str(head))


def _as_row(entry: AuditEntry) -> dict[str, Any]:
    row = {name: getattr(entry, name) for name in CONTENT_FIELDS}
    row.update(id=entry.pk, prev_hash=entry.prev_hash, entry_hash=entry.entry_hash)
    return row


def encode(rows: Iterable[Any]) -> Iterator[bytes]:
    for row in rows:
        yield json_line(row)


def decode_entry(row: dict[str, Any]) -> AuditEntry:
    at = parse_datetime(row["at"]) if isinstance(row["at"], str) else None
    if at is None:
        raise ChainBroken(f"Audit entry #{row.get('id')} has no valid time.")
    fields = {name: row[name] for name in CONTENT_FIELDS if name != "at"}
    return AuditEntry(
        pk=row["id"], at=at, prev_hash=row["prev_hash"], entry_hash=row["entry_hash"], **fields
    )


def verify_segment(entries: list[AuditEntry], links: list[list[Any]], head: str) -> None:
    """Raise ChainBroken naming the first entry whose hash or link does not hold."""
    if not entries:
        if links or head:
            raise ChainBroken("The backup has audit links but no audit entries.")
        return
    for entry in entries:
        if entry_digest(entry.prev_hash, entry) != entry.entry_hash:
            raise ChainBroken(f"Audit entry #{entry.pk}: its content does not match its hash.")
    chain = sorted(
        [(e.pk, e.prev_hash, e.entry_hash) for e in entries]
        + [(int(i), str(p), str(h)) for i, p, h in links]
    )
    if len({row[0] for row in chain}) != len(chain):
        raise ChainBroken("The backup's audit entries repeat an id.")
    for before, after in itertools.pairwise(chain):
        if after[1] != before[2]:
            raise ChainBroken(
                f"Audit entry #{after[0]}: its previous hash does not match entry #{before[0]}."
            )
    if chain[0][0] != entries[0].pk:
        raise ChainBroken("The backup's audit links start before its first entry.")
    if chain[-1][2] != head:
        raise ChainBroken("The backup's audit chain does not end at its recorded head.")


def relink(entries: list[AuditEntry]) -> str:
    """Link the entries (in id order) into a new chain from its start; the new head."""
    prev = GENESIS
    for entry in sorted(entries, key=lambda e: e.pk):
        entry.prev_hash = prev
        entry.entry_hash = entry_digest(prev, entry)
        prev = entry.entry_hash
    return prev
