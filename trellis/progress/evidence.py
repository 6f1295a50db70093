"""Evidence for progress updates: links, and files up to 10 MB.

A file is refused as early as possible and nothing of a refused file is kept:
`trellis.uploads.SizeLimitUploadHandler` stops receiving it beyond the limit (so an
oversized body never lands on disk in full); its type is decided by its content, never its
name (`filetypes.py`); it passes the malware scanner (which fails closed); only then is it
written outside the static root under a random name. MEDIA_ROOT is served by no URL: the
download view reads the file and always sends it as an attachment.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from trellis.accounts.models import Group, Membership, Role
from trellis.accounts.policy import Perm, can, require
from trellis.audit.services import audit_append
from trellis.errors import Forbidden, Invalid, NotFound
from trellis.progress.filetypes import (
    FileKind,
    UploadRefused,
    detect_kind,
    kind_label,
    scan,
)
from trellis.progress.models import Evidence, ProgressUpdate
from trellis.progress.selectors import may_see_content
from trellis.uploads import StoppedUpload, clean_file_name, max_bytes

logger = logging.getLogger("trellis.evidence")

# Limits on what a Word or Excel file (a ZIP) claims to hold: well above any real report,
# far below what a zip bomb needs.
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_EXPANDED = 200 * 1024 * 1024
CONTENT_TYPES_MAX = 1024 * 1024
NAME_MAX = 100  # characters of the cleaned display name, extension included
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


# Storage: MEDIA_ROOT/evidence/<uuid4 hex>, never the person's file name.

_STORED_NAME = re.compile(r"^[0-9a-f]{32}$")


def evidence_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "evidence"


def stored_path(stored_name: str) -> Path:
    if not _STORED_NAME.match(stored_name):
        raise NotFound()
    return evidence_dir() / stored_name


@dataclass(frozen=True)
class Stored:
    name: str
    size: int
    sha256: str


def _store(upload: Any) -> Stored:
    directory = evidence_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = uuid.uuid4().hex
    path = directory / name
    digest, size = hashlib.sha256(), 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            upload.seek(0)
            for chunk in upload.chunks():
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        if size > max_bytes() or size == 0:
            raise UploadRefused("too-large" if size else "empty")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Stored(name=name, size=size, sha256=digest.hexdigest())


def _unlink(stored_name: str) -> None:
    stored_path(stored_name).unlink(missing_ok=True)


# Services.


def may_add_evidence(membership: Membership | None, update: ProgressUpdate) -> bool:
    return can(membership, Perm.WRITE_UPDATE, update.action) and not update.period.is_closed


def may_remove_evidence(membership: Membership | None, evidence: Evidence) -> bool:
    if membership is None or not can(membership, Perm.VIEW, evidence):
        return False
    if evidence.update.period.is_closed:
        return False
    return evidence.added_by_id == membership.person_id or membership.has_role(Role.OWNER)


def require_add_evidence(membership: Membership, update: ProgressUpdate) -> None:
    require(membership, Perm.WRITE_UPDATE, update.action)
    if update.period.is_closed:
        raise Forbidden(
            _("The period %(label)s is closed; its evidence cannot change.")
            % {"label": update.period.label}
        )


def evidence_add(
    *,
    membership: Membership,
    update: ProgressUpdate,
    title: str,
    url: str = "",
    upload: Any = None,
    restricted_to: Iterable[Group] = (),
) -> Evidence:
    """Add a link or a file (exactly one) to an update. A refused file is audited (never
    its content) and leaves nothing behind."""
    require_add_evidence(membership, update)
    groups = list(restricted_to)
    _validate_fields(update, title=title, url=url, upload=upload, groups=groups)
    fields: dict[str, Any] = {"title": title.strip(), "url": url}
    stored: Stored | None = None
    if upload is not None:
        file_name = clean_file_name(upload.name or "")
        try:
            kind = _check_upload(upload, file_name)
            stored = _store(upload)
        except UploadRefused as exc:
            _audit_refusal(membership, update, exc.reason, file_name, upload)
            raise
        fields |= {
            "stored_name": stored.name,
            "file_name": file_name,
            "content_type": kind.content_type,
            "size": stored.size,
            "sha256": stored.sha256,
        }
    try:
        return _evidence_create(membership, update, fields, groups)
    except BaseException:
        if stored is not None:
            _unlink(stored.name)
        raise


def _validate_fields(
    update: ProgressUpdate, *, title: str, url: str, upload: Any, groups: list[Group]
) -> None:
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Enter a title for the evidence.")]
    if url and upload is not None:
        errors["url"] = [_("Give a link or choose a file, not both.")]
    elif not url and upload is None:
        errors["url"] = [_("Give a link or choose a file.")]
    elif url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors["url"] = [_("Enter a link that starts with https:// or http://.")]
    if any(g.partnership_id != update.partnership_id for g in groups):
        errors["restricted_to"] = [_("Choose groups of this partnership.")]
    if errors:
        raise Invalid(_("The evidence could not be added."), errors=errors)


def _check_upload(upload: Any, file_name: str) -> FileKind:
    if isinstance(upload, StoppedUpload) or (upload.size or 0) > max_bytes():
        raise UploadRefused("too-large")
    if not upload.size:
        raise UploadRefused("empty")
    kind = detect_kind(upload, file_name)
    scan(upload)
    return kind


def _audit_refusal(
    membership: Membership, update: ProgressUpdate, reason: str, file_name: str, upload: Any
) -> None:
    audit_append(
        actor=membership.person,
        verb="evidence.refuse",
        target=update,
        partnership_id=update.partnership_id,
        changes={"reason": reason, "file_name": file_name, "size": getattr(upload, "size", 0)},
    )


def _evidence_create(
    membership: Membership, update: ProgressUpdate, fields: dict[str, Any], groups: list[Group]
) -> Evidence:
    with transaction.atomic():
        evidence = Evidence.objects.create(
            partnership_id=update.partnership_id,
            update=update,
            added_by=membership.person,
            **fields,
        )
        evidence.restricted_to.set(groups)
        audit_append(
            actor=membership.person,
            verb="evidence.add",
            target=evidence,
            partnership_id=update.partnership_id,
            changes={**fields, "update": update.pk, "restricted_to": {g.pk for g in groups}},
        )
    return evidence


def require_remove_evidence(membership: Membership, evidence: Evidence) -> None:
    period = evidence.update.period
    if period.is_closed:
        raise Forbidden(
            _("The period %(label)s is closed; its evidence cannot change.")
            % {"label": period.label}
        )
    if not may_remove_evidence(membership, evidence):
        raise Forbidden(_("Only the person who added evidence or a plan owner can remove it."))


def evidence_remove(*, membership: Membership, evidence: Evidence) -> None:
    """Remove evidence (by whoever added it, or a plan owner) while its period is open.
    The file goes once the removal is committed, so a rollback never loses it."""
    require_remove_evidence(membership, evidence)
    stored_name = evidence.stored_name
    with transaction.atomic():
        audit_append(
            actor=membership.person,
            verb="evidence.remove",
            target=evidence,
            partnership_id=evidence.partnership_id,
            changes={
                "update": evidence.update_id,
                "title": evidence.title,
                "file_name": evidence.file_name,
                "sha256": evidence.sha256,
            },
        )
        evidence.delete()
        if stored_name:
            transaction.on_commit(lambda: _unlink(stored_name))


# Reads.


def evidence_file_read(*, membership: Membership, evidence: Evidence) -> bytes:
    """The stored bytes of file evidence, for someone allowed to see it. At most 10 MB, so
    reading it whole is fine, and lets the digest be checked before anything is sent."""
    update = evidence.update
    if not (
        may_see_content(membership, update.restricted_to.all(), update.action)
        and may_see_content(membership, evidence.restricted_to.all(), update.action)
    ):
        raise Forbidden(_("This evidence is restricted."))
    if not evidence.stored_name:
        raise NotFound()  # a link: it is shown as a link, never fetched or proxied
    try:
        data = stored_path(evidence.stored_name).read_bytes()
    except FileNotFoundError as exc:
        logger.error("evidence file missing: evidence=%s", evidence.pk)
        raise NotFound() from exc
    if hashlib.sha256(data).hexdigest() != evidence.sha256:
        logger.error("evidence file changed on disk: evidence=%s", evidence.pk)
        raise NotFound()
    return data


@dataclass(frozen=True)
class EvidenceItem:
    evidence: Evidence
    visible: bool  # False: show only that a restricted entry exists, and for whom
    can_remove: bool
    groups: list[str]
    kind: str


@dataclass(frozen=True)
class EvidenceListing:
    items: list[EvidenceItem]
    can_add: bool


def evidence_for(update: ProgressUpdate, membership: Membership | None) -> EvidenceListing:
    """The update's evidence as this person may see it (uses prefetched `evidence`, with
    its `restricted_to` and `added_by`, when the caller has them)."""
    cache = getattr(update, "_prefetched_objects_cache", {})
    rows = (
        list(update.evidence.all())
        if "evidence" in cache
        else list(update.evidence.select_related("added_by").prefetch_related("restricted_to"))
    )
    if not rows or membership is None:
        return EvidenceListing(
            items=[_hidden(e) for e in rows], can_add=may_add_evidence(membership, update)
        )
    prefetch_related_objects([update.action], "deputies")  # asked once per row otherwise
    update_visible = may_see_content(membership, update.restricted_to.all(), update.action)
    items = []
    for e in rows:
        e.update = update  # one update: avoid reloading it for each row
        groups = list(e.restricted_to.all())
        visible = update_visible and may_see_content(membership, groups, update.action)
        items.append(
            EvidenceItem(
                evidence=e,
                visible=visible,
                can_remove=visible and may_remove_evidence(membership, e),
                groups=[g.name for g in groups],
                kind=kind_label(e.content_type),
            )
        )
    return EvidenceListing(items=items, can_add=may_add_evidence(membership, update))


def _hidden(e: Evidence) -> EvidenceItem:
    groups = [g.name for g in e.restricted_to.all()]
    return EvidenceItem(e, visible=not groups, can_remove=False, groups=groups, kind="")
