"""Cross-cutting HTTP behaviour: request ids, security headers, and the mapping of
TrellisError (and of a database that cannot be reached) to status pages."""

from __future__ import annotations

import contextvars
import logging
import secrets
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from trellis.database import is_statement_timeout
from trellis.errors import RateLimited, TrellisError
from trellis.security_log import access_denied, rate_limited
from trellis.uploads import is_storage_full, storage_full

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
logger = logging.getLogger("trellis.http")

Handler = Callable[[HttpRequest], HttpResponse]


def current_request_id() -> str:
    return _request_id.get()


class RequestIdLogFilter(logging.Filter):
    """Adds the request id to every log record so a user's error reference can be traced."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


# Seconds a person (or a proxy) should wait before trying again when the database is away;
# a fast restart of PostgreSQL takes about a second.
RETRY_AFTER_SECONDS = 10


def is_database_unavailable(exception: BaseException | None) -> bool:
    """The database could not be reached or dropped the connection: a passing outage to
    answer with 503, not a fault in Trellis (ProgrammingError, IntegrityError and the
    like stay 500s). Looks through the chain too: Django re-raises a session that could
    not be saved as SessionInterrupted, from the OperationalError."""
    seen = 0
    while exception is not None and seen < 5:
        if isinstance(exception, (OperationalError, InterfaceError)):
            return True
        exception = exception.__cause__ or exception.__context__
        seen += 1
    return False


def database_unavailable_page(request: HttpRequest) -> HttpResponse:
    """The 503 page, rendered without touching the database: the person, the messages
    and the partnership (each read through the session) are left out of its context."""
    from django.contrib.auth.models import AnonymousUser  # not at import: logging loads this

    timed_out = is_statement_timeout(sys.exc_info()[1])
    if timed_out:
        logger.warning("database statement timed out path=%s", request.path)
    else:
        logger.warning("database unavailable path=%s", request.path)
    response = render(
        request,
        "503.html",
        {
            "request_id": current_request_id(),
            "user": AnonymousUser(),
            "messages": [],
            "partnership": None,
            "timed_out": timed_out,
        },
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def storage_full_page(request: HttpRequest) -> HttpResponse:
    """The 503 page for a full disk: what was being stored was removed, and nothing else
    of the request was kept."""
    logger.error("storage full path=%s", request.path)
    return render(
        request,
        "503.html",
        {"message": storage_full().message, "request_id": current_request_id()},
        status=503,
    )


def rate_limited_page(request: HttpRequest, exception: RateLimited) -> HttpResponse:
    """The 429 page: what the limit is and when to try again (also as Retry-After)."""
    response = render(
        request,
        "429.html",
        {"message": exception.message, "request_id": current_request_id()},
        status=429,
    )
    response["Retry-After"] = str(exception.retry_after)
    return response


class DatabaseUnavailableLogFilter(logging.Filter):
    """Django logs an uncaught exception with its traceback; for a database that is away
    (already logged as one warning line per request) the traceback says nothing more."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and is_database_unavailable(record.exc_info[1]):
            record.msg = f"{record.msg} (database unavailable: %s)"
            record.args = (*(record.args or ()), type(record.exc_info[1]).__name__)
            record.exc_info = None
            record.exc_text = None
        return True


class RequestIdMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_id.set(secrets.token_hex(8))
        try:
            response = self.get_response(request)
            response["X-Request-Id"] = _request_id.get()
            return response
        finally:
            _request_id.reset(token)


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set, and no-store on private pages."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if not request.path.startswith("/static/"):
            # Pages may hold personal data: never keep them in a shared or back-button cache.
            response["Cache-Control"] = "no-store"
        return response


class TrellisErrorMiddleware:
    """Turns a TrellisError raised by a view into its styled status page, and a database
    that cannot be reached or a full disk into the 503 page (trellis.views.server_error does
    the same for what fails outside a view, such as loading the session or reading the
    body in CSRF's check)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            return database_unavailable_page(request)
        if is_storage_full(exception):
            return storage_full_page(request)
        if not isinstance(exception, TrellisError):
            return None
        if isinstance(exception, RateLimited):
            rate_limited(request, exception.limit)
            return rate_limited_page(request, exception)
        if exception.status == 403:
            access_denied(request, exception.code)
        template = {403: "403.html", 404: "404.html", 409: "409.html"}.get(
            exception.status, "400.html"
        )
        return render(
            request,
            template,
            {"message": exception.message, "request_id": current_request_id()},
            status=exception.status,
        )
