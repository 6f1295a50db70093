"""`trellis reminders send`: e-mail each lead's digest and each plan owner's summary.

A system job (run daily by `trellis worker`): it acts as no one, and writes only the record
of what was sent and audit entries."""

from __future__ import annotations

import argparse
from typing import Any

from trellis.commands import TrellisCommand, pick_partnership
from trellis.progress.reminders import Email, reminders_send


class Command(TrellisCommand):
    help = "E-mail reminders of progress updates and milestones due or overdue."
    verbs = {"send": "send today's reminders that are new to their reader"}

    def add_verb_arguments(self, verb: str, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--partnership", metavar="SLUG", help="only this partnership (default: all)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="print who would get what; send nothing"
        )

    def do_send(self, *, partnership: str | None, dry_run: bool, **_: Any) -> None:
        scope = pick_partnership(partnership) if partnership else None
        report = reminders_send(partnership=scope, dry_run=dry_run)
        for email in report.emails:
            self._describe(email, dry_run=dry_run)
        verb = "Would send" if dry_run else "Sent"
        self.stdout.write(
            f"{verb} {len(report.emails)} e-mails with {report.item_count} items"
            + (f"; {report.failed} failed (see the log)" if report.failed else "")
            + "."
        )

    def _describe(self, email: Email, *, dry_run: bool) -> None:
        self.stdout.write(f"{email.person.email}: {email.kind}, {len(email.items)} items")
        if dry_run:
            for item in email.items:
                self.stdout.write(f"  {item.reason:9} {item.due:%d %b %Y}  {item.title}")
