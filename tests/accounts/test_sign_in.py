"""Signing in and out, throttling, session limits, password reset and password rules."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from trellis.accounts import services
from trellis.accounts.middleware import SIGNED_IN_AT
from trellis.accounts.models import Membership, Person, Role

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
NEW_PASSWORD = "ochre-lantern-tiptoe-41"
SIGN_IN = "/sign-in/"


def sign_in(client: Client, email: str, password: str = factories.PASSWORD, **extra: str) -> Any:
    return client.post(reverse("accounts:sign-in"), {"email": email, "password": password, **extra})


def home_page(cast: Cast) -> str:
    return reverse("plans:partnership-home", args=[cast.partnership.slug])


def is_sent_to_sign_in(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith(SIGN_IN)


def member(person: Person, cast: Cast) -> Membership:
    return Membership.objects.select_related("partnership", "person").get(
        person=person, partnership=cast.partnership
    )


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


# Signing in


def test_the_right_password_signs_in_and_goes_home(cast: Cast) -> None:
    client = Client()

    response = sign_in(client, cast.lead.email)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(cast.lead.pk)
    assert client.session[SIGNED_IN_AT] > 0


def test_signing_in_changes_the_session_key(cast: Cast) -> None:
    client = Client()
    before = client.session.session_key

    sign_in(client, cast.lead.email)

    assert client.session.session_key != before


def _normalised(response: Any, typed_email: str) -> str:
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)
    body = re.sub(r'nonce="[^"]*"', "", body)
    return body.replace(typed_email, "EMAIL")


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(cast: Cast) -> None:
    unknown = "nobody-here@example.org"

    wrong_password = sign_in(Client(), cast.lead.email, "not-the-password")
    unknown_email = sign_in(Client(), unknown, "not-the-password")

    assert wrong_password.status_code == unknown_email.status_code == 400
    assert wrong_password.context["form"].has_error("__all__", "invalid_login")
    assert _normalised(wrong_password, cast.lead.email) == _normalised(unknown_email, unknown)


def test_ten_failures_refuse_even_the_right_password(cast: Cast, clock: Any) -> None:
    client = Client()
    for _ in range(10):
        assert sign_in(client, cast.lead.email, "guess").status_code == 400

    response = sign_in(client, cast.lead.email)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_right_password_works_again_after_the_cool_off(cast: Cast, clock: Any) -> None:
    client = Client()
    for _ in range(10):
        sign_in(client, cast.lead.email, "guess")

    clock.shift(dt.timedelta(minutes=16))
    response = sign_in(client, cast.lead.email)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.lead.pk)


def test_another_person_at_the_same_address_is_not_throttled(cast: Cast, clock: Any) -> None:
    for _ in range(10):
        sign_in(Client(), cast.lead.email, "guess")

    response = sign_in(Client(), cast.analyst.email)

    assert response.status_code == 302


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/steal", "//evil.example/", "http://evil.example"]
)
def test_a_next_address_on_another_host_is_ignored(cast: Cast, next_url: str) -> None:
    response = sign_in(Client(), cast.lead.email, next=next_url)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_next_address_on_this_site_is_followed(cast: Cast) -> None:
    response = sign_in(Client(), cast.lead.email, next=home_page(cast))

    assert response["Location"] == home_page(cast)


# Signing out and session limits


def test_sign_out_refuses_a_get(cast: Cast) -> None:
    client = signed_in(cast.lead)

    response = client.get(reverse("accounts:sign-out"))

    assert response.status_code == 405
    assert client.get(home_page(cast)).status_code == 200


def test_signing_out_makes_the_old_session_cookie_anonymous(cast: Cast) -> None:
    client = Client()
    sign_in(client, cast.lead.email)
    old_cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value

    client.post(reverse("accounts:sign-out"))

    replay = Client()
    replay.cookies[django_settings.SESSION_COOKIE_NAME] = old_cookie
    assert is_sent_to_sign_in(replay.get(home_page(cast)))


def test_a_session_ends_after_31_idle_minutes(cast: Cast, clock: Any) -> None:
    client = Client()
    sign_in(client, cast.lead.email)
    assert client.get(home_page(cast)).status_code == 200

    clock.shift(dt.timedelta(minutes=31))

    assert is_sent_to_sign_in(client.get(home_page(cast)))


def test_a_session_ends_after_12_hours_however_active(cast: Cast, clock: Any) -> None:
    client = Client()
    sign_in(client, cast.lead.email)
    for _ in range(12 * 6):
        clock.shift(dt.timedelta(minutes=10))
        assert client.get(home_page(cast)).status_code == 200

    clock.shift(dt.timedelta(minutes=1))

    assert is_sent_to_sign_in(client.get(home_page(cast)))


def test_a_deactivated_person_is_signed_out_on_their_next_request(cast: Cast) -> None:
    client = signed_in(cast.lead)
    assert client.get(home_page(cast)).status_code == 200

    services.person_deactivate(membership=member(cast.admin, cast), target=member(cast.lead, cast))

    assert is_sent_to_sign_in(client.get(home_page(cast)))


def test_an_inactive_account_is_signed_out_on_its_next_request(cast: Cast) -> None:
    client = signed_in(cast.lead)

    Person.objects.filter(pk=cast.lead.pk).update(is_active=False)

    assert is_sent_to_sign_in(client.get(home_page(cast)))


def test_a_removed_membership_hides_the_partnership_on_the_next_request(cast: Cast) -> None:
    client = signed_in(cast.lead)
    target = member(cast.lead, cast)

    services.membership_update(
        membership=member(cast.admin, cast),
        target=target,
        expected_version=target.version,
        agency=None,
        roles=target.roles,
        is_active=False,
    )

    assert client.get(home_page(cast)).status_code == 404


# Passwords


def test_passwords_are_stored_with_argon2id(db: None, settings: Any) -> None:
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]

    person = factories.person(factories.partnership(), Role.LEAD)

    assert person.password.startswith("argon2$argon2id$")
    assert sign_in(Client(), person.email).status_code == 302


def test_a_long_uncommon_password_is_accepted(db: None) -> None:
    validate_password(NEW_PASSWORD)


def test_a_password_that_is_mostly_the_product_name_is_refused(db: None) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_password("Trellis-2026!")

    assert [e.code for e in raised.value.error_list] == ["password_context"]


# Password reset


def test_the_reset_request_answers_the_same_for_known_and_unknown_addresses(cast: Cast) -> None:
    page = reverse("accounts:reset-request")

    known = Client().post(page, {"email": cast.lead.email})
    unknown = Client().post(page, {"email": "nobody-here@example.org"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("accounts:reset-sent")
    assert [m.to for m in mail.outbox] == [[cast.lead.email]]


def _reset_link(cast: Cast) -> str:
    Client().post(reverse("accounts:reset-request"), {"email": cast.lead.email})
    (message,) = mail.outbox
    match = re.search(r"https?://[^/\s]+(/password-reset/\S+/)", message.body)
    assert match, "the e-mail holds no reset link"
    return match.group(1)


def _reset_with(client: Client, link: str, password: str = NEW_PASSWORD) -> Any:
    form_page = client.get(link)
    assert form_page.status_code == 302
    return client.post(
        form_page["Location"], {"new_password1": password, "new_password2": password}
    )


def test_the_reset_link_sets_a_new_password(cast: Cast) -> None:
    response = _reset_with(Client(), _reset_link(cast))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:reset-done")
    assert sign_in(Client(), cast.lead.email, NEW_PASSWORD).status_code == 302


def test_the_reset_link_works_only_once(cast: Cast) -> None:
    link = _reset_link(cast)
    _reset_with(Client(), link)

    again = Client().get(link, follow=True)

    assert again.status_code == 200
    assert again.context["validlink"] is False


def test_after_a_reset_the_old_password_fails(cast: Cast) -> None:
    _reset_with(Client(), _reset_link(cast))

    assert sign_in(Client(), cast.lead.email, factories.PASSWORD).status_code == 400


def test_a_reset_ends_the_persons_other_sessions(cast: Cast) -> None:
    earlier = Client()
    sign_in(earlier, cast.lead.email)
    assert earlier.get(home_page(cast)).status_code == 200

    _reset_with(Client(), _reset_link(cast))

    assert is_sent_to_sign_in(earlier.get(home_page(cast)))


def test_the_reset_form_refuses_a_password_too_close_to_the_product_name(cast: Cast) -> None:
    response = _reset_with(Client(), _reset_link(cast), "Trellis-2026!")

    assert response.status_code == 200
    assert response.context["form"].has_error("new_password2", "password_context")
    assert sign_in(Client(), cast.lead.email).status_code == 302
