"""`trellis restore FILE`: load a backup into an empty instance, all or nothing.

Run on the server with shell access; it bypasses roles and is audited as
`backup.restored`. See docs/backup.md."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from trellis.backup.archive import BackupDamaged
from trellis.backup.load import RestoreRefused, restore

logger = logging.getLogger("trellis.backup")


class Command(BaseCommand):
    help = "Load a partnership's backup into this instance (which must be empty)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="an archive made by `trellis backup`")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete everything this instance holds (every partnership) first",
        )
        parser.add_argument(
            "--sha256", default="", metavar="HEX", help="refuse the file unless it has this SHA-256"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"There is no file {path}.")
        try:
            result = restore(path, replace=options["replace"], expect_sha256=options["sha256"])
        except BackupDamaged as exc:
            # Not in the audit log: the refused restore's transaction never committed.
            logger.warning("restore of %s refused, the backup is damaged: %s", path.name, exc)
            raise CommandError(f"Nothing was restored: {exc}", returncode=3) from exc
        except RestoreRefused as exc:
            logger.warning("restore of %s refused: %s", path.name, exc)
            raise CommandError(f"Nothing was restored: {exc}", returncode=4) from exc
        logger.info("restored %s from %s", result.partnership, path.name)
        for warning in result.warnings:
            self.stderr.write(f"Warning: {warning}")
        self.stdout.write(
            f"Restored {result.partnership}: {result.rows} records, {result.files} files, "
            f"{result.audit_entries} audit entries"
            + (" (the data this instance held was replaced)." if result.replaced else ".")
        )
        self.stdout.write("Audit chain intact. Run `trellis check --deploy` before serving.")
