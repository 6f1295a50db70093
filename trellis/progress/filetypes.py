"""What an evidence file is, decided by its content, never its name; and the malware
scan every file passes (failing closed) before it is kept."""

from __future__ import annotations

import codecs
import logging
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trellis.errors import Invalid, TrellisError
from trellis.uploads import extension_of

logger = logging.getLogger("trellis.evidence")

# Limits on what a Word or Excel file (a ZIP) claims to hold: well above any real report,
# far below what a zip bomb needs.
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_EXPANDED = 200 * 1024 * 1024
CONTENT_TYPES_MAX = 1024 * 1024
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


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


def scan(upload: IO[bytes]) -> None:
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
