"""Writing to and checking the hash-chained audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from trellis.audit.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64
MAINTENANCE_SETTING = "trellis.audit_maintenance"


def _canonical(entry: AuditEntry) -> bytes:
    body = {
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "on_behalf_of": entry.on_behalf_of,
        "partnership_id": entry.partnership_id,
        "verb": entry.verb,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "changes": entry.changes,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


def entry_digest(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(prev_hash.encode() + _canonical(entry)).hexdigest()


def jsonable(value: Any) -> Any:
    """A value as it is stored in the log: dates as ISO text, records as their id."""
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def audit_append(
    *,
    actor: Any,
    verb: str,
    target: Model | None = None,
    object_type: str = "",
    object_id: str = "",
    partnership_id: int | None = None,
    changes: dict[str, Any] | None = None,
    on_behalf_of: str = "",
) -> AuditEntry:
    """Append one entry; must run inside the caller's transaction."""
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS}
        )
        entry = AuditEntry(
            at=timezone.now(),
            actor_id=getattr(actor, "pk", None),
            actor_label=getattr(actor, "email", "") or "system",
            on_behalf_of=on_behalf_of,
            partnership_id=partnership_id,
            verb=verb,
            object_type=object_type,
            object_id=object_id,
            changes={k: jsonable(v) for k, v in (changes or {}).items()},
            prev_hash=head.last_hash,
        )
        # Store the JSON as it will read back, so the digest is stable across databases.
        entry.changes = json.loads(json.dumps(entry.changes, default=str))
        entry.entry_hash = entry_digest(head.last_hash, entry)
        entry.save()
        head.last_hash = entry.entry_hash
        head.save(update_fields=["last_hash"])
    return entry


@contextmanager
def audit_maintenance() -> Iterator[None]:
    """Let the block UPDATE or DELETE audit entries, in one transaction.

    On PostgreSQL a trigger refuses both (migration audit 0002) unless the transaction has
    set `trellis.audit_maintenance`; this sets it for the block only (a rollback undoes it
    too). Only documented maintenance uses it: `trellis restore --replace`, and the tests
    and benchmark that play a superuser tampering with the log to show it is detected.
    SQLite has no trigger, so there it is only the transaction."""
    with transaction.atomic():
        if connection.vendor != "postgresql":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [MAINTENANCE_SETTING])
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, '', true)", [MAINTENANCE_SETTING])


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def audit_verify() -> ChainReport:
    """Walk the chain in order and name the first entry whose link does not hold."""
    prev = GENESIS
    checked = 0
    last_id = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return ChainReport(
                checked, entry.pk, "its previous hash does not match the entry before"
            )
        if entry_digest(prev, entry) != entry.entry_hash:
            return ChainReport(checked, entry.pk, "its content does not match its hash")
        prev, last_id = entry.entry_hash, entry.pk
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != prev:
        return ChainReport(checked, last_id + 1, "entries after it were removed from the end")
    return ChainReport(checked, None)
