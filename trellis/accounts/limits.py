"""Per-person rate limits on the requests that cost the most or carry the most: uploads
(case-level extracts, evidence files, plan imports), downloads of case-level records and
builds of reports and exports.

Counted in the database (RateEvent), so every worker process and server sees the same
counts; a per-process cache would let each worker grant the whole allowance again. Over
the limit the request is refused with RateLimited (the 429 page, with Retry-After) and
the refusal is audited. Refused requests are not counted, so whoever waits as told gets
back in; nobody is refused for good.
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trellis.accounts.models import Person, RateEvent
from trellis.audit.services import audit_append
from trellis.errors import RateLimited

# The kinds of request limited, each with its setting's key in TRELLIS_RATE_LIMITS.
EXTRACT_UPLOAD = "extract-upload"
EVIDENCE_UPLOAD = "evidence-upload"
PLAN_IMPORT = "plan-import"
RECORD_DOWNLOAD = "record-download"
REPORT_BUILD = "report-build"
PLAN_EXPORT = "plan-export"
# What each is, in words for the refusal: "the limit of 10 extract uploads in 1 hour".
LABELS = {
    EXTRACT_UPLOAD: gettext_lazy("extract uploads"),
    EVIDENCE_UPLOAD: gettext_lazy("evidence file uploads"),
    PLAN_IMPORT: gettext_lazy("plan imports"),
    RECORD_DOWNLOAD: gettext_lazy("downloads of case-level records"),
    REPORT_BUILD: gettext_lazy("reports issued"),
    PLAN_EXPORT: gettext_lazy("plan exports"),
}


def limit_of(action: str) -> int:
    """Requests allowed in one window; 0 means no limit."""
    return int(settings.TRELLIS_RATE_LIMITS[action])


def window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.TRELLIS_RATE_WINDOW_SECONDS)


def rate_take(*, person: Person, action: str, partnership_id: int | None = None) -> None:
    """Count one `action` by `person`, or refuse it (RateLimited, audited) when the person
    has used the allowance of the window.

    Counting and checking hold a lock on the person's row, so two requests arriving
    together on two workers are counted one after the other and cannot both take the
    last place.
    """
    limit = limit_of(action)
    if limit <= 0:
        return
    retry_after = _count(person, action, limit)
    if retry_after is not None:
        _refuse(person, action, limit, retry_after, partnership_id)


def _count(person: Person, action: str, limit: int) -> int | None:
    """Record the request and return None, or the seconds to wait when over the limit."""
    now = timezone.now()
    since = now - window()
    with transaction.atomic():
        list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk"))
        mine = RateEvent.objects.filter(person=person, action=action)
        mine.filter(at__lte=since).delete()  # spent: no longer evidence of anything
        counted = list(mine.filter(at__gt=since).order_by("-at").values_list("at", flat=True))
        if len(counted) < limit:
            RateEvent.objects.create(person=person, action=action, at=now)
            return None
    # One more is allowed once the oldest of the last `limit` requests leaves the window.
    frees_at = counted[limit - 1] + window()
    return max(1, math.ceil((frees_at - now).total_seconds()))


def _refuse(
    person: Person, action: str, limit: int, retry_after: int, partnership_id: int | None
) -> None:
    audit_append(
        actor=person,
        verb="rate-limit.refuse",
        object_type="rate-limit",
        object_id=action,
        partnership_id=partnership_id,
        changes={
            "action": action,
            "limit": limit,
            "window_seconds": settings.TRELLIS_RATE_WINDOW_SECONDS,
            "retry_after": retry_after,
        },
    )
    raise RateLimited(
        _("You have reached the limit of %(limit)d %(what)s in %(window)s. Try again in %(wait)s.")
        % {
            "limit": limit,
            "what": LABELS[action],
            "window": _duration(settings.TRELLIS_RATE_WINDOW_SECONDS),
            "wait": _duration(retry_after),
        },
        retry_after=retry_after,
        limit=action,
    )


def _duration(seconds: int) -> str:
    """Plain words for a wait: "1 hour", "25 minutes", "40 seconds"."""
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return _("1 hour") if hours == 1 else _("%(n)d hours") % {"n": hours}
    if seconds >= 60:
        minutes = math.ceil(seconds / 60)
        return _("1 minute") if minutes == 1 else _("%(n)d minutes") % {"n": minutes}
    return _("1 second") if seconds == 1 else _("%(n)d seconds") % {"n": seconds}
