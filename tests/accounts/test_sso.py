"""Single sign-on over OpenID Connect against a real provider on 127.0.0.1
(tests/accounts/oidc_provider.py): the Django test client plays the browser for Trellis,
urllib plays it for the provider."""

from __future__ import annotations

import datetime as dt
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from joserfc.jwk import RSAKey

from tests.accounts.oidc_provider import Provider
from tests.conftest import Cast, signed_in
from trellis.accounts import services, sso
from trellis.accounts.middleware import SSO_PARTNERSHIP
from trellis.accounts.models import Membership, Person, Role, SsoProvider
from trellis.accounts.policy import membership_for
from trellis.audit.models import AuditEntry


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_browser = urllib.request.build_opener(_NoRedirects)


@pytest.fixture
def provider(cast: Cast) -> Iterator[Provider]:
    sso.clear_cache()
    with Provider() as running:
        admin = membership_for(cast.admin, cast.partnership.slug)
        services.provider_save(
            membership=admin,
            name="Riverside Entra",
            issuer=running.issuer,
            client_id=running.client_id,
            client_secret=running.client_secret,
            allowed_domains="",
            trust_email=False,
            is_enabled=True,
        )
        yield running
    sso.clear_cache()


def go_through_provider(client: Client, provider: Provider, slug: str) -> str:
    """Start at Trellis, follow the provider's answer; return the callback URL (path+query)."""
    started = client.get(reverse("accounts:sso-start", args=[slug]))
    assert started.status_code == 302
    assert started["Location"].startswith(provider.issuer + "/authorize?")
    try:
        _browser.open(started["Location"], timeout=5)
    except urllib.error.HTTPError as answer:
        assert answer.code == 302
        back = urllib.parse.urlsplit(answer.headers["Location"])
    else:
        raise AssertionError("the provider did not send the browser back")
    assert back.path == reverse("accounts:sso-callback")
    return back.path + "?" + back.query


def sign_in_with(client: Client, provider: Provider, slug: str) -> Any:
    return client.get(go_through_provider(client, provider, slug))


def refusals() -> list[str]:
    return [e.changes["reason"] for e in AuditEntry.objects.filter(verb="sso.refused")]


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_a_member_signs_in_without_trellis_asking_for_a_code(
    cast: Cast, provider: Provider, settings: Any
) -> None:
    settings.TRELLIS_MFA_REQUIRED = True  # production: the password alone would not do
    provider.claims = {"email": "Lead@Example.org", "email_verified": True}
    client = Client()
    response = sign_in_with(client, provider, cast.partnership.slug)
    home = reverse("plans:partnership-home", args=[cast.partnership.slug])
    assert response.status_code == 302 and response["Location"] == home
    assert client.session["_auth_user_id"] == str(cast.lead.pk)
    assert client.session[SSO_PARTNERSHIP] == cast.partnership.slug
    assert client.get(home).status_code == 200
    assert refusals() == []


def test_a_single_sign_on_session_reaches_only_its_own_partnership(
    cast: Cast, provider: Provider
) -> None:
    Membership.objects.create(person=cast.lead, partnership=cast.other, roles=[Role.OWNER])
    provider.claims = {"email": "lead@example.org", "email_verified": True}
    client = Client()
    sign_in_with(client, provider, cast.partnership.slug)
    assert client.get(reverse("plans:partnership-home", args=[cast.other.slug])).status_code == 404
    # The same person signed in with a password reaches both.
    password_client = signed_in(cast.lead)
    other_home = reverse("plans:partnership-home", args=[cast.other.slug])
    assert password_client.get(other_home).status_code == 200


@pytest.mark.parametrize(
    ("claims", "reason", "shown"),
    [
        (
            {"email": "nobody@example.org", "email_verified": True},
            "unknown-email",
            "There is no Trellis account",
        ),
        (
            {"email": "outsider@example.org", "email_verified": True},
            "not-a-member",
            "You are not a member of",
        ),
        (
            {"email": "lead@example.org", "email_verified": False},
            "email-not-verified",
            "did not confirm your e-mail",
        ),
        ({"email": "lead@example.org"}, "email-not-verified", "did not confirm your e-mail"),
    ],
)
def test_who_is_not_a_verified_member_is_refused_and_the_refusal_audited(
    cast: Cast, provider: Provider, claims: dict[str, Any], reason: str, shown: str
) -> None:
    provider.claims = claims
    client = Client()
    response = sign_in_with(client, provider, cast.partnership.slug)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:sign-in")
    assert not is_signed_in(client)
    assert shown in client.get(response["Location"]).content.decode()
    assert refusals() == [reason]
    entry = AuditEntry.objects.get(verb="sso.refused")
    assert entry.partnership_id == cast.partnership.pk


def _other_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "key-1"})


@pytest.mark.parametrize(
    ("bend", "reason"),
    [
        (lambda p: setattr(p, "sign_with", _other_key()), "bad-token"),
        (lambda p: p.tamper.update(aud="someone-else"), "bad-aud"),
        (lambda p: p.tamper.update(aud=["trellis-test", "someone-else"]), "bad-aud"),
        (lambda p: p.tamper.update(iss="https://evil.example.org/tenant"), "bad-iss"),
        (lambda p: p.tamper.update(exp=1_000_000_000, iat=999_999_000), "bad-exp"),
        (lambda p: p.tamper.update(nonce="not-the-nonce"), "bad-nonce"),
        (lambda p: p.tamper.update(iat=int(time.time()) - 3600), "bad-iat"),
        (lambda p: p.tamper.update(sub=""), "bad-sub"),
    ],
    ids=[
        "bad signature",
        "wrong audience",
        "extra audience without azp",
        "wrong issuer",
        "expired",
        "wrong nonce",
        "issued an hour ago",
        "no subject",
    ],
)
def test_an_id_token_that_does_not_check_out_is_refused(
    cast: Cast, provider: Provider, bend: Any, reason: str
) -> None:
    provider.claims = {"email": "lead@example.org", "email_verified": True}
    bend(provider)
    client = Client()
    response = sign_in_with(client, provider, cast.partnership.slug)
    assert response["Location"] == reverse("accounts:sign-in")
    assert not is_signed_in(client)
    assert refusals() == [reason]


def test_a_replayed_or_forged_state_is_refused_before_the_code_is_spent(
    cast: Cast, provider: Provider
) -> None:
    provider.claims = {"email": "lead@example.org", "email_verified": True}
    client = Client()
    callback = go_through_provider(client, provider, cast.partnership.slug)
    forged = callback.replace("state=", "state=x")
    assert client.get(forged)["Location"] == reverse("accounts:sign-in")
    assert not is_signed_in(client)
    assert provider.token_requests == 0
    # The genuine answer afterwards finds no flow waiting either: a state works once.
    assert client.get(callback)["Location"] == reverse("accounts:sign-in")
    assert not is_signed_in(client)
    # A successful answer cannot be replayed into another browser.
    callback = go_through_provider(client, provider, cast.partnership.slug)
    assert client.get(callback).status_code == 302 and is_signed_in(client)
    thief = Client()
    assert thief.get(callback)["Location"] == reverse("accounts:sign-in")
    assert not is_signed_in(thief)
    assert provider.token_requests == 1


def test_entra_style_addresses_count_only_when_the_admin_trusts_them_and_the_domain_fits(
    cast: Cast, provider: Provider
) -> None:
    provider.claims = {"preferred_username": "Lead@example.org"}  # no email_verified
    client = Client()
    sign_in_with(client, provider, cast.partnership.slug)
    assert not is_signed_in(client)
    SsoProvider.objects.update(trust_email=True, allowed_domains="example.org")
    client = Client()
    sign_in_with(client, provider, cast.partnership.slug)
    assert client.session["_auth_user_id"] == str(cast.lead.pk)
    SsoProvider.objects.update(allowed_domains="riverside.gov.uk")
    client = Client()
    sign_in_with(client, provider, cast.partnership.slug)
    assert not is_signed_in(client)
    assert refusals() == ["email-not-verified", "domain-not-allowed"]


def test_single_sign_on_never_creates_people_memberships_or_roles(
    cast: Cast, provider: Provider
) -> None:
    def snapshot() -> Any:
        return (
            sorted(Person.objects.values_list("email", "is_active")),
            sorted(
                Membership.objects.values_list("person_id", "partnership_id", "roles", "is_active")
            ),
        )

    before = snapshot()
    SsoProvider.objects.update(trust_email=True, allowed_domains="example.org elsewhere.org")
    for email in (
        "new@example.org",
        "outsider@example.org",
        "lead@example.org",
        "admin@elsewhere.org",
    ):
        provider.claims = {"email": email, "email_verified": True}
        sign_in_with(Client(), provider, cast.partnership.slug)
    assert snapshot() == before


def test_the_sign_in_page_offers_each_enabled_provider(cast: Cast, provider: Provider) -> None:
    page = Client().get(reverse("accounts:sign-in")).content.decode()
    assert "Sign in with Riverside Entra" in page
    assert reverse("accounts:sso-start", args=[cast.partnership.slug]) in page
    SsoProvider.objects.update(is_enabled=False)
    assert "Sign in with" not in Client().get(reverse("accounts:sign-in")).content.decode()
    # A disabled (or absent) provider cannot be started by hand either.
    response = Client().get(reverse("accounts:sso-start", args=[cast.partnership.slug]))
    assert response["Location"] == reverse("accounts:sign-in")


# The settings page


def _settings_form(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Riverside Entra",
        "issuer": "https://login.microsoftonline.com/0000-tenant/v2.0",
        "client_id": "client-123",
        "client_secret": "the-secret-value-42",
        "allowed_domains": "riverside.gov.uk",
        "trust_email": "on",
        "is_enabled": "on",
        **changes,
    }


def test_an_admin_sets_up_the_provider_and_the_secret_is_sealed_and_never_shown(
    cast: Cast,
) -> None:
    client = signed_in(cast.admin)
    url = reverse("accounts:sso-settings", args=[cast.partnership.slug])
    assert client.post(url, _settings_form()).status_code == 302
    saved = SsoProvider.objects.get(partnership=cast.partnership)
    assert "the-secret-value-42" not in saved.client_secret
    assert sso.unseal_secret(cast.partnership.pk, saved.client_secret) == "the-secret-value-42"
    page = client.get(url).content.decode()
    assert "the-secret-value-42" not in page and "A client secret is saved" in page
    # An empty secret keeps the saved one.
    assert client.post(url, _settings_form(client_secret="", name="Entra")).status_code == 302
    saved.refresh_from_db()
    assert saved.name == "Entra"
    assert sso.unseal_secret(cast.partnership.pk, saved.client_secret) == "the-secret-value-42"
    # Sealed for this partnership: copied to another, it does not open.
    with pytest.raises(sso.SsoError):
        sso.unseal_secret(cast.other.pk, saved.client_secret)
    entries = AuditEntry.objects.filter(verb="sso.configure")
    assert entries.count() == 2
    assert all("the-secret-value-42" not in str(e.changes) for e in entries)


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"issuer": "http://login.example.org/tenant"}, "must start with https://"),
        ({"allowed_domains": ""}, "List the domains"),
        ({"allowed_domains": "not a domain"}, "Enter domains like"),
        ({"client_secret": ""}, "Enter the client secret"),
    ],
)
def test_bad_settings_get_a_clear_message_and_nothing_is_saved(
    cast: Cast, changes: dict[str, Any], field_error: str
) -> None:
    client = signed_in(cast.admin)
    url = reverse("accounts:sso-settings", args=[cast.partnership.slug])
    response = client.post(url, _settings_form(**changes))
    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert not SsoProvider.objects.exists()
    assert not AuditEntry.objects.filter(verb="sso.configure").exists()


@pytest.mark.parametrize("role", ["owner", "lead", "analyst", "board", "inspector", "outsider"])
def test_only_the_partnerships_admins_may_change_its_provider(cast: Cast, role: str) -> None:
    client = signed_in(getattr(cast, role))
    url = reverse("accounts:sso-settings", args=[cast.partnership.slug])
    assert client.post(url, _settings_form()).status_code in (403, 404)
    assert not SsoProvider.objects.exists()


def test_a_single_sign_on_session_cannot_create_an_api_token(
    cast: Cast, provider: Provider
) -> None:
    from trellis.api.models import ApiToken

    provider.claims = {"email": "lead@example.org", "email_verified": True}
    client = Client()
    sign_in_with(client, provider, cast.partnership.slug)
    form = {"name": "Power BI", "scope": "read", "days": "30"}
    response = client.post(reverse("api:tokens"), form)
    assert response.status_code == 400
    assert "Sign in with your password to create a token" in response.content.decode()
    assert not ApiToken.objects.exists()
    # The same form with a password session creates one.
    assert signed_in(cast.lead).post(reverse("api:tokens"), form).status_code == 200
    assert ApiToken.objects.count() == 1


def test_a_provider_that_rotates_its_key_is_followed_and_an_unknown_key_still_refused(
    cast: Cast, provider: Provider
) -> None:
    provider.claims = {"email": "lead@example.org", "email_verified": True}
    client = Client()
    sign_in_with(client, provider, cast.partnership.slug)
    assert is_signed_in(client)  # the keys are now cached
    provider.key = RSAKey.generate_key(2048, parameters={"kid": "key-2", "use": "sig"})
    provider.kid = "key-2"
    # Keys are fetched again for an unknown key id at most once a minute.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)):
        client = Client()
        sign_in_with(client, provider, cast.partnership.slug)
        assert is_signed_in(client)
    provider.sign_with = RSAKey.generate_key(2048, parameters={"kid": "key-3"})
    provider.kid = "key-3"
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=4)):
        client = Client()
        sign_in_with(client, provider, cast.partnership.slug)
        assert not is_signed_in(client)
    assert refusals() == ["bad-token"]
