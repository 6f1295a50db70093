"""What every Trellis process does as it starts: the checks that must pass before
production serves a single request, and the garbage collector's pace."""

from __future__ import annotations

import gc

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEMO_DOMAIN = "demo.example.org"


YOUNG_GENERATION = 20_000  # allocations between collections of the youngest generation


def collect_less_often() -> None:
    """A page allocates tens of thousands of short-lived objects and a board pack millions;
    at Python's default (a collection every 700 allocations) a PDF board pack spent 2 s of
    its 10 in the collector, 1.7 s of it in full passes over everything the process holds,
    and 0.45 s at this pace (docs/reliability.md, "Worker start"; docs/reports.md)."""
    gc.set_threshold(YOUNG_GENERATION, 10, 10)


def refuse_unsafe_production() -> None:
    if not settings.PRODUCTION:
        return
    from trellis.accounts.models import Person

    if Person.objects.filter(email__iendswith="@" + DEMO_DOMAIN).exists():
        raise ImproperlyConfigured(
            f"Demo accounts (@{DEMO_DOMAIN}) exist in this database; production will not start. "
            "Use a fresh database, or remove them."
        )
