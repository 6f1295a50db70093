"""`trellis backup`: everything of one partnership into one archive (trellis/backup/archive.py)."""

from __future__ import annotations

import getpass
import hmac
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import serializers
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from trellis.accounts.models import Partnership
from trellis.audit.services import audit_append
from trellis.backup import chain, scope
from trellis.backup.archive import Writer, json_line
from trellis.backup.files import file_sets

BATCH = 2000


@dataclass(frozen=True)
class BackupResult:
    path: Path
    sha256: str
    rows: int
    files: int
    audit_entries: int
    missing_files: list[str]


def key_fingerprints() -> dict[str, str]:
    """Short keyed digests of the secrets the data depends on (two-step secrets are sealed
    with SECRET_KEY; pseudonyms come from TRELLIS_PSEUDONYM_SECRET), so a restore can say
    when the target's differ, without the archive revealing them."""
    return {
        name: hmac.new(value.encode(), b"trellis backup key check", "sha256").hexdigest()[:16]
        for name, value in (
            ("SECRET_KEY", settings.SECRET_KEY),
            ("TRELLIS_PSEUDONYM_SECRET", settings.TRELLIS_PSEUDONYM_SECRET),
        )
    }


def applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def local_field_names(model: type[models.Model]) -> list[str]:
    """Concrete fields but the key: many-to-many links travel as their own through rows."""
    return [f.name for f in model._meta.local_concrete_fields if not f.primary_key]


def _record_lines(queryset: Any) -> Iterator[bytes]:
    """Rows as JSON lines, serialised a batch at a time (Django's serialiser keeps every
    row it is given in memory)."""
    fields = local_field_names(queryset.model)
    batch: list[models.Model] = []
    for obj in queryset.iterator(chunk_size=BATCH):
        batch.append(obj)
        if len(batch) == BATCH:
            yield from _serialised(batch, fields)
            batch = []
    yield from _serialised(batch, fields)


def _serialised(batch: list[models.Model], fields: list[str]) -> Iterator[bytes]:
    for row in serializers.serialize("python", batch, fields=fields):
        yield json_line({"pk": row["pk"], "fields": row["fields"]})


def make_backup(out: Path, partnership: Partnership) -> BackupResult:
    """Audit the backup first, then read everything in one consistent snapshot, so the
    archive holds its own `backup.created` entry and no half-finished change."""
    audit_append(
        actor=None,
        verb="backup.created",
        target=partnership,
        partnership_id=partnership.pk,
        changes={"file": out.name, "operator": operator()},
    )
    writer = Writer(out)
    # Inside an outer transaction (a test's) the isolation level can no longer be set.
    outer = connection.in_atomic_block
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql" and not outer:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            manifest = _write_contents(writer, partnership)
        sha256 = writer.finish(manifest)
    except BaseException:
        writer.abandon()
        raise
    return BackupResult(
        path=out,
        sha256=sha256,
        rows=sum(m["rows"] for m in manifest["models"]),
        files=len(manifest["files"]),
        audit_entries=manifest["audit"]["entries"],
        missing_files=manifest["missing_files"],
    )


def _write_contents(writer: Writer, partnership: Partnership) -> dict[str, Any]:
    found = scope.discover()
    people = scope.people_of(found, partnership)
    listed = []
    for entry in found.models:
        rows = scope.rows_for(entry, partnership, people)
        name = f"records/{entry.label}.jsonl"
        count = 0

        def counted(lines: Iterator[bytes]) -> Iterator[bytes]:
            nonlocal count
            for line in lines:
                count += 1
                yield line

        writer.add_chunks(name, counted(_record_lines(rows)))
        listed.append({"model": entry.label, "member": name, "rows": count})

    from trellis.audit.models import AuditEntry

    last_id = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    segment = chain.export_segment(partnership.pk, last_id)
    writer.add_chunks("audit/entries.jsonl", chain.encode(segment.entries))
    writer.add_chunks("audit/links.jsonl", chain.encode(segment.links))

    files, missing = [], []
    for file_set in file_sets():
        root = file_set.root()
        for relative, exists in file_set.relative_paths(partnership.pk):
            if not exists:
                missing.append(f"{file_set.name}/{relative}")
                continue
            member = f"files/{file_set.name}/{relative}"
            writer.add_file(member, root / relative)
            files.append(member)
    return {
        "created_at": timezone.now(),
        "partnership": {"id": partnership.pk, "slug": partnership.slug, "name": partnership.name},
        "source": {"database": connection.vendor, "host": socket.gethostname()},
        "migrations": applied_migrations(),
        "keys": key_fingerprints(),
        "models": listed,
        "left_out": sorted(found.left_out),
        "audit": {
            "entries": len(segment.entries),
            "links": len(segment.links),
            "head": segment.head,
        },
        "files": files,
        "missing_files": missing,
    }


def operator() -> str:
    try:
        return f"{getpass.getuser()}@{socket.gethostname()}"
    except (KeyError, OSError):
        return f"unknown@{socket.gethostname()}"
