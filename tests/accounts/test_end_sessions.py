"""An admin signs a member out everywhere (SECURITY-BAR 12): every session the member holds
ends on its next request, the act is audited, and they can sign in again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from trellis.accounts.models import Membership
from trellis.audit.models import AuditEntry
from trellis.audit.services import audit_verify

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def url(cast: Cast, person: Any, partnership: Any = None) -> str:
    part = partnership or cast.partnership
    target = Membership.objects.get(person=person, partnership=part)
    return reverse("accounts:person-end-sessions", args=[cast.partnership.slug, target.pk])


def home(cast: Cast) -> str:
    return reverse("plans:partnership-home", args=[cast.partnership.slug])


def test_every_session_of_the_member_ends_on_its_next_request(cast: Cast) -> None:
    with time_machine.travel(START, tick=False):
        laptop, phone = signed_in(cast.lead), signed_in(cast.lead)
        bystander = signed_in(cast.owner)
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        page = signed_in(cast.admin).get(url(cast, cast.lead))
        response = signed_in(cast.admin).post(url(cast, cast.lead))

        assert "Sign" in page.content.decode()
        assert response.status_code == 302
        for client in (laptop, phone):
            assert client.get(home(cast))["Location"].startswith(reverse("accounts:sign-in"))
        assert bystander.get(home(cast)).status_code == 200
    entry = AuditEntry.objects.get(verb="person.end-sessions")
    assert entry.changes == {"person": cast.lead.pk}
    assert entry.partnership_id == cast.partnership.pk
    assert audit_verify().ok


def test_the_member_can_sign_in_again_afterwards(cast: Cast) -> None:
    with time_machine.travel(START, tick=False):
        signed_in(cast.admin).post(url(cast, cast.lead))
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        client = Client()
        client.post(
            reverse("accounts:sign-in"),
            {"email": cast.lead.email, "password": factories.PASSWORD},
        )
        assert client.get(home(cast)).status_code == 200


def test_only_an_admin_of_the_partnership_may_and_not_on_themselves(cast: Cast) -> None:
    lead = signed_in(cast.lead).post(url(cast, cast.owner))
    outsider = signed_in(cast.outsider).post(url(cast, cast.owner))
    own = signed_in(cast.admin).post(url(cast, cast.admin))

    assert lead.status_code == 403
    assert outsider.status_code == 404
    assert own.status_code == 302
    assert not AuditEntry.objects.filter(verb="person.end-sessions").exists()
