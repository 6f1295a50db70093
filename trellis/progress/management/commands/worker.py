"""`trellis worker`: run queued background tasks (django-tasks' database worker), and queue
each daily job once a day when it falls due (the reminders, at TRELLIS_REMINDER_HOUR; the
purge of case-level rows past their retention period, and the export of the audit chain's
head to TRELLIS_AUDIT_HEAD_DIR, at night)."""

from __future__ import annotations

import argparse
import gc
import logging
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME
from django_tasks.utils import get_random_id
from django_tasks_db.management.commands.db_worker import Worker

from trellis.audit.heads import HEAD_EXPORT_JOB
from trellis.casedata.retention import RETENTION_JOB
from trellis.casedata.services import snapshots_fail_abandoned
from trellis.database import statement_timeout_set
from trellis.progress.tasks import DAILY_JOBS


class _Worker(Worker):
    def run_task(self, db_task_result: Any) -> None:
        try:
            super().run_task(db_task_result)
        finally:
            # A PDF board pack leaves about 460,000 objects of cyclic garbage; left for the
            # collector's own pace, the next build in this process ran up to 40% slower
            # (docs/reports.md, "The garbage collector").
            gc.collect()


class Command(BaseCommand):
    help = "Run background tasks, and the daily reminders at TRELLIS_REMINDER_HOUR."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="run the jobs due now and queued tasks, then exit"
        )
        parser.add_argument(
            "--interval", type=float, default=5.0, help="seconds between checks (default: 5)"
        )

    def handle(self, *, once: bool, interval: float, **_: Any) -> None:
        # Computations and report builds outlast a page's statement timeout.
        statement_timeout_set(settings.TRELLIS_WORKER_STATEMENT_TIMEOUT)
        worker = _Worker(
            queue_names=[DEFAULT_TASK_QUEUE_NAME],
            interval=interval,
            batch=True,  # each run() takes every ready task, then returns to this loop
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_id(),
        )
        if not once:
            worker.configure_signals()  # finish the running task on Ctrl+C or SIGTERM
        # Each pass would log the worker starting and stopping; tasks are still logged.
        logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        tried: set[tuple[str, str]] = set()
        while True:
            snapshots_fail_abandoned()  # computations whose process died show as failed
            self.queue_due_jobs(tried)
            worker.run()
            if once or not worker.running:
                return
            close_old_connections()  # as a request would, so a dropped connection recovers
            time.sleep(interval)

    def queue_due_jobs(self, tried: set[tuple[str, str]]) -> None:
        """Queue each daily job that is due. The database says whether it ran today (so a
        restart or a second worker does not repeat it); `tried` stops this process retrying
        a job that failed until the next day."""
        now = timezone.now()
        for name, is_due, job in [*DAILY_JOBS, RETENTION_JOB, HEAD_EXPORT_JOB]:
            attempt = (name, timezone.localdate(now).isoformat())
            if attempt not in tried and is_due(now):
                tried.add(attempt)
                job.enqueue()
                self.stdout.write(f"Queued the daily {name} job.")
