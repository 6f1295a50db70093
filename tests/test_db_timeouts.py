"""PostgreSQL's timeouts: every session has a statement timeout and an idle-in-transaction
timeout from the settings; a page whose query outlasts the statement timeout answers the
friendly 503 page, and the next request on the same connection is served; `trellis worker`
runs with its own, longer statement timeout."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse

import trellis.urls
from tests.conftest import Cast, signed_in
from trellis.database import DISPATCH_UID

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="statement_timeout and idle_in_transaction_session_timeout are PostgreSQL's; "
    "SQLite has neither (set DATABASE_URL to a PostgreSQL database to run these)",
)


def slow(request: HttpRequest) -> HttpResponse:
    """A query longer than any statement timeout these tests set."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(5)")
    return HttpResponse("finished")


def slow_in_transaction(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        return slow(request)


# This module is the URL configuration of the tests marked with it: Trellis's pages and two
# test-only ones.
urlpatterns = [
    path("test-only/slow/", slow),
    path("test-only/slow-in-transaction/", slow_in_transaction),
    *trellis.urls.urlpatterns,
]
handler500 = trellis.urls.handler500


def seconds_of(setting: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT extract(epoch FROM current_setting(%s)::interval)", [setting])
        return float(cursor.fetchone()[0])


@pytest.fixture
def short_statement_timeout() -> Iterator[None]:
    """A statement timeout of a fifth of a second for this test's session."""
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 200")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET statement_timeout")


@pytest.mark.django_db
def test_every_session_has_the_configured_timeouts(settings: Any) -> None:
    assert seconds_of("statement_timeout") == settings.TRELLIS_DB_STATEMENT_TIMEOUT == 30
    assert (
        seconds_of("idle_in_transaction_session_timeout")
        == settings.TRELLIS_DB_IDLE_IN_TRANSACTION_TIMEOUT
        == 60
    )


@pytest.mark.urls(__name__)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url", ["/test-only/slow/", "/test-only/slow-in-transaction/"])
def test_a_query_past_the_statement_timeout_gives_the_503_page_and_the_next_request_works(
    cast: Cast, short_statement_timeout: None, url: str
) -> None:
    client = signed_in(cast.owner)

    cancelled = client.get(url)

    assert cancelled.status_code == 503
    assert cancelled["Retry-After"]
    assert "took too long to prepare this page" in cancelled.content.decode()
    page = client.get(reverse("reports:plan-reports", args=[cast.partnership.slug, cast.plan.pk]))
    assert page.status_code == 200
    assert cast.plan.title in page.content.decode()


# The database worker takes its own transactions, so this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_with_its_own_statement_timeout(settings: Any) -> None:
    settings.TRELLIS_WORKER_STATEMENT_TIMEOUT = 600
    try:
        with time_machine.travel(dt.datetime(2020, 11, 3, 14, 0, tzinfo=dt.UTC), tick=False):
            call_command("worker", "--once", stdout=StringIO())
        assert seconds_of("statement_timeout") == 600
        connection.close()  # and on the connection it makes next
        assert seconds_of("statement_timeout") == 600
    finally:
        connection_created.disconnect(dispatch_uid=DISPATCH_UID)
        connection.close()
    assert seconds_of("statement_timeout") == settings.TRELLIS_DB_STATEMENT_TIMEOUT
