"""Error pages leak nothing and carry the security headers; cookies are locked down."""

from __future__ import annotations

import logging
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, ProgrammingError
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path

from tests.conftest import Cast, signed_in
from trellis import urls as trellis_urls
from trellis.http import DatabaseUnavailableLogFilter


def explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("SELECT secret FROM settings -- boom")


def database_gone(request: HttpRequest) -> HttpResponse:
    raise OperationalError('connection to server at "10.0.0.9", port 5432 failed: refused')


def connection_closed(request: HttpRequest) -> HttpResponse:
    raise InterfaceError("connection already closed")


def bad_query(request: HttpRequest) -> HttpResponse:
    raise ProgrammingError('relation "secret_table" does not exist')


# A URLconf for these tests only: Trellis's own, plus views that fail.
urlpatterns = [
    path("explode/", explode),
    path("database-gone/", database_gone),
    path("connection-closed/", connection_closed),
    path("bad-query/", bad_query),
    path("", include(trellis_urls)),
]
handler500 = trellis_urls.handler500
handler404 = trellis_urls.handler404


@pytest.fixture
def failing_site(settings):  # type: ignore[no-untyped-def]
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False


def test_server_error_page_shows_a_reference_and_no_internals(
    failing_site: None, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR):
        response = client.get("/explode/")
    body = response.content.decode()
    assert response.status_code == 500
    for leak in ("Traceback", 'File "', "SELECT ", "django", "RuntimeError"):
        assert leak not in body
    reference = response["X-Request-Id"]
    assert reference in body
    assert any(getattr(r, "request_id", None) == reference for r in caplog.records)
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_site_keeps_serving_after_a_server_error(failing_site: None) -> None:
    client = Client(raise_request_exception=False)
    assert client.get("/explode/").status_code == 500
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_not_found_page_is_styled_and_carries_security_headers() -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"


def test_production_cookies_are_host_only_secure_and_lax(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.CSRF_COOKIE_NAME = "__Host-csrftoken"
    client = Client()
    client.get("/sign-in/", secure=True)
    response = client.post(
        "/sign-in/",
        {
            "email": cast.owner.email,
            "password": "Correct-Horse-Battery-9",
            "csrfmiddlewaretoken": client.cookies["__Host-csrftoken"].value,
        },
        secure=True,
    )
    assert response.status_code == 302
    assert set(client.cookies) == {"__Host-sessionid", "__Host-csrftoken"}
    for morsel in client.cookies.values():
        assert morsel["secure"] is True
        assert morsel["samesite"] == "Lax"
        assert morsel["path"] == "/"
        assert not morsel["domain"]
    assert client.cookies["__Host-sessionid"]["httponly"] is True


def test_signed_in_pages_are_never_cached(cast: Cast) -> None:
    response = signed_in(cast.owner).get(f"/p/{cast.partnership.slug}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


UNAVAILABLE_LEAKS = ("Traceback", 'File "', "10.0.0.9", "5432", "OperationalError", "django")


@pytest.mark.parametrize("url", ["/database-gone/", "/connection-closed/"])
def test_a_database_that_cannot_be_reached_gives_the_503_page_with_retry_after(
    failing_site: None, url: str
) -> None:
    response = Client(raise_request_exception=False).get(url)
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert "Sorry, the service is unavailable" in body
    for leak in UNAVAILABLE_LEAKS:
        assert leak not in body
    assert response["X-Request-Id"] in body


def test_a_programming_error_in_the_database_still_gives_the_500_page(failing_site: None) -> None:
    response = Client(raise_request_exception=False).get("/bad-query/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "secret_table" not in response.content.decode()


def test_a_session_that_cannot_be_saved_for_the_database_gives_503_not_400(
    cast: Cast, failing_site: None
) -> None:
    client = signed_in(cast.owner)
    client.raise_request_exception = False
    gone = OperationalError("terminating connection due to administrator command")
    with mock.patch("django.contrib.sessions.backends.db.SessionStore.save", side_effect=gone):
        response = client.get(f"/p/{cast.partnership.slug}/")
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()


def test_a_session_that_cannot_be_saved_after_a_download_gives_503_not_500(
    cast: Cast, failing_site: None
) -> None:
    """A download renders no template, so the CSP nonce was never made when the session's
    save failed on the way out; the 503 page's nonce must still be there to use (found in
    reliability F2: the plan export answered 500 while the database restarted)."""
    client = signed_in(cast.owner)
    client.raise_request_exception = False
    export = f"/p/{cast.partnership.slug}/plans/{cast.plan.pk}/export/csv/"
    gone = OperationalError("terminating connection due to administrator command")
    with mock.patch("django.contrib.sessions.backends.db.SessionStore.save", side_effect=gone):
        response = client.get(export)
    assert response.status_code == 503
    assert "Sorry, the service is unavailable" in response.content.decode()
    assert "nonce-" in response["Content-Security-Policy"]


def test_a_database_lost_while_loading_the_session_gives_the_503_page(
    cast: Cast, failing_site: None
) -> None:
    client = signed_in(cast.owner)
    client.raise_request_exception = False
    gone = OperationalError("server closed the connection unexpectedly")
    with mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=gone):
        response = client.get(f"/p/{cast.partnership.slug}/")
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    for leak in UNAVAILABLE_LEAKS:
        assert leak not in response.content.decode()


def test_the_database_outage_is_logged_as_one_line_without_a_traceback(
    cast: Cast, failing_site: None, caplog: pytest.LogCaptureFixture
) -> None:
    client = signed_in(cast.owner)
    client.raise_request_exception = False
    gone = OperationalError("server closed the connection unexpectedly")
    with (
        caplog.at_level(logging.WARNING),
        mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=gone),
    ):
        client.get(f"/p/{cast.partnership.slug}/")
    logged = [r for r in caplog.records if r.name in ("django.request", "trellis.http")]
    assert any(r.name == "django.request" for r in logged)
    for record in logged:  # as the console handler's filter does (it may have run already)
        DatabaseUnavailableLogFilter().filter(record)
    assert [r for r in logged if r.exc_info] == []
    assert any("database unavailable" in r.getMessage() for r in logged)


def test_the_log_filter_keeps_the_traceback_of_a_fault(
    failing_site: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        Client(raise_request_exception=False).get("/bad-query/")
    faults = [r for r in caplog.records if r.exc_info]
    assert faults
    for record in faults:
        DatabaseUnavailableLogFilter().filter(record)
    assert all(r.exc_info for r in faults)
