"""Cross-cutting HTTP behaviour: request ids, security headers, and the mapping of
TrellisError to status pages."""

from __future__ import annotations

import contextvars
import logging
import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from trellis.errors import TrellisError

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
    """Turns a TrellisError raised by a view into its styled status page."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, TrellisError):
            return None
        if exception.status == 403:
            logger.warning("forbidden path=%s", request.path)
        template = {403: "403.html", 404: "404.html", 409: "409.html"}.get(
            exception.status, "400.html"
        )
        return render(
            request,
            template,
            {"message": exception.message, "request_id": current_request_id()},
            status=exception.status,
        )
