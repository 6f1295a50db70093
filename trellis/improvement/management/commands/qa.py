"""`trellis qa draw|check`: draw a case-file audit's sample, or check that its recorded
draw repeats, from the command line, as a named person with the same checks as the pages.

Neither prints a pseudonym: the sample is read on the audit's page by those who may see it.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from django.db import transaction

from trellis.commands import TrellisCommand, acting_member, add_actor_arguments
from trellis.errors import Invalid, NotFound
from trellis.improvement import access
from trellis.improvement.models import Audit
from trellis.improvement.services import audits


class Command(TrellisCommand):
    help = "Case-file audits: draw a round's sample, check that a recorded draw repeats."
    verbs = {
        "draw": "draw a planned round's sample from the latest extract, recording the seed",
        "check": "draw again from the recorded extract and seed and compare with the sample",
    }

    def add_verb_arguments(self, verb: str, parser: argparse.ArgumentParser) -> None:
        add_actor_arguments(parser)
        parser.add_argument("audit", type=int, help="the round's id (in its page's address)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        if verb == "draw":
            parser.add_argument("--seed", type=int, default=None, help="repeat a known seed")
            parser.add_argument("--dry-run", action="store_true", help="check, but save nothing")

    def _audit(self, member: Any, pk: int) -> Audit:
        found = (
            Audit.objects.select_related("programme", "snapshot")
            .filter(partnership_id=member.partnership_id, pk=pk)
            .first()
        )
        if found is None:
            raise NotFound(f"There is no audit {pk} in {member.partnership.slug}.")
        return found

    def do_draw(
        self,
        *,
        actor: str,
        partnership: str | None,
        audit: int,
        seed: int | None,
        dry_run: bool,
        json: bool,
        **_: Any,
    ) -> None:
        member = acting_member(actor, partnership)
        target = self._audit(member, audit)
        with transaction.atomic():
            drawn = audits.sample_draw(
                target, membership=member, expected_version=target.version, seed=seed
            )
            summary = {
                "audit": drawn.pk,
                "snapshot": drawn.snapshot_id,
                "seed": drawn.seed,
                "population": drawn.population,
                "drawn": drawn.cases.count(),
                "saved": not dry_run,
            }
            if dry_run:
                transaction.set_rollback(True)
        self._say(summary, json, "Would draw" if dry_run else "Drew")

    def do_check(
        self, *, actor: str, partnership: str | None, audit: int, json: bool, **_: Any
    ) -> None:
        member = acting_member(actor, partnership)
        target = self._audit(member, audit)
        access.check(access.may_draw_sample(member) or access.may_see_sample(member, target))
        if target.seed is None:
            raise Invalid(f"Audit {audit} has no sample drawn yet.")
        repeats = audits.sample_repeats(target)
        summary = {"audit": target.pk, "seed": target.seed, "repeats": repeats}
        if json:
            self.stdout.write(_dumps(summary))
        elif repeats:
            self.stdout.write(f"The draw of audit {audit} with seed {target.seed} repeats.")
        if not repeats:
            raise Invalid(f"The draw of audit {audit} does not repeat: the sample differs.")

    def _say(self, summary: dict[str, Any], as_json: bool, verb: str) -> None:
        if as_json:
            self.stdout.write(_dumps(summary))
            return
        self.stdout.write(
            f"{verb} {summary['drawn']} of {summary['population']} cases for audit "
            f"{summary['audit']} from snapshot {summary['snapshot']} with seed {summary['seed']}."
        )


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True)
