"""`trellis restore`: load a backup into an empty instance, all or nothing.

Order of work, so a damaged backup changes nothing: check the whole archive (every
checksum, the schema version, the audit chain), then copy its files to a staging folder,
then load every row in one transaction with the original keys, link the audit entries
into this instance's chain, check every foreign key, and only then move the files into
place. Anything failing on the way rolls the transaction back and removes the files.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, connection, models, transaction

from trellis.audit.models import AuditChainHead, AuditEntry
from trellis.audit.services import audit_append, audit_maintenance, audit_verify
from trellis.backup import chain, scope
from trellis.backup.archive import BackupDamaged, Reader, file_sha256
from trellis.backup.dump import applied_migrations, key_fingerprints, operator
from trellis.backup.files import Placement, target_of

BATCH = 500
KEY_WARNINGS = {
    "SECRET_KEY": "two-step sign-in must be reset for every restored account "
    "(`trellis people mfa-reset`), unless you set the old key.",
    "TRELLIS_PSEUDONYM_SECRET": "new extracts will not link to the restored snapshots' "
    "pseudonyms, unless you set the old secret.",
}


class RestoreRefused(Exception):
    """The target or the backup does not allow a restore; nothing was changed."""


@dataclass(frozen=True)
class RestoreResult:
    partnership: str
    rows: int
    files: int
    audit_entries: int
    replaced: bool
    warnings: list[str]


def restore(path: Path, *, replace: bool = False, expect_sha256: str = "") -> RestoreResult:
    if expect_sha256 and file_sha256(path) != expect_sha256.strip().lower():
        raise BackupDamaged(f"{path.name} does not have the SHA-256 you gave.")
    reader = Reader(path)
    try:
        reader.verify()
        manifest = reader.manifest
        _check_schema(manifest)
        entries = _checked_audit(reader, manifest)
        occupied = _occupied_tables()
        if occupied and not replace:
            raise RestoreRefused(
                "This instance already holds data (" + ", ".join(occupied[:5]) + "). "
                "Restore into an empty database, or give --replace to delete everything "
                "in it first."
            )
        Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=settings.DATA_DIR))
        try:
            staged = _stage_files(reader, manifest, staging)
            placement = Placement(staging)
            try:
                with transaction.atomic():
                    if replace:
                        # Documented maintenance that empties the audit log too (TRUNCATE
                        # passes the row trigger, but a DELETE-based flush would not).
                        with audit_maintenance():
                            _empty_instance()
                    rows = _load_records(reader, manifest)
                    _load_audit(entries, manifest, path, replaced=bool(occupied))
                    connection.check_constraints()
                    _reset_sequences(manifest)
                    for member, staged_path in staged:
                        placement.place(staged_path, target_of(member))
            except (DatabaseError, DeserializationError, ValidationError) as exc:
                placement.undo()
                raise BackupDamaged(f"Its records do not load: {exc}") from exc
            except BaseException:
                placement.undo()
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        reader.close()
    return RestoreResult(
        partnership=manifest["partnership"]["slug"],
        rows=rows,
        files=len(staged),
        audit_entries=len(entries),
        replaced=bool(occupied),
        warnings=[
            f"{name} differs from the instance the backup came from: {KEY_WARNINGS[name]}"
            for name, value in key_fingerprints().items()
            if manifest.get("keys", {}).get(name) != value
        ],
    )


def _check_schema(manifest: dict[str, Any]) -> None:
    if manifest.get("migrations") != applied_migrations():
        raise RestoreRefused(
            "The backup was made with a different database schema than this instance has. "
            "Restore it with the Trellis version that made it (then upgrade), or run "
            "`trellis migrate` here first if this instance is older."
        )
    for listed in manifest["models"]:
        label = listed["model"]
        try:
            apps.get_model(label)
        except LookupError:
            raise RestoreRefused(f"This instance has no model {label}.") from None


def _checked_audit(reader: Reader, manifest: dict[str, Any]) -> list[AuditEntry]:
    entries = [chain.decode_entry(row) for row in reader.lines("audit/entries.jsonl")]
    links = list(reader.lines("audit/links.jsonl"))
    try:
        chain.verify_segment(entries, links, manifest["audit"]["head"])
    except chain.ChainBroken as exc:
        raise BackupDamaged(f"The backup's audit chain does not verify: {exc}") from exc
    own = manifest["partnership"]["id"]
    if any(e.partnership_id != own for e in entries):
        raise BackupDamaged("The backup holds audit entries of another partnership.")
    if len(entries) != manifest["audit"]["entries"]:
        raise BackupDamaged("The backup holds fewer audit entries than its manifest says.")
    return entries


def _occupied_tables() -> list[str]:
    ignore = {"django_session", "django_tasks_database_dbtaskresult"}
    tables = set(scope.content_tables()) - ignore
    return [
        model._meta.label
        for model in apps.get_models(include_auto_created=True)
        if model._meta.db_table in tables and model._base_manager.exists()
    ]


def _empty_instance() -> None:
    tables = scope.content_tables()
    statements = connection.ops.sql_flush(no_style(), tables, allow_cascade=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE refuses while deferred key checks are pending in the transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for sql in statements:
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _stage_files(reader: Reader, manifest: dict[str, Any], staging: Path) -> list[tuple[str, Path]]:
    staged = []
    for number, member in enumerate(manifest["files"]):
        try:
            target_of(member)
        except ValueError as exc:
            raise BackupDamaged(str(exc)) from exc
        path = staging / f"{number:08d}"
        with path.open("wb") as out:
            reader.copy_to(member, out)
        staged.append((member, path))
    return staged


def _load_records(reader: Reader, manifest: dict[str, Any]) -> int:
    total = 0
    for listed in manifest["models"]:
        model = apps.get_model(listed["model"])
        count, batch = 0, []
        for row in reader.lines(listed["member"]):
            batch.append({"model": listed["model"], "pk": row["pk"], "fields": row["fields"]})
            if len(batch) >= BATCH:
                count += _insert(model, batch)
                batch = []
        count += _insert(model, batch)
        if count != listed["rows"]:
            raise BackupDamaged(f"{listed['member']} holds {count} rows, not {listed['rows']}.")
        total += count
    return total


def _insert(model: type[models.Model], rows: list[dict[str, Any]]) -> int:
    """Insert rows as they were, keys and timestamps included (a raw insert, as loaddata
    does, so auto_now fields keep their saved values)."""
    if not rows:
        return 0
    objects = [d.object for d in serializers.deserialize("python", rows)]
    fields = list(model._meta.local_concrete_fields)
    model._base_manager._insert(objects, fields=fields, raw=True)  # type: ignore[attr-defined]
    return len(objects)


def _load_audit(
    entries: list[AuditEntry], manifest: dict[str, Any], path: Path, *, replaced: bool
) -> None:
    """Put the entries in a new chain, then record the restore at its end."""
    head = chain.relink(entries)
    fields = list(AuditEntry._meta.local_concrete_fields)
    for start in range(0, len(entries), BATCH):
        AuditEntry._base_manager._insert(  # type: ignore[attr-defined]
            entries[start : start + BATCH], fields=fields, raw=True
        )
    AuditChainHead.objects.update_or_create(pk=1, defaults={"last_hash": head})
    _reset_sequences({"models": [{"model": "audit.auditentry"}]})
    partnership = manifest["partnership"]
    audit_append(
        actor=None,
        verb="backup.restored",
        object_type="accounts.partnership",
        object_id=str(partnership["id"]),
        partnership_id=partnership["id"],
        changes={
            "file": path.name,
            "backup_sha256": file_sha256(path),
            "backup_created_at": manifest["created_at"],
            "source_chain_head": manifest["audit"]["head"],
            "entries_relinked": len(entries),
            "replaced_existing_data": replaced,
            "operator": operator(),
        },
    )
    report = audit_verify()
    if not report.ok:
        raise BackupDamaged(f"The restored audit chain does not verify: {report.reason}.")


def _reset_sequences(manifest: dict[str, Any]) -> None:
    """PostgreSQL's sequences do not move when keys are given: set each to its table's
    highest key, so the next row gets a new one. SQLite needs nothing."""
    labels = [m["model"] for m in manifest["models"]]
    statements = connection.ops.sequence_reset_sql(no_style(), [apps.get_model(x) for x in labels])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
