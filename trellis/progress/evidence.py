"""Evidence for progress updates: links, and files up to 10 MB.

A file is refused as early as possible and nothing of a refused file is kept:
`SizeLimitUploadHandler` stops receiving it beyond the limit (so an oversized body never
lands on disk in full); its type is decided by its content, never its name; it passes the
malware scanner (which fails closed); only then is it written outside the static root
under a random name. MEDIA_ROOT is served by no URL: the download view reads the file and
always sends it as an attachment.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import os
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trellis.accounts.models import Group, Membership, Role
from trellis.accounts.policy import Perm, can, require
from trellis.audit.services import audit_append
from trellis.errors import Forbidden, Invalid, NotFound, TrellisError
from trellis.progress.models import Evidence, ProgressUpdate
from trellis.progress.selectors import may_see_content

logger = logging.getLogger("trellis.evidence")

# Limits on what a Word or Excel file (a ZIP) claims to hold: well above any real report,
# far below what a zip bomb needs.
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_EXPANDED = 200 * 1024 * 1024
CONTENT_TYPES_MAX = 1024 * 1024
NAME_MAX = 100  # characters of the cleaned display name, extension included
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def max_bytes() -> int:
    return int(settings.TRELLIS_UPLOAD_MAX_BYTES)


# What is accepted, decided by content.


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extensions: tuple[str, ...]
    label: Any  # lazy text, e.g. "PDF"


PDF = FileKind("application/pdf", ("pdf",), gettext_lazy("PDF"))
DOCX = FileKind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ("docx",),
    gettext_lazy("Word document"),
)
XLSX = FileKind(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ("xlsx",),
    gettext_lazy("Excel spreadsheet"),
)
CSV = FileKind("text/csv", ("csv",), gettext_lazy("CSV file"))
PNG = FileKind("image/png", ("png",), gettext_lazy("PNG image"))
JPEG = FileKind("image/jpeg", ("jpg", "jpeg"), gettext_lazy("JPEG image"))
KINDS = (PDF, DOCX, XLSX, CSV, PNG, JPEG)
_SIGNATURES = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))


def kind_label(content_type: str) -> str:
    """The type in words, for lists: "PDF", "Word document"..."""
    return next((str(k.label) for k in KINDS if k.content_type == content_type), _("File"))


# Refusals: one reason code each, with the message that names the rule.

REFUSALS: dict[str, Any] = {
    "too-large": gettext_lazy("The file is larger than 10 MB."),
    "empty": gettext_lazy("The file is empty."),
    "not-allowed": gettext_lazy("The file is not a PDF, Word, Excel, CSV, PNG or JPEG file."),
    "not-text": gettext_lazy(
        "The CSV file is not plain text: save it as CSV (UTF-8) and try again."
    ),
    "mismatch": gettext_lazy(
        "The file's name does not match its content: a %(kind)s must end in .%(extension)s."
    ),
    "macros": gettext_lazy(
        "The file contains macros. Save it as a .docx or .xlsx file without macros."
    ),
    "encrypted": gettext_lazy("The file is password-protected. Remove the password first."),
    "zip-bomb": gettext_lazy("The file is too complex to check: it holds too much data."),
    "malware": gettext_lazy("The file contains a virus or other harmful content."),
    "scanner-down": gettext_lazy(
        "The file could not be checked for viruses just now. Try again later."
    ),
}


class UploadRefused(Invalid):
    """A file refused by a rule; `reason` is the code of the rule (a key of REFUSALS)."""

    def __init__(self, reason: str, **params: str) -> None:
        message = str(REFUSALS[reason]) % params if params else str(REFUSALS[reason])
        super().__init__(message, errors={"file": [message]})
        self.reason = reason


class ScannerUnavailable(UploadRefused):
    """The malware scanner could not be reached: the upload is refused (fail closed)."""

    status = 503

    def __init__(self) -> None:
        super().__init__("scanner-down")


class Infected(TrellisError):
    """Raised by a scanner for a file it finds harmful."""


# Receiving: the size limit while the body arrives.


@dataclass(frozen=True)
class StoppedUpload:
    """Stands in for a file whose upload was stopped because it was too large."""

    name: str


class SizeLimitUploadHandler(FileUploadHandler):
    """The first of FILE_UPLOAD_HANDLERS: stops receiving a file as soon as it passes
    TRELLIS_UPLOAD_MAX_BYTES (or at once when the request declares a body far larger), so
    the handlers after it never hold more than the limit in memory or in a temporary
    file; those are closed, and so deleted, by Django. The request gets `stopped_upload`,
    so the page can say why the file is missing."""

    request_length = 0

    def handle_raw_input(
        self,
        input_data: IO[bytes],
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        self.request_length = content_length

    def limit(self) -> int:
        """The page's own limit (`request.upload_max_bytes`, set before the body is read),
        else TRELLIS_UPLOAD_MAX_BYTES."""
        return int(getattr(self.request, "upload_max_bytes", 0) or max_bytes())

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        if self.request_length > self.limit() + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            self._stop()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit():
            self._stop()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _stop(self) -> None:
        if self.request is not None:
            self.request.stopped_upload = StoppedUpload(str(self.file_name or ""))  # type: ignore[attr-defined]
        # The proxy caps the body (client_max_body_size), so reading the rest is cheap and
        # lets the person see a page that says what went wrong.
        raise StopUpload(connection_reset=False)


# Names.

_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])$", re.IGNORECASE)
_UNSAFE = re.compile(r'[<>:"/\\|?*]')


def extension_of(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def clean_file_name(raw: str) -> str:
    """A display name safe to show and to offer as a download name: no path parts, no
    control, format (bidi) or unassigned characters, no reserved device names, at most
    NAME_MAX characters with the extension kept."""
    name = re.split(r"[/\\]", unicodedata.normalize("NFC", raw))[-1]
    name = "".join(
        c for c in name if unicodedata.category(c) not in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
    )
    name = " ".join(_UNSAFE.sub("_", name).split()).strip(". ")
    ext = extension_of(name)
    stem = name[: -len(ext) - 1] if ext else name
    stem = stem.rstrip(". ") or "evidence"
    first, dot, rest = stem.partition(".")
    if _WINDOWS_RESERVED.match(first):  # "CON.pdf", "lpt1.x.pdf": devices on Windows
        stem = f"{first}_{dot}{rest}"
    ext = ext[:10]
    stem = stem[: NAME_MAX - len(ext) - 1].rstrip(". ") or "evidence"
    return f"{stem}.{ext}" if ext else stem


# Content.


def detect_kind(upload: IO[bytes], name: str) -> FileKind:
    """The file's type, from its content; the name's extension must agree."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    ext = extension_of(name)
    kind = next((k for sig, k in _SIGNATURES if head.startswith(sig)), None)
    if kind is None and head.startswith(b"PK\x03\x04"):
        kind = _office_kind(upload)
    if kind is None and ext == "csv":
        if not _is_text(upload):
            raise UploadRefused("not-text")
        kind = CSV
    if kind is None:
        raise UploadRefused("not-allowed")
    if ext not in kind.extensions:
        raise UploadRefused("mismatch", kind=str(kind.label), extension=kind.extensions[0])
    return kind


def _office_kind(upload: IO[bytes]) -> FileKind:
    """A .docx or .xlsx: a ZIP holding [Content_Types].xml and the main part, with no
    macros, no encryption and nothing that would expand beyond the limits."""
    try:
        with zipfile.ZipFile(upload) as zf:
            entries = zf.infolist()
            if len(entries) > ZIP_MAX_ENTRIES or sum(e.file_size for e in entries) > (
                ZIP_MAX_EXPANDED
            ):
                raise UploadRefused("zip-bomb")
            if any(e.flag_bits & 0x1 for e in entries):
                raise UploadRefused("encrypted")
            names = {e.filename for e in entries}
            if any(n.lower().rsplit("/", 1)[-1] == "vbaproject.bin" for n in names):
                raise UploadRefused("macros")
            if "[Content_Types].xml" not in names:
                return _refuse_not_allowed()
            with zf.open("[Content_Types].xml") as part:
                content_types = part.read(CONTENT_TYPES_MAX + 1)
    except UploadRefused:
        raise
    except Exception:  # hostile input breaks zipfile and zlib in many ways: none is a file we take
        return _refuse_not_allowed()
    if len(content_types) > CONTENT_TYPES_MAX:
        raise UploadRefused("zip-bomb")
    if b"macroenabled" in content_types.lower():
        raise UploadRefused("macros")
    word, excel = "word/document.xml" in names, "xl/workbook.xml" in names
    if word != excel:
        return DOCX if word else XLSX
    return _refuse_not_allowed()


def _refuse_not_allowed() -> FileKind:
    raise UploadRefused("not-allowed")


def _is_text(upload: IO[bytes]) -> bool:
    """UTF-8 (with or without a byte order mark) or Windows-1252 text, with no NUL."""
    for encoding in ("utf-8-sig", "cp1252"):
        upload.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for chunk in iter(lambda: upload.read(64 * 1024), b""):
                if b"\x00" in chunk:
                    return False
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            upload.seek(0)
        return True
    return False


# Scanning. TRELLIS_UPLOAD_SCANNER names a callable that reads the file and raises
# Infected, or ScannerUnavailable when it cannot tell (the upload is then refused).


def signature_scan(upload: IO[bytes]) -> None:
    """The stand-in scanner for development and tests: finds the EICAR test string."""
    upload.seek(0)
    tail = b""
    for chunk in iter(lambda: upload.read(64 * 1024), b""):
        if EICAR in tail + chunk:
            upload.seek(0)
            raise Infected("EICAR test signature")
        tail = chunk[-len(EICAR) :]
    upload.seek(0)


def _scan(upload: IO[bytes]) -> None:
    scanner = import_string(settings.TRELLIS_UPLOAD_SCANNER)
    try:
        scanner(upload)
    except Infected as exc:
        raise UploadRefused("malware") from exc
    except ScannerUnavailable:
        raise
    except Exception as exc:
        logger.exception("upload scanner failed")
        raise ScannerUnavailable() from exc
    finally:
        upload.seek(0)


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
    _scan(upload)
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
