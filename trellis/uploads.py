"""Receiving uploaded files: stop a file as soon as it passes the page's limit, refuse it
cleanly when the disk is full, and make a person's file name safe to show and to offer as a
download name."""

from __future__ import annotations

import errno
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadhandler import (
    FileUploadHandler,
    StopUpload,
    TemporaryFileUploadHandler,
)
from django.http.multipartparser import exhaust  # type: ignore[attr-defined]
from django.utils.translation import gettext as _

from trellis.errors import StorageFull

NAME_MAX = 100  # characters of the cleaned display name, extension included


def max_bytes() -> int:
    return int(settings.TRELLIS_UPLOAD_MAX_BYTES)


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
        # Reading the rest of the body lets the person see a page that says what went wrong,
        # and the proxy caps it (client_max_body_size). A body declared more than twice the
        # limit is not read: without a proxy in front, draining a gigabyte would hold the
        # worker past its timeout; the connection is closed instead.
        raise StopUpload(connection_reset=self.request_length > 2 * self.limit())


# The disk filling up.

_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


def is_storage_full(exception: BaseException | None) -> bool:
    """No room left on the disk or in the quota, wherever a write found it."""
    if isinstance(exception, StorageFull):
        return True
    if not isinstance(exception, OSError):
        return False
    # pyarrow's writers raise OSError with the system's message but no errno.
    return exception.errno in _FULL or (
        exception.errno is None and "No space left on device" in str(exception)
    )


def storage_full() -> StorageFull:
    return StorageFull(
        _(
            "There is no room to store files just now, so nothing was stored. "
            "Tell your Trellis admin, then try again later."
        )
    )


class SpoolingUploadHandler(TemporaryFileUploadHandler):
    """The last of FILE_UPLOAD_HANDLERS: spools a large file to FILE_UPLOAD_TEMP_DIR (made
    on first use). When the disk is full it removes its partial file at once, reads the
    rest of the body (so the person gets the page rather than a reset connection) and
    raises StorageFull, which trellis.http turns into the 503 page."""

    _input: IO[bytes] | None = None

    def handle_raw_input(
        self,
        input_data: IO[bytes],
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        self._input = input_data

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            super().new_file(*args, **kwargs)
        except OSError as exc:
            if is_storage_full(exc):
                self._give_up()
            raise

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        try:
            self.file.write(raw_data)
        except OSError as exc:
            if not is_storage_full(exc):
                raise
            self.upload_interrupted()  # closes and removes the partial file
            self._give_up()
        return None

    def _give_up(self) -> None:
        if self._input is not None:
            exhaust(self._input)
        raise storage_full()


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
