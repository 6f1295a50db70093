"""Admins invite people, change their roles, deactivate leavers and hand their actions
over; nobody else may, and nobody may from another partnership."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from trellis.accounts import services
from trellis.accounts.models import Membership, Person, Role
from trellis.audit.models import AuditEntry
from trellis.audit.services import audit_verify
from trellis.errors import Invalid
from trellis.plans.models import Action

NEW_PASSWORD = "ochre-lantern-tiptoe-41"


def member(person: Person, cast: Cast) -> Membership:
    return Membership.objects.select_related("partnership", "person").get(
        person=person, partnership=cast.partnership
    )


def url(cast: Cast, name: str, *args: int) -> str:
    return reverse(name, args=[cast.partnership.slug, *args])


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """The rows these pages could change (signing in a test client only moves last_login)."""
    people = Person.objects.order_by("pk").values(
        *(f.attname for f in Person._meta.concrete_fields if f.name != "last_login")
    )
    return {
        "people": list(people),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "actions": list(Action.objects.order_by("pk").values()),
        "deputies": list(Action.deputies.through.objects.order_by("pk").values()),
        "audit": list(AuditEntry.objects.order_by("pk").values()),
    }


# Inviting


@pytest.fixture
def invited(cast: Cast, django_capture_on_commit_callbacks: Callable[..., Any]) -> Any:
    with django_capture_on_commit_callbacks(execute=True):
        return signed_in(cast.admin).post(
            url(cast, "accounts:person-invite"),
            {
                "full_name": "Nadia Brown",
                "email": "Nadia.Brown@Example.org",
                "job_title": "Service manager",
                "roles": [Role.ANALYST, Role.LEAD],
            },
        )


def test_an_invitation_creates_the_membership_with_its_roles(cast: Cast, invited: Any) -> None:
    created = Membership.objects.get(person__email="nadia.brown@example.org")

    assert invited.status_code == 302
    assert created.partnership == cast.partnership
    assert created.roles == [Role.LEAD, Role.ANALYST]
    assert created.is_active


def test_an_invitation_is_audited(cast: Cast, invited: Any) -> None:
    created = Membership.objects.get(person__email="nadia.brown@example.org")
    entry = AuditEntry.objects.get(verb="membership.invite")

    assert entry.object_id == str(created.pk)
    assert entry.actor_id == cast.admin.pk
    assert entry.partnership_id == cast.partnership.pk
    assert audit_verify().ok


def test_an_invitation_emails_a_link_that_sets_a_password(cast: Cast, invited: Any) -> None:
    (message,) = mail.outbox
    match = re.search(r"https?://[^/\s]+(/password-reset/\S+/)", message.body)
    assert message.to == ["nadia.brown@example.org"]
    assert match, "the invitation holds no link"

    client = Client()
    form_page = client.get(match.group(1))
    client.post(
        form_page["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert Person.objects.get(email="nadia.brown@example.org").check_password(NEW_PASSWORD)


def test_inviting_an_existing_member_is_refused_with_a_form_error(
    cast: Cast, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    before = snapshot()

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(cast.admin).post(
            url(cast, "accounts:person-invite"),
            {"full_name": "Again", "email": cast.analyst.email.upper(), "roles": [Role.LEAD]},
        )

    assert response.status_code == 400
    assert response.context["form"].has_error("email")
    assert snapshot() == before
    assert mail.outbox == []


def test_inviting_a_member_of_another_partnership_adds_them_without_a_new_account(
    cast: Cast, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(cast.admin).post(
            url(cast, "accounts:person-invite"),
            {"full_name": "Outsider", "email": cast.outsider.email, "roles": [Role.BOARD]},
        )

    assert member(cast.outsider, cast).roles == [Role.BOARD]
    assert Person.objects.filter(email=cast.outsider.email).count() == 1
    assert mail.outbox == []


# Changing roles


def _edit_roles(
    client: Client, cast: Cast, target: Membership, roles: list[str], version: int
) -> Any:
    return client.post(
        url(cast, "accounts:person-edit", target.pk),
        {"roles": roles, "is_active": "on", "version": str(version)},
    )


def test_an_admin_changes_someones_roles(cast: Cast) -> None:
    target = member(cast.analyst, cast)

    response = _edit_roles(
        signed_in(cast.admin), cast, target, [Role.ANALYST, Role.BOARD], target.version
    )

    target.refresh_from_db()
    assert response.status_code == 302
    assert target.roles == [Role.ANALYST, Role.BOARD]
    assert target.version == 2
    assert AuditEntry.objects.get(verb="membership.update").changes == {
        "roles": [[Role.ANALYST], [Role.ANALYST, Role.BOARD]]
    }


def test_a_role_change_over_a_newer_version_is_refused(cast: Cast) -> None:
    target = member(cast.analyst, cast)
    admin = signed_in(cast.admin)
    _edit_roles(admin, cast, target, [Role.ANALYST, Role.BOARD], target.version)

    response = _edit_roles(admin, cast, target, [Role.OWNER], target.version)

    target.refresh_from_db()
    assert response.status_code == 409
    assert target.roles == [Role.ANALYST, Role.BOARD]


@pytest.mark.parametrize(
    "data",
    [{"roles": [Role.OWNER], "is_active": "on"}, {"roles": [Role.ADMIN]}],
    ids=["dropping the admin role", "ending their own membership"],
)
def test_an_admin_cannot_remove_their_own_admin_role(cast: Cast, data: dict[str, Any]) -> None:
    own = member(cast.admin, cast)
    before = snapshot()

    response = signed_in(cast.admin).post(
        url(cast, "accounts:person-edit", own.pk), {**data, "version": str(own.version)}
    )

    assert response.status_code == 400
    assert response.context["form"].errors
    assert snapshot() == before


# Leavers


def test_the_deactivate_page_asks_before_it_writes(cast: Cast) -> None:
    before = snapshot()

    response = signed_in(cast.admin).get(
        url(cast, "accounts:person-deactivate", member(cast.lead, cast).pk)
    )

    assert response.status_code == 200
    assert snapshot() == before


def test_an_admin_deactivates_a_leaver(cast: Cast) -> None:
    target = member(cast.lead, cast)

    response = signed_in(cast.admin).post(url(cast, "accounts:person-deactivate", target.pk))

    target.refresh_from_db()
    cast.lead.refresh_from_db()
    assert response.status_code == 302
    assert not target.is_active
    assert not cast.lead.is_active
    assert AuditEntry.objects.get(verb="person.deactivate").object_id == str(target.pk)


def test_deactivating_a_member_of_two_partnerships_ends_only_this_membership(cast: Cast) -> None:
    Membership.objects.create(person=cast.lead, partnership=cast.other, roles=[Role.LEAD])

    signed_in(cast.admin).post(url(cast, "accounts:person-deactivate", member(cast.lead, cast).pk))

    cast.lead.refresh_from_db()
    assert cast.lead.is_active
    assert not member(cast.lead, cast).is_active
    assert Membership.objects.get(person=cast.lead, partnership=cast.other).is_active


def test_an_admin_cannot_deactivate_themselves(cast: Cast) -> None:
    before = snapshot()

    signed_in(cast.admin).post(url(cast, "accounts:person-deactivate", member(cast.admin, cast).pk))

    assert snapshot() == before


# Handing over


@pytest.fixture
def successor(cast: Cast) -> Person:
    return factories.person(cast.partnership, Role.LEAD, email="successor@example.org")


def _hand_over(cast: Cast, successor_pk: int) -> Any:
    leaver = member(cast.lead, cast)
    return signed_in(cast.admin).post(
        url(cast, "accounts:person-hand-over", leaver.pk), {"successor": str(successor_pk)}
    )


def test_handing_over_gives_the_leavers_actions_to_the_successor(
    cast: Cast, successor: Person
) -> None:
    led = set(Action.objects.filter(lead=cast.lead).values_list("pk", flat=True))

    response = _hand_over(cast, successor.pk)

    assert response.status_code == 302
    assert set(Action.objects.filter(lead=successor).values_list("pk", flat=True)) == led
    assert not Action.objects.filter(lead=cast.lead).exists()


def test_handing_over_swaps_the_leaver_out_of_deputy_places(cast: Cast, successor: Person) -> None:
    other_lead = factories.person(cast.partnership, Role.LEAD)
    deputised = factories.plan_tree(cast.partnership, actions=2, lead=other_lead)
    actions = list(Action.objects.filter(driver__outcome__plan=deputised))
    for action in actions:
        action.deputies.add(cast.lead)

    _hand_over(cast, successor.pk)

    for action in actions:
        deputies = set(action.deputies.all())
        assert cast.lead not in deputies
        assert successor in deputies


def test_handing_over_leaves_one_audit_entry_per_action(cast: Cast, successor: Person) -> None:
    other_lead = factories.person(cast.partnership, Role.LEAD)
    deputised = factories.plan_tree(cast.partnership, actions=2, lead=other_lead)
    for action in Action.objects.filter(driver__outcome__plan=deputised):
        action.deputies.add(cast.lead)
    before = AuditEntry.objects.count()

    _hand_over(cast, successor.pk)

    verbs = list(AuditEntry.objects.order_by("id")[before:].values_list("verb", flat=True))
    assert sorted(verbs) == ["action.hand-over"] * 3 + ["action.hand-over-deputy"] * 2
    assert audit_verify().ok


def test_a_successor_who_was_a_deputy_is_not_also_left_a_deputy(
    cast: Cast, successor: Person
) -> None:
    action = Action.objects.filter(lead=cast.lead).order_by("id")[0]
    action.deputies.add(successor)

    _hand_over(cast, successor.pk)

    action.refresh_from_db()
    assert action.lead == successor
    assert successor not in action.deputies.all()


def test_the_successor_must_be_a_member_of_the_partnership(cast: Cast) -> None:
    before = snapshot()

    response = _hand_over(cast, cast.outsider.pk)

    assert response.status_code == 400
    assert response.context["form"].has_error("successor", "invalid_choice")
    assert snapshot() == before


def test_the_hand_over_service_refuses_a_successor_from_another_partnership(cast: Cast) -> None:
    before = snapshot()

    with pytest.raises(Invalid) as raised:
        services.actions_hand_over(
            membership=member(cast.admin, cast), leaver=cast.lead, successor=cast.outsider
        )

    assert "successor" in raised.value.errors
    assert snapshot() == before


# Who may


def _pages(cast: Cast) -> list[tuple[str, str, dict[str, Any]]]:
    lead = member(cast.lead, cast)
    return [
        ("get", url(cast, "accounts:people"), {}),
        ("get", url(cast, "accounts:person-invite"), {}),
        (
            "post",
            url(cast, "accounts:person-invite"),
            {"full_name": "X", "email": "x@example.org", "roles": [Role.ADMIN]},
        ),
        ("get", url(cast, "accounts:person-edit", lead.pk), {}),
        (
            "post",
            url(cast, "accounts:person-edit", lead.pk),
            {"roles": [Role.ADMIN], "is_active": "on", "version": str(lead.version)},
        ),
        ("get", url(cast, "accounts:person-deactivate", lead.pk), {}),
        ("post", url(cast, "accounts:person-deactivate", lead.pk), {}),
        ("get", url(cast, "accounts:person-hand-over", lead.pk), {}),
        (
            "post",
            url(cast, "accounts:person-hand-over", lead.pk),
            {"successor": str(cast.owner.pk)},
        ),
    ]


PAGE_IDS = [
    "people list",
    "invite page",
    "invite",
    "roles page",
    "change roles",
    "deactivate page",
    "deactivate",
    "hand-over page",
    "hand over",
]


@pytest.mark.parametrize("role", ["owner", "lead", "analyst", "board", "inspector"])
@pytest.mark.parametrize("index", range(len(PAGE_IDS)), ids=PAGE_IDS)
def test_a_member_who_is_not_an_admin_is_forbidden(cast: Cast, role: str, index: int) -> None:
    method, page, data = _pages(cast)[index]
    before = snapshot()

    response = getattr(signed_in(getattr(cast, role)), method)(page, data)

    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("index", range(len(PAGE_IDS)), ids=PAGE_IDS)
def test_an_admin_of_another_partnership_is_told_it_does_not_exist(cast: Cast, index: int) -> None:
    method, page, data = _pages(cast)[index]
    before = snapshot()

    response = getattr(signed_in(cast.outsider), method)(page, data)

    assert response.status_code == 404
    assert snapshot() == before


def test_an_admin_cannot_reach_a_membership_of_another_partnership(cast: Cast) -> None:
    theirs = Membership.objects.get(person=cast.outsider, partnership=cast.other)
    before = snapshot()

    response = signed_in(cast.admin).post(url(cast, "accounts:person-deactivate", theirs.pk))

    assert response.status_code == 404
    assert snapshot() == before
