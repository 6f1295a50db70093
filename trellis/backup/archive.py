"""The backup file: a zip archive holding a manifest and its members.

    manifest.json                          what the backup holds, with a SHA-256 and size
                                           for every other member
    records/<app>.<model>.jsonl            one row a line: {"pk": ..., "fields": {...}}
    audit/entries.jsonl                    the partnership's audit entries, in full
    audit/links.jsonl                      [id, previous hash, hash] of the entries between
    files/media/<path>                     uploaded evidence (relative to MEDIA_ROOT)
    files/snapshots/<path>                 case-level snapshots (relative to the data dir)

A zip was chosen over a tar because its directory at the end makes a truncated file
unreadable at once, and every member carries a CRC as well as the manifest's SHA-256.
The archive is written under a temporary name and renamed when complete, readable by its
owner only: it holds password hashes and two-step secrets.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder

FORMAT = "trellis-backup"
VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


class BackupDamaged(Exception):
    """The archive is not a complete, unaltered Trellis backup."""


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds (Django's drops them), so a
    record reads back exactly as it was."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        if isinstance(o, memoryview):
            return o.tobytes().hex()
        return super().default(o)


_ENCODER = _Encoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def json_line(row: Any) -> bytes:
    return (_ENCODER.encode(row) + "\n").encode()


class Writer:
    """Writes members with their checksums, then the manifest, then renames into place."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.partial = out.with_name(out.name + ".partial")
        fd = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._file = os.fdopen(fd, "wb")
        self._zip = zipfile.ZipFile(self._file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self.members: dict[str, dict[str, Any]] = {}

    def add_chunks(self, name: str, chunks: Iterable[bytes]) -> dict[str, Any]:
        digest, size = hashlib.sha256(), 0
        with self._zip.open(name, "w", force_zip64=True) as member:
            for chunk in chunks:
                member.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        self.members[name] = {"sha256": digest.hexdigest(), "size": size}
        return self.members[name]

    def add_file(self, name: str, path: Path) -> dict[str, Any]:
        with path.open("rb") as source:
            return self.add_chunks(name, iter(lambda: source.read(CHUNK), b""))

    def finish(self, manifest: dict[str, Any]) -> str:
        manifest = {**manifest, "format": FORMAT, "version": VERSION, "members": self.members}
        body = json.dumps(manifest, indent=1, sort_keys=True, cls=_Encoder).encode()
        self._zip.writestr(MANIFEST, body)
        self._zip.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self.partial, self.out)
        return file_sha256(self.out)

    def abandon(self) -> None:
        try:
            self._zip.close()
        finally:
            self._file.close()
            self.partial.unlink(missing_ok=True)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Reader:
    """Opens a backup and refuses it unless every member is present and unaltered."""

    def __init__(self, path: Path) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
            self.manifest = json.loads(self._zip.read(MANIFEST))
        except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, OSError, EOFError) as exc:
            raise BackupDamaged(f"{path.name} is damaged or incomplete ({exc}).") from exc
        if self.manifest.get("format") != FORMAT or self.manifest.get("version") != VERSION:
            raise BackupDamaged(f"{path.name} is not a version {VERSION} Trellis backup.")
        self.members: dict[str, dict[str, Any]] = self.manifest.get("members") or {}
        present = set(self._zip.namelist()) - {MANIFEST}
        missing, extra = set(self.members) - present, present - set(self.members)
        if missing or extra:
            names = sorted(missing | extra)[:3]
            raise BackupDamaged(
                f"{path.name} does not hold what its manifest lists ({', '.join(names)})."
            )

    def verify(self) -> None:
        """Read every member through once, checking its size and SHA-256."""
        for name in self.members:
            for _ in self.chunks(name):
                pass

    def chunks(self, name: str) -> Iterator[bytes]:
        expected = self.members[name]
        digest, size = hashlib.sha256(), 0
        try:
            with self._zip.open(name) as member:
                for chunk in iter(lambda: member.read(CHUNK), b""):
                    digest.update(chunk)
                    size += len(chunk)
                    if size > expected["size"]:  # stop a member that expands without end
                        break
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
            raise BackupDamaged(f"{name} in the backup is damaged ({exc}).") from exc
        if size != expected["size"] or digest.hexdigest() != expected["sha256"]:
            raise BackupDamaged(f"{name} in the backup does not match its checksum.")

    def lines(self, name: str) -> Iterator[Any]:
        pending = b""
        try:
            for chunk in self.chunks(name):
                pending += chunk
                *complete, pending = pending.split(b"\n")
                for line in complete:
                    yield json.loads(line)
            if pending.strip():
                yield json.loads(pending)
        except ValueError as exc:
            raise BackupDamaged(f"{name} in the backup is not JSON lines ({exc}).") from exc

    def copy_to(self, name: str, out: IO[bytes]) -> None:
        for chunk in self.chunks(name):
            out.write(chunk)

    def close(self) -> None:
        self._zip.close()
