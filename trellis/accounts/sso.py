"""Single sign-on with a partnership's identity provider over OpenID Connect.

The authorization code flow with PKCE (S256), state and nonce. The provider's discovery
document and keys (JWKS) are fetched over HTTPS with short timeouts and kept for an hour;
an unknown key id fetches the keys again once (key rotation). The ID token's signature is
checked with joserfc (RS256, PS256 or ES256; never "none" or HMAC), then iss, aud (and azp
when there are several audiences), exp, iat and nonce.

Who gets in: the e-mail address the provider vouches for (`email` with
`email_verified: true`, or, when the admin ticked that the provider's addresses are
verified, `email` or else `preferred_username`), compared without case with existing
people who hold an active membership of the provider's partnership. Nothing is ever
created. Every refusal after a genuine round trip is audited (`sso.refused`).

A single sign-on session counts as both factors (the provider is responsible for its
MFA) and reaches only the partnership whose provider vouched for it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from trellis.accounts.mfa import _derived, _secret_keys
from trellis.accounts.models import Membership, Person, SsoProvider
from trellis.audit.services import audit_append

logger = logging.getLogger("trellis.security")
ALGORITHMS = ["RS256", "PS256", "ES256"]
CACHE_SECONDS = 60 * 60
KEYS_REFETCH_SECONDS = 60  # an unknown key id refetches the keys at most this often
MAX_RESPONSE_BYTES = 512 * 1024
CLOCK_LEEWAY_SECONDS = 60
MAX_TOKEN_AGE_SECONDS = 10 * 60
FLOW_SECONDS = 10 * 60
SCOPES = "openid email profile"
_SEAL_VERSION = "v1"
_cache: dict[str, tuple[float, Any]] = {}


class SsoError(Exception):
    """A refusal: `reason` is recorded, `message` shown to the person."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


# The client secret, sealed


def _aad(partnership_id: int) -> bytes:
    return f"sso-client-secret:{partnership_id}".encode()


def seal_secret(partnership_id: int, secret: str) -> str:
    nonce = secrets.token_bytes(12)
    box = AESGCM(_derived(settings.SECRET_KEY, "sso"))
    sealed = box.encrypt(nonce, secret.encode(), _aad(partnership_id))
    return f"{_SEAL_VERSION}:" + base64.b64encode(nonce + sealed).decode()


def unseal_secret(partnership_id: int, sealed: str) -> str:
    version, _sep, body = sealed.partition(":")
    raw = base64.b64decode(body) if version == _SEAL_VERSION else b""
    for key in _secret_keys():
        try:
            box = AESGCM(_derived(key, "sso"))
            return box.decrypt(raw[:12], raw[12:], _aad(partnership_id)).decode()
        except (InvalidTag, ValueError):
            continue
    raise SsoError("secret-unreadable", _("Single sign-on is not working. Tell your admin."))


# Talking to the provider


def issuer_problem(url: str) -> str | None:
    """Why an issuer URL is not acceptable, or None. HTTPS only; plain HTTP only to this
    machine outside production (the tests' provider)."""
    parts = urllib.parse.urlsplit(url)
    if parts.query or parts.fragment or not parts.hostname:
        return _("Enter the issuer URL without a query, like https://login.example.org/tenant/v2.0")
    if parts.scheme == "https":
        return None
    loopback = parts.hostname == "localhost"
    with contextlib.suppress(ValueError):
        loopback = loopback or ipaddress.ip_address(parts.hostname).is_loopback
    if parts.scheme == "http" and loopback and not settings.PRODUCTION:
        return None
    return _("The issuer URL must start with https://")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an error: it could downgrade or leave the provider


_opener = urllib.request.build_opener(_NoRedirects)


def _fetch_json(url: str, data: dict[str, str] | None = None, auth: str = "") -> Any:
    if issuer_problem(url):
        raise SsoError("bad-url", _("The sign-in service gave an address Trellis will not use."))
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Accept": "application/json"})  # noqa: S310
    if auth:
        request.add_header("Authorization", auth)
    try:
        with _opener.open(request, timeout=settings.TRELLIS_SSO_TIMEOUT_SECONDS) as response:
            raw = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        logger.warning("sso provider answered %s for %s", exc.code, url)
        raise SsoError("provider-error", _("The sign-in service refused. Try again.")) from exc
    except (OSError, ValueError) as exc:
        logger.warning("sso provider unreachable at %s: %s", url, type(exc).__name__)
        raise SsoError("unreachable", _("The sign-in service did not answer. Try again.")) from exc
    if len(raw) > MAX_RESPONSE_BYTES:
        raise SsoError("too-large", _("The sign-in service's answer was not understood."))
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise SsoError("not-json", _("The sign-in service's answer was not understood.")) from exc
    if not isinstance(value, dict):
        raise SsoError("not-json", _("The sign-in service's answer was not understood."))
    return value


def _cached(key: str, load: Any, max_age: float = CACHE_SECONDS) -> Any:
    hit = _cache.get(key)
    if hit is not None and time.time() - hit[0] < max_age:
        return hit[1]
    value = load()
    _cache[key] = (time.time(), value)
    return value


def clear_cache() -> None:
    _cache.clear()


def discovery(issuer: str) -> dict[str, Any]:
    def load() -> dict[str, Any]:
        doc: dict[str, Any] = _fetch_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
        if doc.get("issuer") != issuer:
            raise SsoError("issuer-mismatch", _("The sign-in service is set up wrongly."))
        for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(doc.get(field), str):
                raise SsoError("discovery", _("The sign-in service is set up wrongly."))
        methods = doc.get("code_challenge_methods_supported")
        if methods is not None and "S256" not in methods:
            raise SsoError("no-pkce", _("The sign-in service is set up wrongly."))
        return doc

    value: dict[str, Any] = _cached("discovery:" + issuer, load)
    return value


def _keys(jwks_uri: str, *, fresh: bool = False) -> KeySet:
    def load() -> KeySet:
        try:
            return KeySet.import_key_set(_fetch_json(jwks_uri))
        except (JoseError, KeyError, TypeError, ValueError) as exc:
            raise SsoError("jwks", _("The sign-in service is set up wrongly.")) from exc

    keys: KeySet = _cached(
        "jwks:" + jwks_uri, load, KEYS_REFETCH_SECONDS if fresh else CACHE_SECONDS
    )
    return keys


# The flow


@dataclass(frozen=True)
class Start:
    url: str  # where to send the browser
    pending: dict[str, Any]  # kept in the session until the provider sends them back


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def start(provider: SsoProvider, redirect_uri: str, next_url: str) -> Start:
    doc = discovery(provider.issuer)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(48)
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": provider.client_id,
            "redirect_uri": redirect_uri,
            "scope": SCOPES,
            "state": state,
            "nonce": nonce,
            "code_challenge": _challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    endpoint = doc["authorization_endpoint"]
    joiner = "&" if "?" in endpoint else "?"
    pending = {
        "provider": provider.pk,
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "at": time.time(),
        "next": next_url,
    }
    return Start(url=endpoint + joiner + query, pending=pending)


def finish(pending: dict[str, Any], params: dict[str, str], redirect_uri: str) -> Person:
    """Check the provider's answer against the pending flow and return the member it
    names; raise SsoError (audited when the flow was genuine) otherwise."""
    provider_id = pending.get("provider")
    provider = (
        SsoProvider.objects.select_related("partnership")
        .filter(pk=provider_id, is_enabled=True)
        .first()
        if isinstance(provider_id, int)
        else None
    )
    state = params.get("state", "")
    if (
        provider is None
        or not state
        or not hmac.compare_digest(state, str(pending.get("state", "")))
        or time.time() - float(pending.get("at", 0)) > FLOW_SECONDS
    ):
        raise SsoError("state", _("Your sign-in did not match or took too long. Try again."))
    try:
        return _finish(provider, pending, params, redirect_uri)
    except SsoError as exc:
        with transaction.atomic():
            audit_append(
                actor=None,
                verb="sso.refused",
                target=provider,
                partnership_id=provider.partnership_id,
                changes={"reason": exc.reason},
            )
        raise


def _finish(
    provider: SsoProvider, pending: dict[str, Any], params: dict[str, str], redirect_uri: str
) -> Person:
    if params.get("error") or not params.get("code"):
        raise SsoError("provider-declined", _("The sign-in service did not sign you in."))
    doc = discovery(provider.issuer)
    secret = unseal_secret(provider.partnership_id, provider.client_secret)
    form = {
        "grant_type": "authorization_code",
        "code": params["code"],
        "redirect_uri": redirect_uri,
        "code_verifier": str(pending["verifier"]),
    }
    methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    auth = ""
    if "client_secret_basic" in methods:
        pair = f"{urllib.parse.quote(provider.client_id)}:{urllib.parse.quote(secret)}"
        auth = "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        form.update(client_id=provider.client_id, client_secret=secret)
    answer = _fetch_json(doc["token_endpoint"], form, auth)
    id_token = answer.get("id_token")
    if not isinstance(id_token, str):
        raise SsoError("no-id-token", _("The sign-in service's answer was not understood."))
    claims = verify_id_token(provider, doc, id_token, str(pending["nonce"]))
    return _member(provider, _email(provider, claims))


def verify_id_token(
    provider: SsoProvider, doc: dict[str, Any], id_token: str, nonce: str
) -> dict[str, Any]:
    refused = SsoError("bad-token", _("The sign-in service's answer could not be trusted."))
    try:
        token = jwt.decode(id_token, _keys(doc["jwks_uri"]), algorithms=ALGORITHMS)
    except JoseError as exc:
        if "kid" not in str(exc).lower():
            raise refused from exc
        try:  # perhaps the provider rotated its keys
            token = jwt.decode(id_token, _keys(doc["jwks_uri"], fresh=True), algorithms=ALGORITHMS)
        except JoseError as again:
            raise refused from again
    claims: dict[str, Any] = dict(token.claims)
    now = time.time()
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    checks = {
        "iss": claims.get("iss") == provider.issuer,
        "aud": provider.client_id in audiences
        and (len(audiences) == 1 or claims.get("azp") == provider.client_id),
        "exp": isinstance(claims.get("exp"), int | float) and claims["exp"] > now,
        "iat": isinstance(claims.get("iat"), int | float)
        and now - MAX_TOKEN_AGE_SECONDS <= claims["iat"] <= now + CLOCK_LEEWAY_SECONDS,
        "nonce": isinstance(claims.get("nonce"), str)
        and hmac.compare_digest(claims["nonce"], nonce),
        "sub": isinstance(claims.get("sub"), str) and bool(claims["sub"]),
    }
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        raise SsoError(f"bad-{failed[0]}", refused.message)
    return claims


def _email(provider: SsoProvider, claims: dict[str, Any]) -> str:
    email: Any = None
    if claims.get("email_verified") is True:
        email = claims.get("email")
    elif provider.trust_email:
        email = claims.get("email") or claims.get("preferred_username")
    if not isinstance(email, str) or "@" not in email:
        raise SsoError(
            "email-not-verified",
            _(
                "The sign-in service did not confirm your e-mail address, so Trellis cannot "
                "tell who you are. Sign in with your password, or ask your admin."
            ),
        )
    email = email.strip().lower()
    domain = email.rsplit("@", 1)[1]
    if provider.domains and domain not in provider.domains:
        raise SsoError(
            "domain-not-allowed",
            _("Your e-mail address is not one this partnership accepts for single sign-on."),
        )
    return email


def _member(provider: SsoProvider, email: str) -> Person:
    person = Person.objects.filter(email__iexact=email, is_active=True).first()
    if person is None:
        raise SsoError(
            "unknown-email",
            _(
                "There is no Trellis account for your e-mail address. Ask an admin of "
                "%(partnership)s to invite you."
            )
            % {"partnership": provider.partnership.name},
        )
    if not Membership.objects.filter(
        person=person, partnership_id=provider.partnership_id, is_active=True
    ).exists():
        raise SsoError(
            "not-a-member",
            _("You are not a member of %(partnership)s. Ask one of its admins to add you.")
            % {"partnership": provider.partnership.name},
        )
    return person
