"""`trellis milestone done`: record a milestone as delivered, as a named person."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.db import transaction

from trellis.commands import TrellisCommand, acting_member, add_actor_arguments
from trellis.plans.models import Milestone
from trellis.plans.selectors import get_scoped
from trellis.plans.services import milestone_progress


class Command(TrellisCommand):
    help = "Keep milestones current."
    verbs = {"done": "record the date a milestone was delivered"}

    def add_verb_arguments(self, verb: str, parser: argparse.ArgumentParser) -> None:
        add_actor_arguments(parser)
        parser.add_argument("milestone", type=int, help="the milestone's id")
        parser.add_argument(
            "--date", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)"
        )
        parser.add_argument("--dry-run", action="store_true", help="check, but save nothing")

    def do_done(
        self,
        *,
        actor: str,
        partnership: str | None,
        milestone: int,
        date: dt.date | None,
        dry_run: bool,
        **_: Any,
    ) -> None:
        member = acting_member(actor, partnership)
        target = get_scoped(Milestone, member.partnership, milestone)
        done = date or dt.date.today()
        with transaction.atomic():
            milestone_progress(
                target,
                membership=member,
                expected_version=target.version,
                done=done,
                revised_due=target.revised_due,
            )
            if dry_run:
                transaction.set_rollback(True)
        verb = "Would record" if dry_run else "Recorded"
        self.stdout.write(f"{verb} '{target.title}' as done on {done:%d %B %Y}.")
