"""Files on disk that belong to a partnership's rows, and putting them back.

Two kinds exist today: uploaded evidence (MEDIA_ROOT/evidence/<stored name>, named by a
progress.Evidence row) and case-level snapshots (the data dir's snapshots/<partnership>/<key>
folder of Parquet files and manifest, named by a casedata.Snapshot row). Issued reports
live in the database (reports.IssuedReport.content), so they travel with the records.
A new kind of file is one more entry in `file_sets`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings

from trellis.casedata.models import Snapshot
from trellis.casedata.services import snapshots_root
from trellis.progress.evidence import evidence_dir
from trellis.progress.models import Evidence


@dataclass(frozen=True)
class FileSet:
    """A root on disk and, for a partnership, the files under it that are its own."""

    name: str  # the folder under files/ in the archive

    def root(self) -> Path:
        if self.name == "media":
            return Path(settings.MEDIA_ROOT)
        return snapshots_root()

    def relative_paths(self, partnership_id: int) -> Iterator[tuple[str, bool]]:
        """(path relative to the root, whether it exists), for every file the rows name."""
        root = self.root()
        if self.name == "media":
            names = Evidence.objects.filter(partnership_id=partnership_id).exclude(stored_name="")
            for stored in names.order_by("pk").values_list("stored_name", flat=True):
                path = evidence_dir() / stored
                yield path.relative_to(root).as_posix(), path.is_file()
            return
        for folder in (
            Snapshot.objects.filter(partnership_id=partnership_id).order_by("pk").only("key")
        ):
            base = root / f"{partnership_id}/{folder.key}"
            for path in sorted(p for p in base.rglob("*") if p.is_file()):
                yield path.relative_to(root).as_posix(), True


def file_sets() -> list[FileSet]:
    return [FileSet("media"), FileSet("snapshots")]


def target_of(member: str) -> Path:
    """Where an archive member files/<set>/<path> goes on this instance; refuses paths
    that would climb out of their root."""
    parts = PurePosixPath(member).parts
    if len(parts) < 3 or parts[0] != "files" or ".." in parts or parts[1] == "..":
        raise ValueError(f"Unexpected file in the backup: {member}")
    for file_set in file_sets():
        if file_set.name == parts[1]:
            root = file_set.root().resolve()
            target = root.joinpath(*parts[2:]).resolve()
            if not target.is_relative_to(root):
                raise ValueError(f"Unexpected file in the backup: {member}")
            return target
    raise ValueError(f"Unexpected file in the backup: {member}")


@dataclass
class Placement:
    """Moves staged files into place, remembering enough to undo it if the restore fails.

    A file already at the target with other content is moved aside (and put back on
    undo); one with the same content is left alone."""

    staging: Path
    placed: list[Path] = field(default_factory=list)
    aside: list[tuple[Path, Path]] = field(default_factory=list)

    def place(self, staged: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if target.exists():
            if _same(staged, target):
                return
            kept = self.staging / "replaced" / str(len(self.aside))
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(target, kept)
            self.aside.append((kept, target))
        shutil.move(staged, target)
        os.chmod(target, 0o600)
        self.placed.append(target)

    def undo(self) -> None:
        for path in reversed(self.placed):
            path.unlink(missing_ok=True)
        for kept, target in reversed(self.aside):
            shutil.move(kept, target)
        self.placed.clear()
        self.aside.clear()


def _same(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            ca, cb = fa.read(1 << 20), fb.read(1 << 20)
            if ca != cb:
                return False
            if not ca:
                return True
