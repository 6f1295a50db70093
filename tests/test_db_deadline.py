"""A page never waits on the database past TRELLIS_DB_WAIT_SECONDS (trellis/db_deadline.py):
a statement that outlasts it ends as the 503 page with its connection closed, the worker
then answers the 503 page without the database until the breaker's time is up, and after
that pages are served again. The deadline itself needs a server that can be made to wait
(PostgreSQL's pg_sleep); the breaker is tested on either database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import Cast, signed_in

# This module's URL configuration (for the tests marked with it): the slow test-only pages.
from tests.test_db_timeouts import handler500 as handler500
from tests.test_db_timeouts import urlpatterns as urlpatterns
from trellis.db_deadline import breaker

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a statement the server makes wait (pg_sleep); set DATABASE_URL to run it",
)


@pytest.fixture
def deadline(settings: Any) -> Iterator[None]:
    settings.TRELLIS_DB_WAIT_SECONDS = 1
    settings.TRELLIS_DB_BREAKER_SECONDS = 10
    breaker.open_until = 0.0
    yield
    breaker.open_until = 0.0


def plan_reports(cast: Cast) -> str:
    return reverse("reports:plan-reports", args=[cast.partnership.slug, cast.plan.pk])


@postgresql_only
@pytest.mark.urls(__name__)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url", ["/test-only/slow/", "/test-only/slow-in-transaction/"])
def test_a_statement_past_the_deadline_gives_the_503_page_within_it(
    cast: Cast, deadline: None, url: str
) -> None:
    client = signed_in(cast.owner)

    cut = client.get(url)  # pg_sleep(5) under a deadline of 1 s

    assert cut.status_code == 503 and cut["Retry-After"]
    assert "finished" not in cut.content.decode()  # the view never got its answer
    assert connection.connection is None  # left mid-statement, so closed
    assert breaker.is_open()


@pytest.mark.django_db
def test_while_the_breaker_is_open_pages_answer_503_without_the_database(
    cast: Cast, deadline: None
) -> None:
    client = signed_in(cast.owner)
    breaker.trip()

    with CaptureQueriesContext(connection) as queries:
        refused = client.get(plan_reports(cast))

    assert refused.status_code == 503 and refused["Retry-After"]
    assert len(queries) == 0


@pytest.mark.django_db
def test_once_the_breakers_time_is_up_pages_are_served_again(cast: Cast, deadline: None) -> None:
    client = signed_in(cast.owner)
    breaker.trip()
    breaker.open_until = time.monotonic() - 0.1  # its ten seconds have passed

    page = client.get(plan_reports(cast))

    assert page.status_code == 200
    assert cast.plan.title in page.content.decode()


@pytest.mark.django_db
def test_with_the_deadline_off_the_breaker_is_not_consulted(cast: Cast, settings: Any) -> None:
    settings.TRELLIS_DB_WAIT_SECONDS = 0
    breaker.trip()
    try:
        page = signed_in(cast.owner).get(plan_reports(cast))
    finally:
        breaker.open_until = 0.0

    assert page.status_code == 200
