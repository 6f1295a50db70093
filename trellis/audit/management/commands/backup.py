"""`trellis backup OUT --partnership SLUG`: an operator's copy of one partnership.

Run on the server with shell access; it bypasses roles (it reads every record of the
partnership, case-level snapshots too), so it is audited as `backup.created` and is a
`casedata.export` in the security log. See docs/backup.md."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from trellis.accounts.models import Partnership
from trellis.backup.dump import make_backup
from trellis.casedata.models import Snapshot
from trellis.commands import command_event


class Command(BaseCommand):
    help = "Write everything of one partnership (records, files, audit chain) to one archive."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("out", type=Path, help="the archive to write (e.g. riverside.zip)")
        parser.add_argument("--partnership", required=True, metavar="SLUG")
        parser.add_argument(
            "--force", action="store_true", help="overwrite OUT if it already exists"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        partnership = Partnership.objects.filter(slug=options["partnership"]).first()
        if partnership is None:
            raise CommandError(f"There is no partnership '{options['partnership']}'.")
        if out.exists() and not options["force"]:
            raise CommandError(f"{out} already exists; give --force to overwrite it.")
        if not out.parent.is_dir():
            raise CommandError(f"There is no folder {out.parent}.")
        result = make_backup(out, partnership)
        command_event(
            "backup",
            "casedata.export",
            "success",
            partnership=partnership,
            rows=result.rows,
            snapshots=Snapshot.objects.filter(partnership=partnership, purged_at=None).count(),
        )
        for missing in result.missing_files:
            self.stderr.write(f"Warning: a file the records name is missing: {missing}")
        self.stdout.write(
            f"Backed up {partnership.slug}: {result.rows} records, {result.files} files, "
            f"{result.audit_entries} audit entries, to {out}."
        )
        self.stdout.write(f"SHA-256 {result.sha256}  (keep it apart from the archive)")
