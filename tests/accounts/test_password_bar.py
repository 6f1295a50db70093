"""The password rows of the security bar not covered elsewhere: legacy hashes upgraded to
Argon2id at sign-in with parameters above the ASVS minimum (SECURITY-BAR 6), any long
uncommon password accepted exactly as typed (7), and a throttle keyed on an address that a
client cannot spoof (9)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tests.conftest import Cast
from trellis.accounts.models import Person, Role

SIGN_IN = reverse("accounts:sign-in")
ARGON2_FIRST = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def sign_in(client: Client, email: str, password: str, **headers: str) -> Any:
    return client.post(SIGN_IN, {"email": email, "password": password}, **headers)


def test_a_pbkdf2_hash_is_upgraded_to_argon2id_at_sign_in(cast: Cast, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ARGON2_FIRST
    Person.objects.filter(pk=cast.lead.pk).update(
        password=make_password(factories.PASSWORD, hasher="pbkdf2_sha256")
    )

    response = sign_in(Client(), cast.lead.email, factories.PASSWORD)

    assert response.status_code == 302
    stored = Person.objects.get(pk=cast.lead.pk).password
    assert stored.startswith("argon2$argon2id$")
    params = dict(p.split("=") for p in stored.split("$")[3].split(","))
    # ASVS 5.0 appendix C: at least t=2, m=19 MiB, p=1.
    assert int(params["t"]) >= 2 and int(params["m"]) >= 19 * 1024 and int(params["p"]) >= 1


PASSWORDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=12, max_size=128
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(password=PASSWORDS)
def test_any_long_uncommon_password_is_accepted_and_signs_in_exactly_as_typed(
    db: Any, password: str
) -> None:
    try:
        validate_password(password)
    except ValidationError as refused:
        # Only the common-password list or the product's own words may refuse it.
        assert {e.code for e in refused.error_list} <= {"password_too_common", "password_context"}
        return
    person = factories.person(None)
    person.set_password(password)
    person.save()
    try:
        assert sign_in(Client(), person.email, password).status_code == 302
        assert sign_in(Client(), person.email, password + " ").status_code == 400
    finally:
        person.delete()


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Elevenchars", "password_too_short"),
        ("Password1234", "password_too_common"),
    ],
)
def test_short_and_common_passwords_are_refused(db: Any, password: str, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_password(password)

    assert code in {e.code for e in refused.value.error_list}


def test_the_partnerships_name_with_digits_is_refused(db: Any) -> None:
    part = factories.partnership()

    with pytest.raises(ValidationError) as refused:
        validate_password(part.name + "2026")

    assert "password_context" in {e.code for e in refused.value.error_list}


def test_leading_and_trailing_spaces_are_part_of_the_password(cast: Cast) -> None:
    person = factories.person(cast.partnership, Role.LEAD)
    person.set_password("  ochre lantern tiptoe  ")
    person.save()

    assert sign_in(Client(), person.email, "ochre lantern tiptoe").status_code == 400
    assert sign_in(Client(), person.email, "  ochre lantern tiptoe  ").status_code == 302


def test_a_spoofed_forwarded_for_header_does_not_escape_the_throttle(
    cast: Cast, settings: Any
) -> None:
    settings.TRELLIS_TRUSTED_PROXIES = 1  # one proxy, which appends the real address
    for n in range(10):
        spoofed = {"HTTP_X_FORWARDED_FOR": f"10.9.8.{n}, 203.0.113.7"}
        assert sign_in(Client(), cast.lead.email, "a guess", **spoofed).status_code == 400

    response = sign_in(
        Client(),
        cast.lead.email,
        factories.PASSWORD,
        HTTP_X_FORWARDED_FOR="10.9.8.99, 203.0.113.7",
    )
    elsewhere = sign_in(
        Client(), cast.lead.email, factories.PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.4"
    )

    assert response.status_code == 429
    assert elsewhere.status_code == 302  # the real address is what is throttled


def test_without_a_trusted_proxy_the_header_is_ignored(cast: Cast, settings: Any) -> None:
    settings.TRELLIS_TRUSTED_PROXIES = 0
    for n in range(10):
        header = {"HTTP_X_FORWARDED_FOR": f"10.9.8.{n}"}
        sign_in(Client(), cast.lead.email, "a guess", **header)

    response = sign_in(
        Client(), cast.lead.email, factories.PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9"
    )

    assert response.status_code == 429
