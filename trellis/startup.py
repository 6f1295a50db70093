"""Checks that must pass before production serves a single request."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEMO_DOMAIN = "demo.example.org"


def refuse_unsafe_production() -> None:
    if not settings.PRODUCTION:
        return
    from trellis.accounts.models import Person

    if Person.objects.filter(email__iendswith="@" + DEMO_DOMAIN).exists():
        raise ImproperlyConfigured(
            f"Demo accounts (@{DEMO_DOMAIN}) exist in this database; production will not start. "
            "Use a fresh database, or remove them."
        )
