"""Personal access tokens: made on the person's own page and shown once, stored as a
digest, scoped, expiring, revocable at once, never more than their owner, rate limited,
and every use logged by name."""

from __future__ import annotations

import datetime as dt
import hashlib

import time_machine
from django.test import Client
from django.utils import timezone

from tests.api.conftest import Api, token_of, url
from tests.conftest import Cast, signed_in
from trellis.accounts.models import Membership
from trellis.api.models import ApiToken, TokenUse
from trellis.audit.models import AuditEntry
from trellis.progress.models import ProgressUpdate

TOKENS = "/api/v1/tokens/"


def create_on_page(client: Client, **data: str) -> object:
    return client.post(TOKENS, {"name": "Power BI", "scope": "read", "days": "30", **data})


def test_a_token_made_on_the_page_is_shown_once_and_only_its_digest_is_kept(
    cast: Cast,
) -> None:
    client = signed_in(cast.analyst)

    made = create_on_page(client)

    token = ApiToken.objects.get(person=cast.analyst)
    secret = made.context["secret"]
    assert secret.startswith("trellis_") and secret in made.content.decode()
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiToken.objects.values_list()))
    assert secret not in client.get(TOKENS).content.decode()
    assert made["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(verb="api-token.create")
    assert entry.actor_id == cast.analyst.pk and entry.changes["name"] == "Power BI"


def test_a_token_needs_a_name_an_access_and_an_expiry_and_nothing_is_made_without(
    cast: Cast,
) -> None:
    refused = signed_in(cast.analyst).post(TOKENS, {"name": " ", "scope": "admin", "days": "3"})

    assert refused.status_code == 400
    assert set(refused.context["form"].errors) == {"name", "scope", "days"}
    assert not ApiToken.objects.exists()


def test_two_live_tokens_of_one_person_cannot_share_a_name(cast: Cast) -> None:
    client = signed_in(cast.analyst)
    create_on_page(client)

    again = create_on_page(client, name="power  bi")

    assert again.status_code == 400 and "name" in again.context["form"].errors
    assert ApiToken.objects.count() == 1


def test_the_token_page_needs_sign_in(cast: Cast) -> None:
    assert Client().get(TOKENS).status_code == 302


def test_a_read_only_token_cannot_write(cast: Cast) -> None:
    api = Api(token_of(cast.owner, "read"))
    action = cast.plan.outcomes.first().drivers.first().actions.first()  # type: ignore[union-attr]

    refused = api.post(
        url(cast, "updates"),
        {
            "action": action.pk,
            "period": cast.plan.periods.first().pk,
            "rag": "green",  # type: ignore[union-attr]
            "narrative": "Done",
        },
    )

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_scope"
    assert not ProgressUpdate.objects.exists()
    assert api.get(url(cast, "plans")).status_code == 200


def test_an_expired_token_is_refused(cast: Cast) -> None:
    secret = token_of(cast.owner, "read", days=7)
    api = Api(secret)
    assert api.get(url(cast, "plans")).status_code == 200

    with time_machine.travel(timezone.now() + dt.timedelta(days=7, seconds=1)):
        refused = api.get(url(cast, "plans"))

    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"
    assert refused["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused_at_once(cast: Cast) -> None:
    api = Api(token_of(cast.owner, "read"))
    assert api.get(url(cast, "plans")).status_code == 200
    token = ApiToken.objects.get(person=cast.owner)

    signed_in(cast.owner).post(f"{TOKENS}{token.pk}/revoke/")

    assert api.get(url(cast, "plans")).status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(verb="api-token.revoke", object_id=str(token.pk)).exists()
    assert TokenUse.objects.filter(token=token, status=401).count() == 1  # the refusal logged


def test_nobody_can_revoke_another_persons_token(cast: Cast) -> None:
    api = Api(token_of(cast.owner, "read"))
    token = ApiToken.objects.get(person=cast.owner)

    refused = signed_in(cast.admin).post(f"{TOKENS}{token.pk}/revoke/")

    assert refused.status_code == 404
    assert api.get(url(cast, "plans")).status_code == 200


def test_a_token_stops_reaching_a_partnership_when_its_owner_leaves_it(cast: Cast) -> None:
    api = Api(token_of(cast.lead, "write"))
    Membership.objects.filter(person=cast.lead).update(is_active=False)

    assert api.get(url(cast, "plans")).status_code == 404
    assert api.get("/api/v1/partnerships").json()["data"] == []


def test_a_token_of_a_closed_account_is_refused(cast: Cast) -> None:
    api = Api(token_of(cast.lead, "write"))
    cast.lead.is_active = False
    cast.lead.save()

    assert api.get("/api/v1/partnerships").status_code == 401


def test_a_malformed_or_unknown_token_is_refused(cast: Cast) -> None:
    client = Client()
    for header in ("Basic abc", "Bearer", "Bearer trellis_not-a-token", "Bearer something"):
        refused = client.get(url(cast, "plans"), headers={"Authorization": header})
        assert refused.status_code == 401, header
        assert set(refused.json()["error"]) == {"code", "message", "details"}


def test_every_use_is_logged_with_the_tokens_name(cast: Cast) -> None:
    api = Api(token_of(cast.board, "read", name="Board pack"))

    api.get(url(cast, "plans"))
    api.get(url(cast, "plans") + "?plan=999999")

    uses = list(TokenUse.objects.order_by("at", "pk").values_list("token_name", "status", "path"))
    assert uses == [
        ("Board pack", 200, url(cast, "plans")),
        ("Board pack", 404, url(cast, "plans")),
    ]
    assert ApiToken.objects.get(name="Board pack").last_used_at is not None


def test_the_rate_limit_answers_429_until_the_window_has_passed(
    cast: Cast, settings: object
) -> None:
    settings.TRELLIS_API_RATE_LIMIT = 3  # type: ignore[attr-defined]
    settings.TRELLIS_API_RATE_WINDOW = 60  # type: ignore[attr-defined]
    api = Api(token_of(cast.board, "read"))
    other = Api(token_of(cast.owner, "read"))
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert [api.get(url(cast, "plans")).status_code for _ in range(3)] == [200] * 3
        refused = api.get(url(cast, "plans"))
        assert other.get(url(cast, "plans")).status_code == 200  # per token
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        assert api.get(url(cast, "plans")).status_code == 429
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        allowed = api.get(url(cast, "plans"))

    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused["Retry-After"] == "60"
    assert allowed.status_code == 200


def test_a_signed_in_browser_may_read_but_never_write(cast: Cast) -> None:
    browser = signed_in(cast.owner)
    action = cast.plan.outcomes.first().drivers.first().actions.first()  # type: ignore[union-attr]
    body = {
        "action": action.pk,
        "period": cast.plan.periods.first().pk,  # type: ignore[union-attr]
        "rag": "green",
        "narrative": "From a page",
    }

    assert browser.get(url(cast, "plans")).status_code == 200
    refused = browser.post(url(cast, "updates"), body, content_type="application/json")
    crossed = Client(enforce_csrf_checks=True)
    crossed.cookies = browser.cookies
    forged = crossed.post(url(cast, "updates"), body, content_type="application/json")

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "token_required"
    assert forged.status_code == 403 and b"Your form expired" in forged.content
    assert not ProgressUpdate.objects.exists()


def test_the_token_page_lists_the_persons_recent_uses_only(cast: Cast) -> None:
    Api(token_of(cast.board, "read", name="Board pack")).get(url(cast, "plans"))
    Api(token_of(cast.owner, "read", name="Owner's")).get(url(cast, "actions"))

    page = signed_in(cast.board).get(TOKENS).content.decode()

    assert f"GET {url(cast, 'plans')}" in page
    assert url(cast, "actions") not in page
