"""A page never waits on the database longer than TRELLIS_DB_WAIT_SECONDS.

PostgreSQL's statement_timeout ends a slow statement on the server; it cannot help when the
server does not answer at all (a hung host, a stopped process, a network that silently
drops packets). libpq then waits, the gunicorn worker is held until gunicorn kills it, and
the requests behind it queue up (reliability figure F3). So every statement a page runs
has a deadline on this side too: an alarm signal ends the wait with `DatabaseHung` (an
OperationalError, so the error middleware answers the 503 page) and the connection, left
in the middle of a statement, is closed. For the next TRELLIS_DB_BREAKER_SECONDS the
worker answers the 503 page at once without trying the database (a circuit breaker), so
requests do not queue behind a hang; then the next request tries again.

The deadline is for waiting on a database that does not answer, so it is longer than what
a page's statement should take; a statement that runs past it on a live server is cut too
(pages are short by design: anything slow runs in `trellis worker`, which has no deadline).

A signal reaches only the main thread: the deadline applies to gunicorn's sync workers (the
documented setup) and is skipped in other threads (the test server's). 0 turns it off.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse

from trellis.http import database_unavailable_page

logger = logging.getLogger(__name__)

Handler = Callable[[HttpRequest], HttpResponse]


class DatabaseHung(OperationalError):
    """The database did not answer a statement within TRELLIS_DB_WAIT_SECONDS."""


class _Breaker:
    """This process's memory of a hang: until `open_until` (time.monotonic()), pages are
    answered without trying the database."""

    open_until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self) -> None:
        self.open_until = time.monotonic() + settings.TRELLIS_DB_BREAKER_SECONDS


breaker = _Breaker()


def _on_alarm(signum: int, frame: Any) -> None:
    raise DatabaseHung("the database did not answer in time")


@contextmanager
def _deadline() -> Iterator[None]:
    """Raise DatabaseHung in this (the main) thread if the block takes too long; on that,
    trip the breaker and close the connection, which is left mid-statement."""
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, settings.TRELLIS_DB_WAIT_SECONDS)
    try:
        yield
    except DatabaseHung:
        logger.error("database did not answer within %s s", settings.TRELLIS_DB_WAIT_SECONDS)
        breaker.trip()
        connection.close()
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def within_deadline(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
) -> Any:
    """A `connection.execute_wrapper`: every statement of the page runs under the deadline."""
    with _deadline():
        return execute(sql, params, many, context)


class DatabaseDeadlineMiddleware:
    """Sets the deadline on every statement of the request (the session's included: it
    sits outside the session middleware) and on the check Django makes of a kept
    connection before its first use (CONN_HEALTH_CHECKS), and answers the 503 page at once
    while the breaker is open."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            not settings.TRELLIS_DB_WAIT_SECONDS
            or threading.current_thread() is not threading.main_thread()
        ):
            return self.get_response(request)
        if breaker.is_open():
            return database_unavailable_page(request)
        try:
            with _deadline():
                connection.close_if_health_check_failed()
        except DatabaseHung:
            return database_unavailable_page(request)
        with connection.execute_wrapper(within_deadline):
            return self.get_response(request)
