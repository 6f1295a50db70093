"""The security event log (SECURITY-BAR 32): each kind of event, driven once through the
pages (or the command line, or the service for the retention purge), is exactly one JSON
line on the `trellis.security` logger with every field right; passwords, session keys,
tokens and e-mail addresses never reach it; control characters are escaped."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.accounts.oidc_provider import Provider
from tests.accounts.test_sso import provider, sign_in_with  # noqa: F401 (provider: a fixture)
from tests.api.conftest import Api, token_of, url
from tests.casedata.test_load import (
    BROKEN,
    computed_looked_after,
    load_on_the_command_line,
    write,
)
from tests.casedata.test_load import upload as upload_extract
from tests.casedata.test_retention import DUE, LOADED, loaded_at, purge_at
from tests.conftest import Cast, NeverLogged, signed_in
from tests.progress.test_evidence import Scene, pdf_bytes, post_file, scene  # noqa: F401
from trellis import views
from trellis.accounts import mfa
from trellis.accounts.models import Agency, Membership, Person, Role
from trellis.api.models import ApiToken
from trellis.backup.dump import operator
from trellis.casedata.models import Snapshot
from trellis.http import RequestIdLogFilter
from trellis.security_log import JsonLinesFormatter, security_event

FIELDS = {"ts", "event", "outcome", "reason", "user", "agency", "partnership", "ip", "request_id"}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SIGN_IN = reverse("accounts:sign-in")
CODE = reverse("accounts:sign-in-code")
START = dt.datetime(2026, 3, 2, 9, 0, 10, tzinfo=dt.UTC)


class Captured:
    """What the trellis.security logger wrote, through the formatter settings configure."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines()]

    def of(self, event: str) -> list[dict[str, Any]]:
        return [r for r in self.records() if r["event"] == event]

    def only(self, event: str, outcome: str) -> dict[str, Any]:
        """The one record of `event`, with every field, and the expected outcome."""
        found = self.of(event)
        assert len(found) == 1, found
        record = found[0]
        assert set(record) >= FIELDS, record
        assert TIMESTAMP.match(record["ts"]), record["ts"]
        assert record["outcome"] == outcome
        return record


@pytest.fixture
def log() -> Iterator[Captured]:
    captured = Captured()
    handler = logging.StreamHandler(captured.stream)
    handler.setFormatter(JsonLinesFormatter())
    handler.addFilter(RequestIdLogFilter())
    logger = logging.getLogger("trellis.security")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield captured
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
def agency(cast: Cast) -> Agency:
    """Everyone of the home partnership belongs to one agency there."""
    council = Agency.objects.create(partnership=cast.partnership, name="Riverside Council")
    Membership.objects.filter(partnership=cast.partnership).update(agency=council)
    return council


def assert_request(
    record: dict[str, Any],
    response: Any,
    *,
    user: int | None,
    partnership: str | None = None,
    agency: int | None = None,
    ip: str = "127.0.0.1",
) -> None:
    assert record["request_id"] == response["X-Request-Id"]
    assert (record["user"], record["partnership"], record["agency"], record["ip"]) == (
        user,
        partnership,
        agency,
        ip,
    )


def member(cast: Cast, person: Person) -> Membership:
    return Membership.objects.get(person=person, partnership=cast.partnership)


# Signing in and out


def test_a_sign_in_is_one_login_success_with_the_persons_id(cast: Cast, log: Captured) -> None:
    response = Client().post(SIGN_IN, {"email": cast.lead.email, "password": factories.PASSWORD})

    record = log.only("login", "success")
    assert_request(record, response, user=cast.lead.pk)
    assert record["method"] == "password"


def test_a_failed_sign_in_names_the_account_by_id_and_the_address_behind_the_proxy(
    cast: Cast, log: Captured, settings: Any
) -> None:
    settings.TRELLIS_TRUSTED_PROXIES = 1
    response = Client().post(
        SIGN_IN,
        {"email": cast.lead.email, "password": "Wrong-Password-1"},
        HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9",
    )

    record = log.only("login", "failure")
    assert_request(record, response, user=cast.lead.pk, ip="203.0.113.9")
    assert record["reason"] == "bad_credentials"


def test_a_failed_sign_in_for_no_account_has_no_user(db: None, log: Captured) -> None:
    Client().post(SIGN_IN, {"email": "nobody@example.org", "password": "Wrong-Password-1"})

    assert log.only("login", "failure")["user"] is None


def test_the_sign_in_throttle_logs_one_lockout_per_refused_attempt(
    cast: Cast, log: Captured, settings: Any
) -> None:
    wrong = {"email": cast.lead.email, "password": "Wrong-Password-1"}
    client = Client()
    for _ in range(settings.TRELLIS_SIGN_IN_MAX_FAILURES):
        client.post(SIGN_IN, wrong)

    response = client.post(SIGN_IN, wrong)

    assert response.status_code == 429
    record = log.only("login.lockout", "refused")
    assert_request(record, response, user=cast.lead.pk)
    assert record["reason"] == "too_many_failures"
    assert len(log.of("login")) == settings.TRELLIS_SIGN_IN_MAX_FAILURES


def test_signing_out_is_one_logout(cast: Cast, log: Captured) -> None:
    response = signed_in(cast.lead).post(reverse("accounts:sign-out"))

    assert_request(log.only("logout", "success"), response, user=cast.lead.pk)


# The second step


@pytest.fixture
def two_step(cast: Cast, settings: Any) -> Iterator[tuple[Client, str]]:
    """The lead, with an authenticator, half-way through signing in; and its secret."""
    settings.TRELLIS_MFA_REQUIRED = True
    with time_machine.travel(START, tick=False):
        secret = mfa.new_secret()
        totp = pyotp.TOTP(secret)
        mfa.enrol(cast.lead, secret, totp.generate_otp(totp.timecode(START) - 1))
        client = Client()
        client.post(SIGN_IN, {"email": cast.lead.email, "password": factories.PASSWORD})
        yield client, secret


def test_a_right_code_is_one_mfa_success_then_one_login_success(
    cast: Cast, log: Captured, two_step: tuple[Client, str]
) -> None:
    client, secret = two_step

    response = client.post(CODE, {"code": pyotp.TOTP(secret).now()})

    assert response.status_code == 302
    mfa_record = log.only("mfa", "success")
    assert_request(mfa_record, response, user=cast.lead.pk)
    assert mfa_record["method"] == "totp"
    assert log.only("login", "success")["method"] == "mfa"


def test_a_wrong_code_is_an_mfa_failure_and_the_next_try_at_once_an_mfa_lockout(
    cast: Cast, log: Captured, two_step: tuple[Client, str]
) -> None:
    client, _secret = two_step

    wrong = client.post(CODE, {"code": "000000"})
    waiting = client.post(CODE, {"code": "000000"})

    assert waiting.status_code == 429
    failure = log.only("mfa", "failure")
    assert_request(failure, wrong, user=cast.lead.pk)
    assert failure["reason"] == "wrong_code"
    assert_request(log.only("mfa.lockout", "refused"), waiting, user=cast.lead.pk)
    assert log.of("login") == []


# Passwords


def reset_password(person: Person) -> tuple[Any, Any]:
    """Ask for a reset link by e-mail and set a new password with it: the two answers."""
    request = Client().post(reverse("accounts:reset-request"), {"email": person.email})
    link = re.search(r"https?://[^/\s]+(/password-reset/\S+/)", mail.outbox[-1].body)
    assert link is not None
    client = Client()
    form = client.get(link.group(1))
    new = "Another-Long-Passphrase-42"
    reset = client.post(form["Location"], {"new_password1": new, "new_password2": new})
    return request, reset


def test_a_reset_request_and_the_reset_are_logged_without_the_address(
    cast: Cast, log: Captured
) -> None:
    request, reset = reset_password(cast.lead)

    assert_request(log.only("password.reset_request", "success"), request, user=cast.lead.pk)
    assert_request(log.only("password.reset", "success"), reset, user=cast.lead.pk)
    assert cast.lead.email not in log.text


def test_a_new_password_ends_the_persons_other_session_with_one_session_end(
    cast: Cast, log: Captured
) -> None:
    laptop = signed_in(cast.lead)
    _request, reset = reset_password(cast.lead)

    ended = laptop.get(reverse("home"))
    laptop.get(reverse("home"))

    assert ended["Location"].startswith(SIGN_IN)
    assert_request(log.only("password.reset", "success"), reset, user=cast.lead.pk)
    record = log.only("session.end", "ended")
    assert_request(record, ended, user=cast.lead.pk)
    assert record["reason"] == "password_changed"


def test_a_used_reset_link_is_a_reset_failure(cast: Cast, log: Captured) -> None:
    response = Client().get(reverse("accounts:reset-confirm", args=["MQ", "not-a-token"]))

    record = log.only("password.reset", "failure")
    assert_request(record, response, user=None)
    assert record["reason"] == "invalid_link"
    assert "not-a-token" not in log.text


# Refusals (403)


def test_a_refused_page_is_one_access_denied_with_the_route_never_the_path(
    cast: Cast, log: Captured, agency: Agency
) -> None:
    target = member(cast, cast.lead)
    response = signed_in(cast.board).get(
        reverse("accounts:person-edit", args=[cast.partnership.slug, target.pk])
    )

    assert response.status_code == 403
    record = log.only("access.denied", "refused")
    assert_request(
        record, response, user=cast.board.pk, partnership=cast.partnership.slug, agency=agency.pk
    )
    assert (record["reason"], record["status"], record["method"]) == ("forbidden", 403, "GET")
    assert record["route"] == "p/<slug:slug>/people/<int:pk>/"


def test_a_csrf_failure_is_one_access_denied(cast: Cast, log: Captured) -> None:
    response = Client(enforce_csrf_checks=True).post(
        SIGN_IN, {"email": cast.lead.email, "password": factories.PASSWORD}
    )

    assert response.status_code == 403
    record = log.only("access.denied", "refused")
    assert_request(record, response, user=None)
    assert (record["reason"], record["route"]) == ("csrf", "sign-in/")
    assert log.of("login") == []


def test_djangos_permission_denied_is_one_access_denied(
    cast: Cast, log: Captured, rf: RequestFactory
) -> None:
    request = rf.get("/anything/")
    request.user = cast.lead

    response = views.permission_denied(request)

    assert response.status_code == 403
    record = log.only("access.denied", "refused")
    assert (record["user"], record["reason"]) == (cast.lead.pk, "permission_denied")


def test_a_read_only_token_writing_is_an_access_denied_naming_its_owner(
    cast: Cast, log: Captured
) -> None:
    response = Api(token_of(cast.owner, "read")).post(url(cast, "updates"), {})

    assert response.status_code == 403
    record = log.only("access.denied", "refused")
    assert_request(record, response, user=cast.owner.pk, partnership=cast.partnership.slug)
    assert record["reason"] == "insufficient_scope"


def test_an_unknown_token_is_one_api_token_refusal_without_the_token(
    cast: Cast, log: Captured
) -> None:
    secret = "trellis_" + "x" * 43
    response = Api(secret).get(url(cast, "plans"))

    assert response.status_code == 401
    record = log.only("api.token", "refused")
    assert_request(record, response, user=None, partnership=cast.partnership.slug)
    assert (record["reason"], record["token"]) == ("unknown_token", None)
    assert secret not in log.text


def test_an_expired_token_is_refused_with_its_id_and_owner(cast: Cast, log: Captured) -> None:
    api = Api(token_of(cast.owner, "read", days=7))
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        api.get(url(cast, "plans"))

    record = log.only("api.token", "refused")
    assert record["reason"] == "expired_or_revoked"
    assert (record["user"], record["token"]) == (cast.owner.pk, ApiToken.objects.get().pk)


# Rate limits (429)


def test_a_token_over_its_rate_limit_is_one_rate_limit_refusal_naming_the_token(
    cast: Cast, log: Captured, agency: Agency, settings: Any
) -> None:
    settings.TRELLIS_API_RATE_LIMIT = 1
    api = Api(token_of(cast.owner, "read"))
    api.get(url(cast, "plans"))

    response = api.get(url(cast, "plans"))

    assert response.status_code == 429
    record = log.only("rate_limit", "refused")
    slug = cast.partnership.slug
    assert_request(record, response, user=cast.owner.pk, partnership=slug, agency=agency.pk)
    assert (record["reason"], record["status"], record["method"]) == ("api-token", 429, "GET")
    assert record["route"] == "api/v1/p/<slug:slug>/plans"
    assert record["token"] == ApiToken.objects.get().pk
    assert len(log.records()) == 1


def test_an_upload_over_the_persons_limit_is_one_rate_limit_refusal(
    cast: Cast, log: Captured, agency: Agency, data_dir: None, settings: Any
) -> None:
    settings.TRELLIS_RATE_LIMITS = {**settings.TRELLIS_RATE_LIMITS, "extract-upload": 1}
    client = signed_in(cast.analyst)
    upload_extract(client, BROKEN)

    response = upload_extract(client, BROKEN)

    assert response.status_code == 429
    record = log.only("rate_limit", "refused")
    slug = cast.partnership.slug
    assert_request(record, response, user=cast.analyst.pk, partnership=slug, agency=agency.pk)
    assert (record["reason"], record["status"], record["method"]) == ("extract-upload", 429, "POST")
    assert record["route"] == "p/<slug:slug>/data/"
    assert len(log.of("upload")) == 1  # the first; the refused one was not read


# Uploads and case-level data


def test_an_evidence_file_accepted_and_one_rejected_are_one_upload_each(
    scene: Scene,  # noqa: F811
    log: Captured,
) -> None:
    accepted = post_file(scene, "minutes.pdf", pdf_bytes())
    rejected = post_file(scene, "empty.pdf", b"")

    assert accepted.status_code == 302 and rejected.status_code == 400
    uploads = log.of("upload")
    assert [(r["outcome"], r["reason"], r["upload"]) for r in uploads] == [
        ("accepted", None, "evidence"),
        ("rejected", "empty", "evidence"),
    ]
    slug, lead = scene.cast.partnership.slug, scene.cast.lead.pk
    assert_request(uploads[0], accepted, user=lead, partnership=slug)
    assert_request(uploads[1], rejected, user=lead, partnership=slug)
    assert uploads[0]["size"] == len(pdf_bytes())


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"
    settings.TRELLIS_CASE_ROWS_RETENTION_MONTHS = 24


def test_an_extract_accepted_and_one_refused_are_one_upload_each(
    cast: Cast, log: Captured, agency: Agency, data_dir: None
) -> None:
    client = signed_in(cast.analyst)
    accepted = upload_extract(client)
    refused = upload_extract(client, BROKEN)

    assert accepted.status_code == 302 and refused.status_code == 400
    uploads = log.of("upload")
    assert [(r["outcome"], r["reason"], r["upload"]) for r in uploads] == [
        ("accepted", None, "extract"),
        ("rejected", "invalid", "extract"),
    ]
    slug = cast.partnership.slug
    assert_request(uploads[0], accepted, user=cast.analyst.pk, partnership=slug, agency=agency.pk)
    assert_request(uploads[1], refused, user=cast.analyst.pk, partnership=slug, agency=agency.pk)
    assert uploads[1]["problems"] == 1
    assert "SECRETID" not in log.text.upper()


def test_a_file_the_extract_form_refuses_is_a_rejected_upload(
    cast: Cast, log: Captured, data_dir: None
) -> None:
    response = signed_in(cast.analyst).post(
        reverse("casedata:data-home", args=[cast.partnership.slug]),
        {
            "extract_date": "2020-12-31",
            "layout": "trellis",
            "file": SimpleUploadedFile("episodes.txt", b"x"),
        },
    )

    record = log.only("upload", "rejected")
    assert_request(record, response, user=cast.analyst.pk, partnership=cast.partnership.slug)
    assert record["reason"] == "not-allowed"


def test_downloading_the_records_behind_a_figure_is_one_casedata_download(
    cast: Cast, tmp_path: Path, log: Captured, data_dir: None
) -> None:
    figure = computed_looked_after(cast, tmp_path)

    response = signed_in(cast.analyst).get(
        reverse("casedata:figure-records", args=[cast.partnership.slug, figure.pk])
    )

    assert response.status_code == 200
    record = log.only("casedata.download", "success")
    assert_request(record, response, user=cast.analyst.pk, partnership=cast.partnership.slug)
    assert (record["observation"], record["rows"]) == (figure.pk, figure.value)


def test_trellis_data_load_is_one_upload_by_the_person_it_acts_as_and_its_operator(
    cast: Cast, tmp_path: Path, log: Captured, agency: Agency, data_dir: None
) -> None:
    load_on_the_command_line(cast, write(tmp_path / "in"))

    record = log.only("upload", "accepted")
    assert (record["user"], record["partnership"], record["agency"]) == (
        cast.analyst.pk,
        cast.partnership.slug,
        agency.pk,
    )
    assert (record["ip"], record["request_id"], record["reason"]) == (None, None, None)
    assert (record["command"], record["operator"]) == ("data load", operator())
    assert (record["upload"], record["snapshot"], record["rows"]) == (
        "extract",
        Snapshot.objects.get().pk,
        3,
    )
    assert "SECRETID" not in log.text.upper()


def test_a_broken_extract_given_to_trellis_data_load_is_one_rejected_upload(
    cast: Cast, tmp_path: Path, log: Captured, data_dir: None
) -> None:
    with pytest.raises(CommandError):
        load_on_the_command_line(cast, write(tmp_path / "in", BROKEN))

    record = log.only("upload", "rejected")
    assert (record["user"], record["partnership"]) == (cast.analyst.pk, cast.partnership.slug)
    assert (record["reason"], record["problems"], record["command"]) == ("invalid", 1, "data load")
    assert "SECRETID" not in log.text.upper()


def test_trellis_backup_is_one_casedata_export_by_its_operator(
    cast: Cast, tmp_path: Path, log: Captured, data_dir: None, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    computed_looked_after(cast, tmp_path)
    out = io.StringIO()

    call_command(
        "backup", str(tmp_path / "b.zip"), "--partnership", cast.partnership.slug, stdout=out
    )

    record = log.only("casedata.export", "success")
    assert (record["user"], record["agency"], record["partnership"]) == (
        None,
        None,
        cast.partnership.slug,
    )
    assert (record["ip"], record["request_id"], record["reason"]) == (None, None, None)
    assert (record["command"], record["operator"], record["snapshots"]) == (
        "backup",
        operator(),
        1,
    )
    assert f": {record['rows']} records," in out.getvalue()


def test_the_retention_purge_is_one_record_per_snapshot_with_its_partnership(
    cast: Cast, tmp_path: Path, log: Captured, data_dir: None
) -> None:
    snapshot = loaded_at(cast, tmp_path, LOADED, "old")

    purge_at(DUE)

    record = log.only("retention.purge", "success")
    assert (record["partnership"], record["snapshot"]) == (cast.partnership.slug, snapshot.pk)
    assert (record["user"], record["ip"], record["request_id"]) == (None, None, None)
    assert record["rows"] == sum(d["rows"] for d in snapshot.manifest["datasets"].values())


# People and sessions


def test_an_admin_changing_roles_is_one_membership_change(
    cast: Cast, log: Captured, agency: Agency
) -> None:
    target = member(cast, cast.analyst)
    response = signed_in(cast.admin).post(
        reverse("accounts:person-edit", args=[cast.partnership.slug, target.pk]),
        {"roles": [Role.ANALYST, Role.BOARD], "is_active": "on", "version": str(target.version)},
    )

    assert response.status_code == 302
    record = log.only("membership.change", "success")
    slug = cast.partnership.slug
    assert_request(record, response, user=cast.admin.pk, partnership=slug, agency=agency.pk)
    assert (record["target_user"], record["target_membership"]) == (cast.analyst.pk, target.pk)
    assert (record["roles"], record["active"]) == (sorted([Role.ANALYST, Role.BOARD]), True)


def test_a_deactivation_is_logged_then_the_leavers_session_ends_once(
    cast: Cast, log: Captured
) -> None:
    leaver = signed_in(cast.inspector)
    target = member(cast, cast.inspector)
    response = signed_in(cast.admin).post(
        reverse("accounts:person-deactivate", args=[cast.partnership.slug, target.pk])
    )
    home = reverse("home")
    ended = leaver.get(home)
    leaver.get(home)

    record = log.only("membership.deactivate", "success")
    assert_request(record, response, user=cast.admin.pk, partnership=cast.partnership.slug)
    assert (record["target_user"], record["account_closed"]) == (cast.inspector.pk, True)
    session_end = log.only("session.end", "ended")
    assert_request(session_end, ended, user=cast.inspector.pk)
    assert session_end["reason"] == "account_closed"


def test_an_admin_ending_sessions_is_logged_and_so_is_the_session_it_ends(
    cast: Cast, log: Captured
) -> None:
    laptop = signed_in(cast.lead)
    target = member(cast, cast.lead)
    response = signed_in(cast.admin).post(
        reverse("accounts:person-end-sessions", args=[cast.partnership.slug, target.pk])
    )
    ended = laptop.get(reverse("home"))

    revoke = log.only("session.revoke", "success")
    assert_request(revoke, response, user=cast.admin.pk, partnership=cast.partnership.slug)
    assert revoke["target_user"] == cast.lead.pk
    session_end = log.only("session.end", "ended")
    assert_request(session_end, ended, user=cast.lead.pk)
    assert session_end["reason"] == "ended_by_admin"


def test_a_session_past_twelve_hours_ends_with_one_absolute_timeout(
    cast: Cast, log: Captured
) -> None:
    with time_machine.travel(START, tick=False):
        client = signed_in(cast.lead)
    with time_machine.travel(START + dt.timedelta(hours=12, minutes=1), tick=False):
        Session.objects.update(expire_date=timezone.now() + dt.timedelta(minutes=30))
        response = client.get(reverse("home"))

    record = log.only("session.end", "ended")
    assert_request(record, response, user=cast.lead.pk)
    assert record["reason"] == "absolute_timeout"


def test_an_idle_session_ends_with_one_idle_timeout_naming_its_person(
    cast: Cast, log: Captured
) -> None:
    client = signed_in(cast.lead)
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))

    response = client.get(reverse("home"))
    client.get(reverse("home"))

    assert response["Location"].startswith(SIGN_IN)
    record = log.only("session.end", "ended")
    assert_request(record, response, user=cast.lead.pk)
    assert record["reason"] == "idle_timeout"


# Single sign-on


def test_a_single_sign_on_is_one_login_success_in_its_partnership(
    cast: Cast,
    provider: Provider,  # noqa: F811
    log: Captured,
    agency: Agency,
) -> None:
    provider.claims = {"email": "lead@example.org", "email_verified": True}

    response = sign_in_with(Client(), provider, cast.partnership.slug)

    assert response.status_code == 302
    record = log.only("login", "success")
    slug = cast.partnership.slug
    assert_request(record, response, user=cast.lead.pk, partnership=slug, agency=agency.pk)
    assert record["method"] == "sso"


def test_a_refused_single_sign_on_is_one_login_failure_with_the_reason(
    cast: Cast,
    provider: Provider,  # noqa: F811
    log: Captured,
) -> None:
    provider.claims = {"email": "nobody@example.org", "email_verified": True}

    response = sign_in_with(Client(), provider, cast.partnership.slug)

    record = log.only("login", "failure")
    assert_request(record, response, user=None, partnership=cast.partnership.slug)
    assert (record["method"], record["reason"]) == ("sso", "unknown-email")
    assert "nobody@example.org" not in log.text


# What never reaches the log


def test_passwords_session_keys_tokens_and_addresses_never_reach_the_log(
    cast: Cast, log: Captured
) -> None:
    canary_password = "Canary-Password-7f3a"
    crafted = "x\r\nFAKE entry@example.org"
    Client().post(SIGN_IN, {"email": crafted, "password": canary_password})
    Client().post(SIGN_IN, {"email": cast.lead.email, "password": canary_password})
    client = Client()
    client.post(SIGN_IN, {"email": cast.lead.email, "password": factories.PASSWORD})
    session_key = client.cookies["sessionid"].value
    client.post(reverse("accounts:sign-out"))
    secret = token_of(cast.owner, "read")
    Api(secret).post(url(cast, "updates"), {})

    text = log.text
    assert len(log.records()) == 5  # two failures, a sign-in, a sign-out, a refusal
    for secret_value in (canary_password, factories.PASSWORD, session_key, secret, "FAKE"):
        assert secret_value not in text
    assert cast.lead.email not in text and cast.owner.email not in text


def test_the_scan_every_test_runs_finds_a_password_or_child_identifier_in_any_record() -> None:
    scan = NeverLogged()
    logger = logging.getLogger("trellis.scan-check")
    logger.propagate = False  # the records below are planted; keep them from this test's scan
    logger.addHandler(scan)
    try:
        logger.warning("signed in %s", "person 7", extra={"reason": "ok"})
        logger.warning("signed in", extra={"reason": factories.PASSWORD})
        logger.error("row 4 belongs to %s", factories.CANARY_CHILD_IDS[1].lower())
    finally:
        logger.removeHandler(scan)
        logger.propagate = True

    assert len(scan.hits) == 2


def test_control_characters_in_any_record_are_escaped_on_one_line(log: Captured) -> None:
    logging.getLogger("trellis.security").warning(
        "sso provider unreachable at %s", "x\r\nFAKE entry\x1b[31m\x7f\u2028"
    )

    (line,) = log.text.splitlines()
    assert line.isascii() and line.isprintable()
    record = json.loads(line)
    assert record["message"].endswith("x\r\nFAKE entry\x1b[31m\x7f\u2028")
    assert (record["event"], record["level"]) == ("log", "warning")


def test_a_field_the_log_does_not_have_is_refused(db: None) -> None:
    with pytest.raises(ValueError, match="password"):
        security_event(None, "login", "failure", password="hunter2")


# Where the log goes


def test_trellis_security_log_sends_the_events_to_that_file_only(tmp_path: Path) -> None:
    target = tmp_path / "security.jsonl"
    script = (
        "import django; django.setup()\n"
        "from trellis.security_log import security_event\n"
        "security_event(None, 'retention.purge', 'success', partnership='p', snapshot=3)\n"
    )
    result = subprocess.run(
        [sys.executable, "-"],
        input=script,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "trellis.settings",
            "TRELLIS_SECURITY_LOG": str(target),
        },
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    (line,) = target.read_text().splitlines()
    assert json.loads(line)["snapshot"] == 3
    assert "retention.purge" not in result.stderr


def test_trellis_security_log_in_a_missing_folder_refuses_to_start(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import trellis.settings"],
        env={**os.environ, "TRELLIS_SECURITY_LOG": str(tmp_path / "absent" / "security.jsonl")},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "TRELLIS_SECURITY_LOG" in result.stderr
