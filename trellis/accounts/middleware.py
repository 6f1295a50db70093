from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

SIGNED_IN_AT = "signed_in_at"
# Set by single sign-on (trellis.accounts.sso_views): the one partnership the session reaches.
SSO_PARTNERSHIP = "sso_partnership"


class SessionLimitMiddleware:
    """Ends a session 12 hours after sign-in however active it is (the idle limit is the
    session cookie's age, renewed on every request), and any session signed in before an
    admin ended the person's sessions."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SIGNED_IN_AT, 0)
            ended = getattr(request.user, "sessions_ended_at", None)
            if time.time() - started > settings.TRELLIS_SESSION_ABSOLUTE_SECONDS or (
                ended is not None and started < ended.timestamp()
            ):
                logout(request)
                return redirect_to_login(request.get_full_path())
            # A partnership's identity provider vouches for its own members only there
            # (trellis.accounts.policy.membership_for reads this).
            request.user.sso_partnership = request.session.get(SSO_PARTNERSHIP)  # type: ignore[attr-defined]
        return self.get_response(request)
