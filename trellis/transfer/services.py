"""Writes of the import journey: read an upload into a pending import, correct its column
mapping, discard it, or save it as a plan. Each checks permission and is audited; a
pending import is only ever found by the person who uploaded it, in its partnership."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from trellis.accounts.models import Membership
from trellis.accounts.policy import Perm, require
from trellis.audit.services import audit_append
from trellis.errors import Invalid, NotFound
from trellis.plans.models import Plan
from trellis.progress.filetypes import UploadRefused, scan
from trellis.transfer.draft import Grid, PlanDraft
from trellis.transfer.models import PENDING_HOURS, PendingImport
from trellis.transfer.parse import Parsed, checked_mapping, parse_file, parse_text
from trellis.transfer.readers import ReadError
from trellis.transfer.saving import plan_import
from trellis.writes import record_create, record_update


def pending_import_create(
    *, membership: Membership, data: bytes | None, name: str, text: str = ""
) -> PendingImport:
    """Read a file (or pasted text) and keep what was read for review. A file that cannot
    be read is refused with its reason as an Invalid error on `file`."""
    require(membership, Perm.EDIT_PLAN)
    _delete_expired()
    if data is not None:
        _scan(membership, data, name)
    try:
        parsed = parse_file(data, name) if data is not None else parse_text(text)
    except ReadError as error:
        field = "file" if data is not None else "text"
        raise Invalid(error.message, {field: [error.message]}) from error
    stem = name.rpartition(".")[0] or name
    return record_create(
        PendingImport,
        actor=membership.person,
        verb="import.read",
        partnership=membership.partnership,
        uploaded_by=membership.person,
        source_name=name[:120],
        source_format=parsed.source_format,
        grid=parsed.grid.to_json(),
        mapping=parsed.mapping,
        title=stem[:300] or "Imported plan",
        expires_at=timezone.now() + dt.timedelta(hours=PENDING_HOURS),
    )


def _scan(membership: Membership, data: bytes, name: str) -> None:
    """The malware scanner every upload passes, before the file is read; failing closed
    (a scanner that cannot tell refuses the file with 503). A refusal is audited."""
    try:
        scan(io.BytesIO(data))
    except UploadRefused as refused:
        audit_append(
            actor=membership.person,
            verb="import.refuse",
            object_type="transfer.import",
            partnership_id=membership.partnership_id,
            changes={"reason": refused.reason, "file_name": name, "size": len(data)},
        )
        raise


def pending_import_get(membership: Membership, pk: int) -> PendingImport:
    """The person's own unexpired pending import in this partnership, else NotFound."""
    found = PendingImport.objects.filter(
        pk=pk,
        partnership_id=membership.partnership_id,
        uploaded_by_id=membership.person_id,
        expires_at__gt=timezone.now(),
    ).first()
    if found is None:
        raise NotFound()
    return found


def parsed_of(pending: PendingImport) -> Parsed:
    grid = Grid.from_json(pending.grid)
    return Parsed(grid, checked_mapping(pending.mapping, len(grid.header)), pending.source_format)


def draft_of(pending: PendingImport) -> PlanDraft:
    return parsed_of(pending).draft()


def pending_import_remap(
    pending: PendingImport,
    *,
    membership: Membership,
    expected_version: int,
    mapping: Sequence[str | None],
    title: str,
) -> PendingImport:
    require(membership, Perm.EDIT_PLAN)
    width = len(pending.grid["header"])
    return record_update(
        pending,
        actor=membership.person,
        expected_version=expected_version,
        verb="import.map",
        mapping=checked_mapping(mapping, width),
        title=title.strip()[:300] or pending.title,
    )


def pending_import_save(
    pending: PendingImport,
    *,
    membership: Membership,
    expected_version: int,
    mapping: Sequence[str | None],
    title: str,
    starts: dt.date,
    ends: dt.date,
) -> Plan:
    """Apply the reviewed mapping and save the plan, or nothing (Invalid lists why)."""
    with transaction.atomic():
        pending = pending_import_remap(
            pending,
            membership=membership,
            expected_version=expected_version,
            mapping=mapping,
            title=title,
        )
        plan = plan_import(
            membership=membership,
            draft=draft_of(pending),
            title=title,
            starts=starts,
            ends=ends,
            source_name=pending.source_name,
        )
        _delete(pending, membership, verb="import.done")
    return plan


def pending_import_discard(pending: PendingImport, *, membership: Membership) -> None:
    require(membership, Perm.EDIT_PLAN)
    with transaction.atomic():
        _delete(pending, membership, verb="import.discard")


def _delete(pending: PendingImport, membership: Membership, *, verb: str) -> None:
    audit_append(
        actor=membership.person,
        verb=verb,
        target=pending,
        partnership_id=membership.partnership_id,
        changes={"source": pending.source_name},
    )
    pending.delete()


def _delete_expired() -> None:
    """Pending imports nobody finished: their rows are the plan's text, so they go."""
    PendingImport.objects.filter(expires_at__lte=timezone.now()).delete()
