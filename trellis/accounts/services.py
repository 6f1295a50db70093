"""Writes to people, memberships, agencies and groups: admin acts, each checked by the
policy and audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from trellis.accounts import sso
from trellis.accounts.models import Agency, Group, Membership, Person, Role, SsoProvider
from trellis.accounts.policy import Perm, require
from trellis.audit.services import audit_append
from trellis.errors import Invalid
from trellis.versioning import Versioned
from trellis.writes import record_create, record_update


def _valid_roles(roles: list[str]) -> list[str]:
    unknown = set(roles) - set(Role.values)
    if unknown or not roles:
        raise Invalid(_("Choose at least one role."), {"roles": [_("Choose at least one role.")]})
    return [r for r in Role.values if r in roles]


def person_invite(
    *,
    membership: Membership,
    email: str,
    full_name: str,
    job_title: str = "",
    agency: Agency | None,
    roles: list[str],
    base_url: str,
) -> Membership:
    """Add a person to the partnership (creating their account if new) and e-mail them a
    link to set their password."""
    require(membership, Perm.MANAGE_PEOPLE)
    partnership = membership.partnership
    email = email.strip().lower()
    roles = _valid_roles(roles)
    with transaction.atomic():
        person = Person.objects.filter(email=email).first()
        is_new = person is None
        if person is None:
            person = Person.objects.create_user(
                email, None, full_name=full_name, job_title=job_title
            )
        if Membership.objects.filter(person=person, partnership=partnership).exists():
            raise Invalid(
                _("That person is already a member of this partnership."),
                {"email": [_("That person is already a member of this partnership.")]},
            )
        created = record_create(
            Membership,
            actor=membership.person,
            verb="membership.invite",
            person=person,
            partnership=partnership,
            agency=agency,
            roles=roles,
        )
        if is_new:
            transaction.on_commit(lambda: _send_invitation(person, partnership.name, base_url))
    return created


def _send_invitation(person: Person, partnership_name: str, base_url: str) -> None:
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    link = base_url + reverse("accounts:reset-confirm", args=[uid, token])
    send_mail(
        _("You have been invited to Trellis"),
        _(
            "You have been added to %(partnership)s on Trellis.\n\n"
            "Set your password within an hour at:\n%(link)s\n"
        )
        % {"partnership": partnership_name, "link": link},
        None,
        [person.email],
    )


def membership_update(
    *,
    membership: Membership,
    target: Membership,
    expected_version: int,
    agency: Agency | None,
    roles: list[str],
    is_active: bool,
) -> Membership:
    """Change a member's agency and roles, or end their membership (a leaver)."""
    require(membership, Perm.MANAGE_PEOPLE, target)
    roles = _valid_roles(roles)
    if target.pk == membership.pk and (Role.ADMIN not in roles or not is_active):
        raise Invalid(
            _("You cannot remove your own admin role; ask another admin."),
            {"roles": [_("You cannot remove your own admin role; ask another admin.")]},
        )
    return record_update(
        target,
        actor=membership.person,
        expected_version=expected_version,
        verb="membership.update",
        agency=agency,
        roles=roles,
        is_active=is_active,
    )


def person_deactivate(*, membership: Membership, target: Membership) -> None:
    """A leaver: their account stops working on their next request, in every partnership.

    Only when the leaver belongs to no other partnership: an admin of one partnership must
    not end someone's work in another; there, only this membership ends.
    """
    require(membership, Perm.MANAGE_PEOPLE, target)
    person = target.person
    if person.pk == membership.person_id:
        raise Invalid(_("You cannot deactivate yourself."))
    with transaction.atomic():
        Membership.objects.filter(pk=target.pk).update(is_active=False)
        others = Membership.objects.filter(person=person, is_active=True).exclude(pk=target.pk)
        if not others.exists():
            Person.objects.filter(pk=person.pk).update(is_active=False)
        audit_append(
            actor=membership.person,
            verb="person.deactivate",
            target=target,
            partnership_id=membership.partnership_id,
            changes={"person": person.pk, "account_closed": not others.exists()},
        )


def person_end_sessions(*, membership: Membership, target: Membership) -> None:
    """Sign a member out everywhere (a lost laptop, a suspected misuse): every session they
    hold, in any browser, ends on its next request. They can sign in again."""
    require(membership, Perm.MANAGE_PEOPLE, target)
    if target.person_id == membership.person_id:
        raise Invalid(_("To end your own sessions, sign out and sign in again."))
    with transaction.atomic():
        Person.objects.filter(pk=target.person_id).update(sessions_ended_at=timezone.now())
        audit_append(
            actor=membership.person,
            verb="person.end-sessions",
            target=target,
            partnership_id=membership.partnership_id,
            changes={"person": target.person_id},
        )


def actions_hand_over(*, membership: Membership, leaver: Person, successor: Person) -> int:
    """Give every action the leaver leads (or deputises on) in this partnership to the
    successor. Returns how many actions changed."""
    from trellis.plans.models import Action

    require(membership, Perm.MANAGE_PEOPLE)
    if not Membership.objects.filter(
        person=successor, partnership=membership.partnership, is_active=True
    ).exists():
        raise Invalid(
            _("Choose an active member of this partnership."),
            {"successor": [_("Choose an active member of this partnership.")]},
        )
    with transaction.atomic():
        led = list(
            Action.objects.select_for_update().filter(
                partnership=membership.partnership, lead=leaver
            )
        )
        for action in led:
            deputies = list(action.deputies.all())
            record_update(
                action,
                actor=membership.person,
                expected_version=action.version,
                verb="action.hand-over",
                # The lead is never also a deputy (the action form's rule).
                m2m={"deputies": [d for d in deputies if d != successor]}
                if successor in deputies
                else None,
                lead=successor,
            )
        deputised = Action.objects.filter(partnership=membership.partnership, deputies=leaver)
        count = len(led)
        for action in deputised:
            action.deputies.remove(leaver)
            if action.lead_id != successor.pk:
                action.deputies.add(successor)
            audit_append(
                actor=membership.person,
                verb="action.hand-over-deputy",
                target=action,
                partnership_id=membership.partnership_id,
                changes={"deputies": [[leaver.pk], [successor.pk]]},
            )
            count += 1
    return count


def directory_create(
    model: type[Versioned], *, membership: Membership, fields: dict[str, Any]
) -> Any:
    """Add an agency or governance group to the partnership."""
    require(membership, Perm.MANAGE_PEOPLE)
    _check_chair(membership, fields)
    return record_create(
        model, actor=membership.person, partnership=membership.partnership, **fields
    )


def directory_update(
    obj: Agency | Group, *, membership: Membership, expected_version: int, fields: dict[str, Any]
) -> Any:
    require(membership, Perm.MANAGE_PEOPLE, obj)
    _check_chair(membership, fields)
    return record_update(obj, actor=membership.person, expected_version=expected_version, **fields)


def _check_chair(membership: Membership, fields: dict[str, Any]) -> None:
    chair = fields.get("chair")
    if (
        chair
        and not Membership.objects.filter(
            person=chair, partnership=membership.partnership, is_active=True
        ).exists()
    ):
        raise Invalid(
            _("Choose a member of this partnership."),
            {"chair": [_("Choose a member of this partnership.")]},
        )


def provider_save(
    *,
    membership: Membership,
    name: str,
    issuer: str,
    client_id: str,
    client_secret: str,
    allowed_domains: str,
    trust_email: bool,
    is_enabled: bool,
) -> SsoProvider:
    """Set the partnership's single sign-on provider (trellis.accounts.sso). An empty
    secret keeps the saved one; the secret is sealed and never audited."""
    require(membership, Perm.MANAGE_PEOPLE)
    partnership = membership.partnership
    errors: dict[str, list[str]] = {}
    issuer = issuer.strip()
    problem = sso.issuer_problem(issuer)
    if problem:
        errors["issuer"] = [problem]
    domains = sorted(
        {d.strip().lstrip("@").lower() for d in allowed_domains.replace(",", " ").split()}
    )
    if any("." not in d or "@" in d for d in domains):
        errors["allowed_domains"] = [_("Enter domains like example.gov.uk, separated by spaces.")]
    if trust_email and not domains:
        errors["allowed_domains"] = [
            _("List the domains when the provider's addresses are trusted without a check.")
        ]
    existing = SsoProvider.objects.filter(partnership=partnership).first()
    if not client_secret and existing is None:
        errors["client_secret"] = [_("Enter the client secret.")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors)
    with transaction.atomic():
        provider = existing or SsoProvider(partnership=partnership)
        provider.name = name.strip()
        provider.issuer = issuer
        provider.client_id = client_id.strip()
        if client_secret:
            provider.client_secret = sso.seal_secret(partnership.pk, client_secret)
        provider.allowed_domains = " ".join(domains)
        provider.trust_email = trust_email
        provider.is_enabled = is_enabled
        provider.save()
        audit_append(
            actor=membership.person,
            verb="sso.configure",
            target=provider,
            partnership_id=partnership.pk,
            changes={
                "name": provider.name,
                "issuer": issuer,
                "client_id": provider.client_id,
                "secret_changed": bool(client_secret),
                "allowed_domains": domains,
                "trust_email": trust_email,
                "is_enabled": is_enabled,
            },
        )
    sso.clear_cache()
    return provider
