"""Background tasks of the progress cycle, run by `trellis worker`, and the daily schedule
that queues them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from trellis.audit.models import AuditEntry
from trellis.progress.reminders import RUN_VERB, reminders_send


def reminder_time(now: dt.datetime) -> dt.datetime:
    """Today's reminder time (TRELLIS_REMINDER_HOUR, local time)."""
    local = timezone.localtime(now)
    return local.replace(hour=settings.TRELLIS_REMINDER_HOUR, minute=0, second=0, microsecond=0)


def reminders_due(now: dt.datetime) -> bool:
    """Past today's reminder time, with no run recorded since (runs are audited)."""
    start = reminder_time(now)
    return now >= start and not AuditEntry.objects.filter(verb=RUN_VERB, at__gte=start).exists()


@task()
def reminders_daily() -> dict[str, Any]:
    """Today's reminders. Two workers may both queue this: the second run to start finds the
    first's record and does nothing."""
    report = reminders_send(unless_run_since=reminder_time(timezone.now()))
    return {"skipped": report.skipped, "emails": len(report.emails), "failed": report.failed}


# The daily jobs: (name, whether it is due now, the task to queue).
DAILY_JOBS = [("reminders", reminders_due, reminders_daily)]
