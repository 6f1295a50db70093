"""What every `trellis <noun> <verb>` command shares: acting as a named person with the
same checks as the web, sensible defaults when there is only one partnership or plan, and
TrellisError turned into a one-line reason and an exit code."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from trellis.accounts.models import Membership, Partnership, Person
from trellis.accounts.policy import membership_for
from trellis.backup.dump import operator
from trellis.errors import NotFound, TrellisError
from trellis.plans.models import Plan
from trellis.security_log import security_event


class TrellisCommand(BaseCommand):
    """A command with subcommands (`verbs`), each a method `do_<verb>`."""

    verbs: dict[str, str] = {}

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        for verb, help_text in self.verbs.items():
            self.add_verb_arguments(verb, sub.add_parser(verb, help=help_text))

    def add_verb_arguments(self, verb: str, parser: argparse.ArgumentParser) -> None:
        """Override to add each verb's arguments."""

    def handle(self, *args: Any, **options: Any) -> None:
        handler = getattr(self, "do_" + options["verb"].replace("-", "_"))
        try:
            handler(**options)
        except TrellisError as exc:
            raise CommandError(exc.message or exc.code, returncode=exc.exit_code) from exc


def add_actor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as", dest="actor", required=True, metavar="EMAIL", help="act as this person"
    )
    parser.add_argument(
        "--partnership", metavar="SLUG", help="the partnership (default: the only one)"
    )


def pick_partnership(slug: str | None) -> Partnership:
    if slug:
        found = Partnership.objects.filter(slug=slug).first()
        if found is None:
            raise NotFound(f"There is no partnership '{slug}'.")
        return found
    slugs = list(Partnership.objects.values_list("slug", flat=True)[:20])
    if len(slugs) != 1:
        raise TrellisError(
            "Say which partnership with --partnership: " + (", ".join(slugs) or "none exist")
        )
    return Partnership.objects.get(slug=slugs[0])


def acting_member(email: str, slug: str | None) -> Membership:
    """The named person's membership, checked exactly as a web request is."""
    partnership = pick_partnership(slug)
    person = Person.objects.filter(email=email.strip().lower(), is_active=True).first()
    try:
        return membership_for(person, partnership.slug)
    except NotFound:
        raise NotFound(f"{email} is not an active member of {partnership.slug}.") from None


def pick_plan(partnership: Partnership, plan_id: int | None) -> Plan:
    plans = Plan.objects.filter(partnership=partnership)
    if plan_id is not None:
        plan = plans.filter(pk=plan_id).first()
        if plan is None:
            raise NotFound(f"There is no plan {plan_id} in {partnership.slug}.")
        return plan
    active = list(plans.filter(status=Plan.Status.ACTIVE)[:2]) or list(plans[:2])
    if len(active) != 1:
        raise TrellisError("Say which plan with --plan: " + ", ".join(str(p.pk) for p in plans))
    return active[0]


def command_event(command: str, event: str, outcome: str, **fields: Any) -> None:
    """One security event of a command-line verb such as "data load". Nobody is signed in:
    `user` (among `fields`) is the person the command acts as, if it acts as one, and
    `operator` the operating-system account that ran it, as the audit's backup entries
    name it. There is no client address or request id."""
    security_event(None, event, outcome, command=command, operator=operator(), **fields)
