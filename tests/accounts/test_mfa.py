"""Two-step sign-in: who needs it, setting it up, the code at sign-in (single use,
throttled), recovery codes, the secret at rest, and an admin's reset. Production behaviour
is tested by switching TRELLIS_MFA_REQUIRED on, as production does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from tests.test_url_matrix import world  # noqa: F401 (a fixture: the matrix's sample objects)
from trellis.accounts import mfa
from trellis.accounts.mfa_views import PENDING
from trellis.accounts.models import CodeFailure, Membership, MfaDevice, Person, RecoveryCode
from trellis.audit.models import AuditEntry
from trellis.audit.services import audit_verify
from trellis.startup import DEMO_DOMAIN

START = dt.datetime(2026, 3, 2, 9, 0, 10, tzinfo=dt.UTC)
SIGN_IN = reverse("accounts:sign-in")
CODE = reverse("accounts:sign-in-code")
SET_UP = reverse("accounts:sign-in-set-up")


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def production(settings: Any) -> None:
    settings.TRELLIS_MFA_REQUIRED = True


def password_step(client: Client, person: Person, **extra: str) -> Any:
    return client.post(SIGN_IN, {"email": person.email, "password": factories.PASSWORD, **extra})


def code_now(secret: str, *, offset_steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(dt.datetime.now(dt.UTC)) + offset_steps)


def enrolled(person: Person) -> tuple[str, list[str]]:
    """Give `person` an authenticator; returns its secret and the recovery codes."""
    secret = mfa.new_secret()
    return secret, mfa.enrol(person, secret, code_now(secret, offset_steps=-1))


def is_signed_in(client: Client, person: Person) -> bool:
    return client.session.get("_auth_user_id") == str(person.pk)


def home_of(cast: Cast) -> str:
    return reverse("plans:partnership-home", args=[cast.partnership.slug])


# Who needs a second step


def test_outside_production_people_without_an_app_sign_in_with_the_password(cast: Cast) -> None:
    client = Client()

    response = password_step(client, cast.lead)

    assert response["Location"] == reverse("home")
    assert is_signed_in(client, cast.lead)


def test_in_production_the_password_alone_does_not_sign_in(cast: Cast, production: None) -> None:
    client = Client()

    response = password_step(client, cast.lead)

    assert response.status_code == 302
    assert response["Location"] == SET_UP
    assert not is_signed_in(client, cast.lead)
    assert client.get(home_of(cast))["Location"].startswith(SIGN_IN)


def test_a_half_signed_in_session_reaches_nothing_an_anonymous_one_cannot(
    cast: Cast,
    clock: Any,
    world: Any,  # noqa: F811
) -> None:
    """The URL walk with a password-only session: every URL answers as for anonymous."""
    from tests.test_url_matrix import EXPECTED, url_patterns

    enrolled(cast.admin)
    client = Client()
    password_step(client, cast.admin)
    assert PENDING in client.session
    names = dict(url_patterns())
    walked = 0
    for name, row in EXPECTED.items():
        if name.startswith("accounts:sign-in") or name not in names:
            continue
        url = reverse(name, kwargs=row.kwargs(world))
        response = client.get(url)
        expected = row.expect["anonymous"]
        got = response.status_code
        if got == 302:
            got = "302 to sign-in" if response["Location"].startswith(SIGN_IN) else "302 elsewhere"
        assert got == expected, name
        walked += 1
    assert walked > 50
    assert not is_signed_in(client, cast.admin)


def test_demo_accounts_are_exempt_and_cannot_set_up_an_app(db: Any, production: None) -> None:
    part = factories.partnership()
    demo = factories.person(part, "lead", email=f"lead@{DEMO_DOMAIN}")
    client = Client()

    response = password_step(client, demo)

    assert response["Location"] == reverse("home")
    assert is_signed_in(client, demo)
    secret = mfa.new_secret()
    with pytest.raises(mfa.Invalid):
        mfa.enrol(demo, secret, code_now(secret))
    assert not MfaDevice.objects.filter(person=demo).exists()


# Setting up at the first sign-in


def test_setting_up_at_sign_in_then_signs_in_and_shows_codes_once(
    cast: Cast, production: None, clock: Any
) -> None:
    client = Client()
    password_step(client, cast.lead, next=home_of(cast))
    page = client.get(SET_UP)
    secret = page.context["secret_groups"].replace(" ", "")
    assert page.context["uri"].startswith("otpauth://totp/Trellis:")
    assert f"secret={secret}" in page.context["uri"]
    assert client.get(SET_UP).context["secret_groups"].replace(" ", "") == secret  # stable

    response = client.post(SET_UP, {"code": code_now(secret)})

    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == mfa.RECOVERY_CODE_COUNT == len(set(codes))
    assert is_signed_in(client, cast.lead)
    assert response["Cache-Control"].count("no-store")
    entry = AuditEntry.objects.filter(verb="mfa.enrol").get()
    assert entry.object_id == str(cast.lead.pk)
    assert audit_verify().ok


def test_a_wrong_code_while_setting_up_keeps_nothing(
    cast: Cast, production: None, clock: Any
) -> None:
    client = Client()
    password_step(client, cast.lead)
    secret = client.get(SET_UP).context["secret_groups"].replace(" ", "")
    wrong = "000000" if code_now(secret) != "000000" else "111111"

    response = client.post(SET_UP, {"code": wrong})

    assert response.status_code == 400
    assert "does not match" in response.content.decode()
    assert not MfaDevice.objects.filter(person=cast.lead).exists()
    assert not RecoveryCode.objects.filter(person=cast.lead).exists()
    assert not is_signed_in(client, cast.lead)


def test_neither_secret_nor_recovery_codes_are_stored_in_clear(cast: Cast, clock: Any) -> None:
    secret, codes = enrolled(cast.lead)
    device = MfaDevice.objects.get(person=cast.lead)
    digests = list(RecoveryCode.objects.values_list("digest", flat=True))

    assert secret not in device.secret
    assert mfa.unseal(cast.lead.pk, device.secret) == secret
    for code in codes:
        assert all(mfa.normalise_code(code) not in d.upper() for d in digests)


def test_a_sealed_secret_opens_only_for_its_own_person(cast: Cast) -> None:
    sealed = mfa.seal(cast.lead.pk, "JBSWY3DPEHPK3PXP")

    with pytest.raises(mfa.MfaKeyError):
        mfa.unseal(cast.owner.pk, sealed)


def test_a_rotated_secret_key_still_opens_the_secret_from_its_fallbacks(
    cast: Cast, settings: Any
) -> None:
    sealed = mfa.seal(cast.lead.pk, "JBSWY3DPEHPK3PXP")
    old = settings.SECRET_KEY

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + "y" * 50, [old]
    assert mfa.unseal(cast.lead.pk, sealed) == "JBSWY3DPEHPK3PXP"
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(mfa.MfaKeyError):
        mfa.unseal(cast.lead.pk, sealed)


# The code at sign-in


def test_an_enrolled_person_signs_in_with_the_code(cast: Cast, clock: Any) -> None:
    secret, _codes = enrolled(cast.lead)
    client = Client()

    first = password_step(client, cast.lead, next=home_of(cast))
    response = client.post(CODE, {"code": code_now(secret)})

    assert first["Location"] == CODE  # outside production too, once enrolled
    assert response.status_code == 302
    assert response["Location"] == home_of(cast)
    assert is_signed_in(client, cast.lead)
    assert PENDING not in client.session


def test_a_code_works_only_once(cast: Cast, clock: Any) -> None:
    secret, _codes = enrolled(cast.lead)
    code = code_now(secret)
    first, second = Client(), Client()
    password_step(first, cast.lead)
    assert first.post(CODE, {"code": code}).status_code == 302

    password_step(second, cast.lead)
    clock.shift(dt.timedelta(seconds=2))
    response = second.post(CODE, {"code": code})

    assert response.status_code == 400
    assert not is_signed_in(second, cast.lead)


def test_after_a_wrong_code_even_the_right_one_waits_a_growing_delay(
    cast: Cast, clock: Any
) -> None:
    secret, _codes = enrolled(cast.lead)
    client = Client()
    password_step(client, cast.lead)
    clock.shift(dt.timedelta(seconds=30))  # a fresh step: the enrolment's code is used
    right = code_now(secret)
    wrong = "999999" if right != "999999" else "888888"

    assert client.post(CODE, {"code": wrong}).status_code == 400
    assert client.post(CODE, {"code": right}).status_code == 429  # within 1 s
    clock.shift(dt.timedelta(seconds=1))
    assert client.post(CODE, {"code": wrong}).status_code == 400
    clock.shift(dt.timedelta(seconds=1))
    assert client.post(CODE, {"code": right}).status_code == 429  # the wait is now 2 s
    clock.shift(dt.timedelta(seconds=1))

    response = client.post(CODE, {"code": right})

    assert response.status_code == 302
    assert not CodeFailure.objects.filter(person=cast.lead).exists()


def test_ten_wrong_codes_mean_the_cool_off(cast: Cast, clock: Any, settings: Any) -> None:
    secret, _codes = enrolled(cast.lead)
    client = Client()
    password_step(client, cast.lead)
    for _ in range(settings.TRELLIS_SIGN_IN_MAX_FAILURES):
        clock.shift(dt.timedelta(seconds=mfa.MAX_DELAY_SECONDS // 3))  # past short delays
        CodeFailure.objects.create(
            person=cast.lead, ip_address="127.0.0.1", at=dt.datetime.now(dt.UTC)
        )
    clock.shift(dt.timedelta(seconds=mfa.MAX_DELAY_SECONDS))
    password_step(client, cast.lead)

    refused = client.post(CODE, {"code": code_now(secret)})
    clock.shift(dt.timedelta(minutes=15))
    password_step(client, cast.lead)
    accepted = client.post(CODE, {"code": code_now(secret)})

    assert refused.status_code == 429
    assert "minutes" in refused.content.decode()
    assert accepted.status_code == 302


def test_the_half_way_note_expires(cast: Cast, clock: Any) -> None:
    secret, _codes = enrolled(cast.lead)
    client = Client()
    password_step(client, cast.lead)
    clock.shift(dt.timedelta(minutes=6))

    response = client.post(CODE, {"code": code_now(secret)})

    assert response["Location"] == SIGN_IN
    assert not is_signed_in(client, cast.lead)


def test_the_code_page_without_a_password_first_goes_to_sign_in(db: Any) -> None:
    assert Client().get(CODE)["Location"] == SIGN_IN
    assert Client().get(SET_UP)["Location"] == SIGN_IN


def test_a_deactivated_person_half_way_is_stopped(cast: Cast, clock: Any) -> None:
    secret, _codes = enrolled(cast.lead)
    client = Client()
    password_step(client, cast.lead)
    Person.objects.filter(pk=cast.lead.pk).update(is_active=False)

    response = client.post(CODE, {"code": code_now(secret)})

    assert response["Location"] == SIGN_IN


# Recovery codes


def test_a_recovery_code_signs_in_once(cast: Cast, clock: Any) -> None:
    _secret, codes = enrolled(cast.lead)
    first, second = Client(), Client()
    password_step(first, cast.lead)

    response = first.post(CODE, {"code": codes[3].lower().replace("-", " ")})
    password_step(second, cast.lead)
    clock.shift(dt.timedelta(seconds=5))
    again = second.post(CODE, {"code": codes[3]})

    assert response.status_code == 302
    assert is_signed_in(first, cast.lead)
    assert again.status_code == 400
    assert mfa.recovery_codes_left(cast.lead) == mfa.RECOVERY_CODE_COUNT - 1
    entry = AuditEntry.objects.get(verb="mfa.recovery-used")
    assert entry.changes == {"left": mfa.RECOVERY_CODE_COUNT - 1}


def test_new_recovery_codes_need_the_password_and_replace_the_old(cast: Cast, clock: Any) -> None:
    _secret, old = enrolled(cast.lead)
    client = signed_in(cast.lead)
    url = reverse("accounts:recovery-codes")

    wrong = client.post(url, {"password": "not-my-password"})
    response = client.post(url, {"password": factories.PASSWORD})

    assert wrong.status_code == 400
    new = response.context["codes"]
    assert set(new).isdisjoint(old)
    assert mfa.check_code(cast.lead, old[0], None).accepted is False
    clock.shift(dt.timedelta(seconds=2))
    assert mfa.check_code(cast.lead, new[0], None).accepted is True


# The person's own page


def test_setting_up_from_the_security_page_needs_the_password(cast: Cast, clock: Any) -> None:
    client = signed_in(cast.lead)
    url = reverse("accounts:security-set-up")
    secret = client.get(url).context["secret_groups"].replace(" ", "")

    no_password = client.post(url, {"password": "wrong-wrong-wrong", "code": code_now(secret)})
    response = client.post(url, {"password": factories.PASSWORD, "code": code_now(secret)})

    assert no_password.status_code == 400
    assert response.status_code == 200
    assert len(response.context["codes"]) == mfa.RECOVERY_CODE_COUNT
    assert MfaDevice.objects.filter(person=cast.lead).exists()


def test_replacing_the_app_stops_the_old_one(cast: Cast, clock: Any) -> None:
    old_secret, old_codes = enrolled(cast.lead)
    client = signed_in(cast.lead)
    url = reverse("accounts:security-set-up")
    new_secret = client.get(url).context["secret_groups"].replace(" ", "")
    client.post(url, {"password": factories.PASSWORD, "code": code_now(new_secret)})
    assert AuditEntry.objects.filter(verb="mfa.enrol").last().changes["replaced"] is True
    clock.shift(dt.timedelta(seconds=30))

    assert mfa.check_code(cast.lead, old_codes[0], None).accepted is False
    clock.shift(dt.timedelta(seconds=2))
    assert (
        code_now(old_secret) == code_now(new_secret)
        or mfa.check_code(cast.lead, code_now(old_secret), None).accepted is False
    )


def test_the_security_page_says_what_is_set_up(cast: Cast, clock: Any) -> None:
    client = signed_in(cast.lead)
    before = client.get(reverse("accounts:security")).content.decode()
    enrolled(cast.lead)
    after = client.get(reverse("accounts:security")).content.decode()

    assert "You sign in with your password only" in before
    assert "Recovery codes left" in after


# An admin's reset


def test_an_admin_resets_a_members_app_and_it_is_audited(cast: Cast, clock: Any) -> None:
    enrolled(cast.lead)
    target = Membership.objects.get(person=cast.lead, partnership=cast.partnership)
    url = reverse("accounts:person-mfa-reset", args=[cast.partnership.slug, target.pk])
    client = signed_in(cast.admin)

    page = client.get(url)
    response = client.post(url)

    assert "Reset two-step sign-in of" in page.content.decode()
    assert response.status_code == 302
    assert not MfaDevice.objects.filter(person=cast.lead).exists()
    assert not RecoveryCode.objects.filter(person=cast.lead).exists()
    entry = AuditEntry.objects.get(verb="person.mfa-reset")
    assert entry.partnership_id == cast.partnership.pk
    assert entry.actor_id == cast.admin.pk
    assert entry.changes == {"person": cast.lead.pk, "had_device": True}
    assert audit_verify().ok


def test_the_people_page_offers_the_reset_only_for_people_with_an_app(
    cast: Cast, clock: Any
) -> None:
    enrolled(cast.lead)
    page = signed_in(cast.admin).get(reverse("accounts:people", args=[cast.partnership.slug]))
    lead = Membership.objects.get(person=cast.lead, partnership=cast.partnership)
    owner = Membership.objects.get(person=cast.owner, partnership=cast.partnership)
    body = page.content.decode()

    assert reverse("accounts:person-mfa-reset", args=[cast.partnership.slug, lead.pk]) in body
    assert reverse("accounts:person-mfa-reset", args=[cast.partnership.slug, owner.pk]) not in body


def test_admins_cannot_reset_their_own_or_another_partnerships_members(
    cast: Cast, clock: Any
) -> None:
    enrolled(cast.admin)
    enrolled(cast.outsider)
    own = Membership.objects.get(person=cast.admin, partnership=cast.partnership)
    foreign = Membership.objects.get(person=cast.outsider, partnership=cast.other)
    client = signed_in(cast.admin)

    client.post(reverse("accounts:person-mfa-reset", args=[cast.partnership.slug, own.pk]))
    other = client.post(
        reverse("accounts:person-mfa-reset", args=[cast.partnership.slug, foreign.pk])
    )
    lead = signed_in(cast.lead).post(
        reverse("accounts:person-mfa-reset", args=[cast.partnership.slug, own.pk])
    )

    assert other.status_code == 404
    assert lead.status_code == 403
    assert MfaDevice.objects.filter(person__in=[cast.admin, cast.outsider]).count() == 2
    assert not AuditEntry.objects.filter(verb="person.mfa-reset").exists()


# Password reset does not skip the second step


def test_a_password_reset_does_not_sign_in_and_the_next_sign_in_asks_for_the_code(
    cast: Cast, clock: Any
) -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    enrolled(cast.lead)
    client = Client()
    uid = urlsafe_base64_encode(force_bytes(cast.lead.pk))
    token = default_token_generator.make_token(cast.lead)
    form = client.get(reverse("accounts:reset-confirm", args=[uid, token]), follow=True)
    new = "ochre-lantern-tiptoe-41"
    client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})

    assert not is_signed_in(client, cast.lead)
    response = client.post(SIGN_IN, {"email": cast.lead.email, "password": new})
    assert response["Location"] == CODE


def test_the_command_line_reset_acts_as_a_named_admin(cast: Cast, clock: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    enrolled(cast.lead)
    out = StringIO()

    call_command(
        "people", "mfa-reset", cast.lead.email, "--as", cast.admin.email,
        "--partnership", cast.partnership.slug, stdout=out,
    )  # fmt: skip

    assert "reset" in out.getvalue()
    assert not MfaDevice.objects.filter(person=cast.lead).exists()
    assert AuditEntry.objects.get(verb="person.mfa-reset").actor_id == cast.admin.pk


def test_a_secret_key_changed_without_a_fallback_refuses_codes_without_an_error(
    cast: Cast, clock: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    secret, _codes = enrolled(cast.lead)
    settings.SECRET_KEY = "an-entirely-new-key-" + "z" * 40
    clock.shift(dt.timedelta(seconds=30))

    result = mfa.check_code(cast.lead, code_now(secret), None)

    assert result.accepted is False
    assert "SECRET_KEY_FALLBACKS" in caplog.text


def test_the_people_page_costs_the_same_queries_for_few_and_many_members(
    cast: Cast, clock: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(cast.admin)
    url = reverse("accounts:people", args=[cast.partnership.slug])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(25):
        enrolled(factories.person(cast.partnership, "lead"))
    many = queries()

    assert many == few


@pytest.mark.parametrize("offset", [-2, 2, 10])
def test_codes_more_than_one_step_away_are_refused(cast: Cast, clock: Any, offset: int) -> None:
    secret, _codes = enrolled(cast.lead)
    clock.shift(dt.timedelta(seconds=90))  # well past the step used to enrol
    assert mfa.check_code(cast.lead, code_now(secret, offset_steps=offset), None).accepted is False


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_the_neighbouring_steps_are_accepted_for_clock_drift(
    cast: Cast, clock: Any, offset: int
) -> None:
    secret, _codes = enrolled(cast.lead)
    clock.shift(dt.timedelta(seconds=90))
    assert mfa.check_code(cast.lead, code_now(secret, offset_steps=offset), None).accepted is True
