"""Sign-in throttling: after too many failures for one account from one address in the
window, that pair waits out a cool-off. Never a permanent lock-out, and other people on
the same address are not affected."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from trellis.accounts.models import SignInFailure


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, trusting only as many X-Forwarded-For hops as proxies we run."""
    proxies = settings.TRELLIS_TRUSTED_PROXIES
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(hops) >= proxies:
            return hops[-proxies] or None
    return request.META.get("REMOTE_ADDR") or None


def is_throttled(email: str, ip: str | None) -> bool:
    now = timezone.now()
    window = dt.timedelta(seconds=settings.TRELLIS_SIGN_IN_WINDOW_SECONDS)
    cool_off = dt.timedelta(seconds=settings.TRELLIS_SIGN_IN_COOL_OFF_SECONDS)
    recent = list(
        SignInFailure.objects.filter(
            email=email.lower(), ip_address=ip, at__gte=now - window - cool_off
        )
        .order_by("-at")
        .values_list("at", flat=True)[: settings.TRELLIS_SIGN_IN_MAX_FAILURES]
    )
    if len(recent) < settings.TRELLIS_SIGN_IN_MAX_FAILURES:
        return False
    newest, oldest = recent[0], recent[-1]
    # Enough failures inside one window, and the cool-off since the last has not passed.
    return newest - oldest <= window and now - newest < cool_off


def record_failure(email: str, ip: str | None) -> None:
    SignInFailure.objects.create(email=email.lower()[:254], ip_address=ip, at=timezone.now())
    # Old failures are no longer evidence of anything.
    horizon = timezone.now() - dt.timedelta(days=1)
    SignInFailure.objects.filter(at__lt=horizon).delete()


def clear_failures(email: str, ip: str | None) -> None:
    SignInFailure.objects.filter(email=email.lower(), ip_address=ip).delete()
