"""Personal access tokens: made, checked, revoked and rate limited, and every use logged.

A token is `trellis_` followed by 32 random bytes (URL-safe base64). Only the hex SHA-256
of the whole string is stored. A slow password hash (Argon2) exists to make guessing a
*low-entropy* secret expensive; a 256-bit random token cannot be guessed however fast the
hash, and a fast digest lets each request find its token with one indexed lookup instead
of trying every stored hash (docs/api.md).

The rate limit is a sliding window over the use log itself: a token may make
`TRELLIS_API_RATE_LIMIT` accepted requests in any `TRELLIS_API_RATE_WINDOW` seconds. The
log is in the database, so every app process sees the same count.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.accounts.models import Person
from trellis.api.models import ApiToken, Scope, TokenUse
from trellis.audit.services import audit_append
from trellis.config import env_int
from trellis.errors import Invalid, NotFound, RateLimited, TrellisError

TOKEN_PREFIX = "trellis_"  # noqa: S105 (a marker that makes leaked tokens findable, not a secret)
EXPIRY_DAYS = (7, 30, 90, 365)
NAME_MAX = 80
_DEFAULT_LIMIT = env_int("TRELLIS_API_RATE_LIMIT", 120)
_DEFAULT_WINDOW = env_int("TRELLIS_API_RATE_WINDOW", 60)


class Unauthenticated(TrellisError):
    """No usable credentials: a missing, unknown, expired or revoked token."""

    status = 401
    code = "unauthenticated"
    token: ApiToken | None = None
    reason = "no_token"  # for the security log: why it was refused


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, person: Person, name: str, scope: str, days: int) -> tuple[ApiToken, str]:
    """Make a token for `person`; returns it with the secret, which is never seen again."""
    name = " ".join(name.split())
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Name the token, for example Power BI measures.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("The name must be %(max)d characters or fewer.") % {"max": NAME_MAX}]
    elif person.api_tokens.filter(name__iexact=name, revoked_at__isnull=True).exists():
        errors["name"] = [_("You already have a token with that name.")]
    if scope not in Scope.values:
        errors["scope"] = [_("Choose what the token may do.")]
    if days not in EXPIRY_DAYS:
        errors["days"] = [_("Choose when the token expires.")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            person=person,
            name=name,
            scope=scope,
            prefix=raw[: len(TOKEN_PREFIX) + 4],
            digest=digest(raw),
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        audit_append(
            actor=person,
            verb="api-token.create",
            target=token,
            changes={"name": name, "scope": scope, "expires_at": token.expires_at},
        )
    return token, raw


def token_revoke(*, person: Person, pk: int) -> ApiToken:
    """Revoke one of the person's own tokens; it is refused from the next request."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(person=person, pk=pk).first()
        if token is None:
            raise NotFound()
        if token.revoked_at is not None:
            raise Invalid(_("That token is already revoked."))
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_append(
            actor=person, verb="api-token.revoke", target=token, changes={"name": token.name}
        )
    return token


def token_for(raw: str) -> ApiToken:
    """The usable token with this secret, its owner loaded; else Unauthenticated. The
    owner must still be active: a closed account's tokens stop with it."""
    token = (
        ApiToken.objects.select_related("person").filter(digest=digest(raw.strip())).first()
        if raw.startswith(TOKEN_PREFIX)
        else None
    )
    if token is None or not token.is_usable or not token.person.is_active:
        refused = Unauthenticated(_("The token is not valid, has expired or was revoked."))
        refused.token = token  # a known token's refused use is logged too
        refused.reason = (
            "unknown_token"
            if token is None
            else ("owner_inactive" if token.is_usable else "expired_or_revoked")
        )
        raise refused
    return token


def rate_limit() -> tuple[int, int]:
    """(requests, seconds): settings override the environment (tests set them)."""
    return (
        int(getattr(settings, "TRELLIS_API_RATE_LIMIT", _DEFAULT_LIMIT)),
        int(getattr(settings, "TRELLIS_API_RATE_WINDOW", _DEFAULT_WINDOW)),
    )


def rate_check(token: ApiToken) -> None:
    """Refuse the request when the token has used its allowance in the window. Refused
    requests are logged but not counted, so a client that waits as told gets back in."""
    limit, window = rate_limit()
    now = timezone.now()
    recent = TokenUse.objects.filter(token=token, at__gt=now - dt.timedelta(seconds=window))
    counted = recent.exclude(status=429).order_by("at").values_list("at", flat=True)[:limit]
    times = list(counted)
    if len(times) >= limit:
        wait = (times[0] + dt.timedelta(seconds=window) - now).total_seconds()
        raise RateLimited(
            _("Too many requests with this token; try again shortly."),
            retry_after=max(1, math.ceil(wait)),
            limit="api-token",
        )


def use_log(token: ApiToken, request: Any, status: int, request_id: str = "") -> None:
    now = timezone.now()
    TokenUse.objects.create(
        token=token,
        token_name=token.name,
        at=now,
        method=request.method[:8],
        path=request.path[:300],
        status=status,
        request_id=request_id[:32],
    )
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
