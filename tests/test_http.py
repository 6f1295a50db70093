"""Error pages leak nothing and carry the security headers; cookies are locked down."""

from __future__ import annotations

import logging

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path

from tests.conftest import Cast, signed_in
from trellis import urls as trellis_urls


def explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("SELECT secret FROM settings -- boom")


# A URLconf for these tests only: Trellis's own, plus a view that fails.
urlpatterns = [path("explode/", explode), path("", include(trellis_urls))]
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
