"""No lost work across a session timeout.

A person whose session ended while they typed (idle for 30 minutes, or past the 12-hour
limit) posts a form and is sent to sign in. For a view marked with `keeps_work(...)`, the
middleware first keeps the named fields of that post in the new, anonymous session, under
a key for the page's address. Signing in keeps session data (`login()` cycles the key), so
when the person comes back to the page its view calls `take_kept_work()` and shows their
text again. Only the named fields are kept: never a password or anything else posted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.urls import Resolver404, resolve

_ATTRIBUTE = "keeps_work_fields"
_PREFIX = "kept-work:"

ViewFunc = Callable[..., HttpResponse]


def keeps_work(*fields: str) -> Callable[[ViewFunc], ViewFunc]:
    """Mark a form view: keep these posted fields if the poster's session has ended."""

    def mark(view: ViewFunc) -> ViewFunc:
        setattr(view, _ATTRIBUTE, tuple(f for f in fields if "password" not in f))
        return view

    return mark


def take_kept_work(request: HttpRequest) -> dict[str, str] | None:
    """What the signed-in person typed on this page before signing in again, once."""
    kept = request.session.pop(_PREFIX + request.path, None)
    return kept if isinstance(kept, dict) else None


def _kept_fields(request: HttpRequest) -> tuple[str, ...]:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return ()
    return tuple(getattr(match.func, _ATTRIBUTE, ()))


def _sends_to_sign_in(response: HttpResponse) -> bool:
    if response.status_code != 302:
        return False
    return str(response.get("Location", "")).startswith(str(resolve_url(settings.LOGIN_URL)))


class KeepWorkMiddleware:
    """Runs after authentication (and around the session limit, which signs people out)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.method == "POST"
            and not request.user.is_authenticated
            and _sends_to_sign_in(response)
        ):
            fields = _kept_fields(request)
            if fields:
                kept: dict[str, Any] = {name: request.POST.get(name, "") for name in fields}
                request.session[_PREFIX + request.path] = kept
        return response
