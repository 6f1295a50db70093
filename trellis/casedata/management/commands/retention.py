"""`trellis retention [--dry-run]`: purge now the case-level rows past their retention
period (TRELLIS_CASE_ROWS_RETENTION_MONTHS), as the worker does each night."""

from __future__ import annotations

import argparse
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from trellis.casedata.retention import cutoff, retention_purge


class Command(BaseCommand):
    help = "Purge the case-level rows loaded longer ago than the retention period."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="list the snapshots due, purge nothing"
        )

    def handle(self, *, dry_run: bool, **_: Any) -> None:
        before = cutoff()
        if before is None:
            self.stdout.write("Retention is off (TRELLIS_CASE_ROWS_RETENTION_MONTHS=0).")
            return
        report = retention_purge(dry_run=dry_run)
        months = settings.TRELLIS_CASE_ROWS_RETENTION_MONTHS
        verb = "Would purge" if dry_run else "Purged"
        self.stdout.write(
            f"{verb} the rows of {len(report.purged)} snapshots loaded before "
            f"{before:%Y-%m-%d} ({months} months)"
            + ("." if dry_run else f"; {report.files_swept} files of earlier purges swept.")
        )
        for pk in report.purged:
            self.stdout.write(f"  snapshot {pk}")
