"""A partnership's content as plain data, read straight from the ORM (not through the
backup's own serialiser), so two instances can be compared record by record and file by
file. Run as `python -m tests.backup.contents SLUG` it prints the same as JSON, for an
instance in another process (another database)."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

# Audit columns that a restore re-derives (the chain is relinked in the new instance).
AUDIT_LINK_COLUMNS = ("prev_hash", "entry_hash")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, memoryview | bytes | bytearray):
        return bytes(value).hex()
    return value


def contents(slug: str) -> dict[str, Any]:
    from trellis.accounts.models import Partnership
    from trellis.audit.models import AuditEntry
    from trellis.backup import scope
    from trellis.backup.files import file_sets

    partnership = Partnership.objects.get(slug=slug)
    found = scope.discover()
    people = scope.people_of(found, partnership)
    records: dict[str, dict[str, Any]] = {}
    for entry in found.models:
        rows = scope.rows_for(entry, partnership, people).values()
        records[entry.label] = {
            str(row["id"]): {k: _plain(v) for k, v in sorted(row.items())} for row in rows
        }
    audit = [
        {k: _plain(v) for k, v in row.items() if k not in AUDIT_LINK_COLUMNS}
        for row in AuditEntry.objects.filter(partnership_id=partnership.pk).order_by("id").values()
    ]
    files: dict[str, str] = {}
    for file_set in file_sets():
        root = file_set.root()
        for relative, exists in file_set.relative_paths(partnership.pk):
            path = root / relative
            files[f"{file_set.name}/{relative}"] = (
                hashlib.sha256(path.read_bytes()).hexdigest() if exists else "missing"
            )
    return {"records": records, "audit": audit, "files": files}


def main() -> None:
    import django

    django.setup()
    print(json.dumps(contents(sys.argv[1]), sort_keys=True))


def files_under(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


if __name__ == "__main__":
    main()
