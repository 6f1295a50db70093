from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from trellis.audit.heads import heads_verify
from trellis.audit.services import audit_verify


class Command(BaseCommand):
    help = "Work with the audit log."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        verify = sub.add_parser(
            "verify", help="Walk the hash chain and name the first broken link."
        )
        verify.add_argument(
            "--head",
            type=Path,
            metavar="FILE",
            help="also check the chain still holds every head exported to FILE "
            "(audit-heads.jsonl in TRELLIS_AUDIT_HEAD_DIR)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        heads: Path | None = options.get("head")
        if heads is not None and not heads.is_file():
            raise CommandError(f"There is no file {heads}.")
        report = audit_verify()
        if not report.ok:
            raise CommandError(
                f"Audit chain broken at entry #{report.first_broken_id}: {report.reason} "
                f"({report.checked} entries verified before it)."
            )
        self.stdout.write(f"Audit chain intact: {report.checked} entries verified.")
        if heads is None:
            return
        found = heads_verify(heads)
        if not found.ok:
            raise CommandError(
                f"Exported head not found: {found.problem} "
                f"({found.checked} exported heads found before it)."
            )
        self.stdout.write(f"Every exported head is in the chain: {found.checked} checked.")
