"""`trellis people list|invite|deactivate|hand-over|mfa-reset`: people administration, as a named
admin, with the same checks and audit as the People pages."""

from __future__ import annotations

import argparse
from typing import Any

from django.conf import settings

from trellis.accounts import mfa, services
from trellis.accounts.models import Agency, Membership, Person, Role
from trellis.accounts.policy import Perm, require
from trellis.commands import TrellisCommand, acting_member, add_actor_arguments
from trellis.errors import NotFound


class Command(TrellisCommand):
    help = "Administer the people of a partnership."
    verbs = {
        "list": "list members and their roles",
        "invite": "add a person and e-mail them a link to set their password",
        "deactivate": "stop a leaver signing in",
        "hand-over": "give a leaver's actions to someone else",
        "mfa-reset": "remove a member's authenticator app and recovery codes (a lost phone)",
    }

    def add_verb_arguments(self, verb: str, parser: argparse.ArgumentParser) -> None:
        add_actor_arguments(parser)
        if verb == "invite":
            parser.add_argument("email")
            parser.add_argument("--name", required=True, help="full name")
            parser.add_argument("--job-title", default="")
            parser.add_argument("--agency", help="the agency's name or short name")
            parser.add_argument(
                "--role", dest="roles", action="append", choices=Role.values, required=True
            )
        elif verb in {"deactivate", "hand-over"}:
            parser.add_argument("email", help="the leaver")
        elif verb == "mfa-reset":
            parser.add_argument("email", help="the member who lost their phone")
        if verb == "hand-over":
            parser.add_argument("--to", dest="successor", required=True, metavar="EMAIL")

    def do_list(self, *, actor: str, partnership: str | None, **_: Any) -> None:
        member = acting_member(actor, partnership)
        require(member, Perm.MANAGE_PEOPLE)
        for m in Membership.objects.filter(partnership=member.partnership).select_related(
            "person", "agency"
        ):
            state = "active" if m.is_active and m.person.is_active else "left"
            roles = ",".join(m.roles)
            self.stdout.write(f"{m.person.email}\t{roles}\t{m.agency or '-'}\t{state}")

    def do_invite(
        self,
        *,
        actor: str,
        partnership: str | None,
        email: str,
        name: str,
        job_title: str,
        agency: str | None,
        roles: list[str],
        **_: Any,
    ) -> None:
        member = acting_member(actor, partnership)
        services.person_invite(
            membership=member,
            email=email,
            full_name=name,
            job_title=job_title,
            agency=_agency(member, agency),
            roles=roles,
            base_url=settings.TRELLIS_BASE_URL,
        )
        self.stdout.write(f"Invited {email}.")

    def do_deactivate(self, *, actor: str, partnership: str | None, email: str, **_: Any) -> None:
        member = acting_member(actor, partnership)
        services.person_deactivate(membership=member, target=_membership(member, email))
        self.stdout.write(f"{email} can no longer sign in to {member.partnership.slug}.")

    def do_hand_over(
        self, *, actor: str, partnership: str | None, email: str, successor: str, **_: Any
    ) -> None:
        member = acting_member(actor, partnership)
        leaver = _membership(member, email).person
        count = services.actions_hand_over(
            membership=member, leaver=leaver, successor=_person(successor)
        )
        self.stdout.write(f"Handed {count} actions from {email} to {successor}.")

    def do_mfa_reset(self, *, actor: str, partnership: str | None, email: str, **_: Any) -> None:
        member = acting_member(actor, partnership)
        mfa.mfa_reset(membership=member, target=_membership(member, email))
        self.stdout.write(f"Two-step sign-in of {email} reset.")


def _agency(member: Membership, name: str | None) -> Agency | None:
    if not name:
        return None
    agencies = Agency.objects.filter(partnership=member.partnership)
    found = (
        agencies.filter(name__iexact=name).first()
        or agencies.filter(short_name__iexact=name).first()
    )
    if found is None:
        raise NotFound(f"There is no agency '{name}' in {member.partnership.slug}.")
    return found


def _membership(member: Membership, email: str) -> Membership:
    found = (
        Membership.objects.select_related("person")
        .filter(partnership=member.partnership, person__email=email.strip().lower())
        .first()
    )
    if found is None:
        raise NotFound(f"{email} is not a member of {member.partnership.slug}.")
    return found


def _person(email: str) -> Person:
    found = Person.objects.filter(email=email.strip().lower()).first()
    if found is None:
        raise NotFound(f"There is nobody with the e-mail address {email}.")
    return found
