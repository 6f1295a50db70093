from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from trellis.security_log import security_event

SIGNED_IN_AT = "signed_in_at"
# Set by single sign-on (trellis.accounts.sso_views): the one partnership the session reaches.
SSO_PARTNERSHIP = "sso_partnership"
DB_SESSIONS = "django.contrib.sessions.backends.db"


class SessionLimitMiddleware:
    """Ends a session 12 hours after sign-in however active it is (the idle limit is the
    session cookie's age, renewed on every request), and any session signed in before an
    admin ended the person's sessions. Each session that ends, here or by idling out, by
    the account closing or by Django after a password change, is one event in the
    security log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Whose the session was, read before Django checks it (on the first look at
        # request.user, just below) and perhaps flushes it.
        stored_user = request.session.get(SESSION_KEY)
        if request.user.is_authenticated:
            started = request.session.get(SIGNED_IN_AT, 0)
            ended = getattr(request.user, "sessions_ended_at", None)
            too_old = time.time() - started > settings.TRELLIS_SESSION_ABSOLUTE_SECONDS
            if too_old or (ended is not None and started < ended.timestamp()):
                reason = "absolute_timeout" if too_old else "ended_by_admin"
                security_event(request, "session.end", "ended", reason=reason)
                logout(request)
                return redirect_to_login(request.get_full_path())
            # A partnership's identity provider vouches for its own members only there
            # (trellis.accounts.policy.membership_for reads this).
            request.user.sso_partnership = request.session.get(SSO_PARTNERSHIP)  # type: ignore[attr-defined]
        else:
            _log_lost_session(request, stored_user)
        return self.get_response(request)


def _log_lost_session(request: HttpRequest, stored_user: str | None) -> None:
    """A signed-in session that ended without a sign-out: the account was closed (Django
    no longer accepts its person, so the session is ended for good here), the password
    changed since the session signed in (Django's check of the session's password hash
    failed and flushed it), or the session idled out (the browser still sends its cookie;
    the expired row says whose it was, and goes, so it is logged once)."""
    user_id = request.session.get(SESSION_KEY)
    if user_id is not None:
        security_event(request, "session.end", "ended", reason="account_closed", user=int(user_id))
        request.session.flush()
        return
    if stored_user is not None:
        # Only that check empties a session while reading its person. A SECRET_KEY
        # rotated without SECRET_KEY_FALLBACKS would end every session the same way.
        security_event(
            request, "session.end", "ended", reason="password_changed", user=int(stored_user)
        )
        return
    cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if (
        not cookie
        or request.session.session_key is not None
        or settings.SESSION_ENGINE != DB_SESSIONS
    ):
        return
    from django.contrib.sessions.models import Session

    expired = Session.objects.filter(session_key=cookie, expire_date__lte=timezone.now()).first()
    if expired is None:
        return
    user_id = expired.get_decoded().get(SESSION_KEY)
    expired.delete()
    if user_id is not None:
        security_event(request, "session.end", "ended", reason="idle_timeout", user=int(user_id))
