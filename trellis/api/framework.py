"""What every API endpoint shares: who is asking (a token, or a signed-in browser for
reads), CSRF for browsers, scope, the rate limit, the partnership in the URL, error bodies,
ETags, and the use log.

Writes take a token only. A browser session may read (so a person can download a CSV from
a link), but an unsafe request without a token is first put through Django's CSRF check
(a cross-site form gets the usual refusal) and then refused: the API never writes on a
cookie's say-so. A request with a token carries no cookie authority, so it needs no CSRF
token either.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from trellis.accounts.policy import membership_for
from trellis.api.models import ApiToken
from trellis.api.tokens import RateLimited, Unauthenticated, rate_check, token_for, use_log
from trellis.errors import Conflict, Forbidden, Invalid, NotFound, TrellisError
from trellis.http import current_request_id
from trellis.security_log import access_denied, rate_limited, security_event

logger = logging.getLogger("trellis.api")
SAFE_METHODS = frozenset({"GET", "HEAD"})
MAX_ID = 2**53
_DEFAULT_MESSAGES = {
    400: "The request is not valid.",
    401: "Send a token: Authorization: Bearer <token>.",
    403: "You do not have permission to do that.",
    404: "Not found.",
    405: "That method is not allowed here.",
    409: "The record changed since you read it.",
    429: "Too many requests.",
}


class MethodNotAllowed(TrellisError):
    status = 405
    code = "method_not_allowed"


class TokenRequired(Forbidden):
    """A signed-in browser asked to write: writes take a token."""

    code = "token_required"


class InsufficientScope(Forbidden):
    """A read-only token asked to write."""

    code = "insufficient_scope"


def json_response(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(
        data,
        status=status,
        encoder=DjangoJSONEncoder,
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )


def _details(exc: TrellisError) -> dict[str, Any]:
    if isinstance(exc, Invalid):
        return {"fields": exc.errors}
    if isinstance(exc, Conflict):
        current = exc.current
        return {
            "current_version": getattr(current, "version", None),
            "changed_by": exc.changed_by,
            "changed_at": exc.changed_at.isoformat() if exc.changed_at else None,
        }
    if isinstance(exc, RateLimited):
        return {"retry_after": exc.retry_after}
    return {}


def error_response(exc: TrellisError) -> JsonResponse:
    body = {
        "error": {
            "code": exc.code,
            "message": exc.message or _DEFAULT_MESSAGES.get(exc.status, ""),
            "details": _details(exc),
        }
    }
    response = json_response(body, status=exc.status)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="trellis"'
    return response


def not_found_response() -> JsonResponse:
    """For an API address that matches no route (say, a malformed partnership name)."""
    return error_response(NotFound())


def _server_error() -> JsonResponse:
    """Nothing of the failure is shown: the request id finds it in the log."""
    body = {
        "error": {
            "code": "server_error",
            "message": "Something went wrong on our side.",
            "details": {"request_id": current_request_id()},
        }
    }
    return json_response(body, status=500)


def _bearer(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        refused = Unauthenticated(_("Send the token as: Authorization: Bearer <token>."))
        refused.reason = "malformed_header"
        raise refused
    return raw.strip()


def _not_a_view(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    return HttpResponse(status=204)


def _csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    """Django's own CSRF check, for a browser's unsafe request (the endpoints themselves
    are exempt so that token requests pass)."""
    return CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, _not_a_view, (), {})


def _with_etag(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A strong ETag from the body; If-None-Match with it answers 304 and no body. The
    body depends on who asks (disclosure, restricted updates), so it varies by credentials."""
    tag = '"' + hashlib.sha256(response.content).hexdigest()[:40] + '"'
    response["ETag"] = tag
    response["Vary"] = "Authorization, Cookie"
    asked = {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}
    if tag in asked or "*" in asked:
        unchanged = HttpResponse(status=304)
        unchanged["ETag"] = tag
        unchanged["Vary"] = response["Vary"]
        return unchanged
    return response


View = Callable[..., HttpResponse]


def api_endpoint(*methods: str, partnership: bool = True) -> Callable[[View], View]:
    """Wrap an endpoint: `methods` it answers; with `partnership`, its first URL argument
    is the slug, resolved to the caller's membership (404 when they have none)."""
    allowed = frozenset(methods)

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            token: ApiToken | None = None
            try:
                raw = _bearer(request)
                signed_in = getattr(getattr(request, "user", None), "is_authenticated", False)
                if raw is None and signed_in and request.method not in SAFE_METHODS:
                    refusal = _csrf_refusal(request)  # before anything else, as for pages
                    if refusal is not None:
                        return refusal
                token = token_for(raw) if raw is not None else None
                if request.method not in allowed:
                    raise MethodNotAllowed(_("Use %(m)s.") % {"m": ", ".join(sorted(allowed))})
                response = _answer(request, token, view, partnership, args, kwargs)
            except TrellisError as exc:
                token = token or getattr(exc, "token", None)
                response = error_response(exc)
                _log_refusal(request, exc, token)
            except Exception:  # the last resort: an API client gets JSON, never a page
                logger.exception(
                    "API error on %s %s, request %s",
                    request.method,
                    request.path,
                    current_request_id(),
                )
                response = _server_error()
            if request.method == "GET" and response.status_code == 200:
                response = _with_etag(request, response)
            if response.status_code == 405:
                response["Allow"] = ", ".join(sorted(allowed))
            if token is not None:
                use_log(token, request, response.status_code, current_request_id())
            return response

        return wrapper

    return decorate


def _log_refusal(request: HttpRequest, exc: TrellisError, token: ApiToken | None) -> None:
    """A refused token (401), a refused request (403) or a token over its rate limit (429)
    in the security log."""
    owner = token.person if token is not None else None
    if isinstance(exc, Unauthenticated):
        security_event(
            request,
            "api.token",
            "refused",
            reason=exc.reason,
            user=owner,
            token=token.pk if token is not None else None,
            status=401,
        )
    elif exc.status == 403:
        access_denied(request, exc.code, user=owner)
    elif isinstance(exc, RateLimited):
        rate_limited(request, exc.limit, user=owner, token=token.pk if token is not None else None)


def _answer(
    request: HttpRequest,
    token: ApiToken | None,
    view: View,
    partnership: bool,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> HttpResponse:
    person = token.person if token is not None else request.user
    if not getattr(person, "is_authenticated", False):
        raise Unauthenticated()
    if request.method not in SAFE_METHODS:
        if token is None:
            raise TokenRequired(_("Writes need a token with read and write access."))
        if not token.may_write:
            raise InsufficientScope(_("This token may only read."))
    if token is not None:
        rate_check(token)
    if any(isinstance(v, int) and v > MAX_ID for v in kwargs.values()):
        raise NotFound()  # no record has such an id (and the database could not look)
    request.api_person = person  # type: ignore[attr-defined]
    request.api_token = token  # type: ignore[attr-defined]
    if partnership:
        slug = kwargs.pop("slug")
        request.membership = membership_for(person, slug)  # type: ignore[attr-defined]
    return view(request, *args, **kwargs)


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object, or Invalid. NaN and Infinity are not JSON, and NUL has no
    place in any text Trellis keeps (PostgreSQL refuses it)."""
    try:
        body = json.loads(request.body or b"{}", parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid(_("The body must be a JSON object.")) from exc
    if not isinstance(body, dict):
        raise Invalid(_("The body must be a JSON object."))
    if "\\u0000" in json.dumps(body):
        raise Invalid(_("Text may not contain the NUL character."))
    return body
