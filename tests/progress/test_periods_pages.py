"""The reporting periods pages: the list with its counts, closing by a plan owner and
reopening by an admin, each behind a confirmation page."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from trellis.accounts.models import Membership
from trellis.audit.models import AuditEntry
from trellis.plans.models import Action, Plan
from trellis.progress.models import ProgressUpdate, ReportingPeriod
from trellis.progress.services import period_close


def url(cast: Cast, name: str, pk: int) -> str:
    return reverse(name, args=[cast.partnership.slug, pk])


def text_of(response: Any) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def first_period(cast: Cast) -> ReportingPeriod:
    return cast.plan.periods.all()[0]


def close(cast: Cast, period: ReportingPeriod) -> None:
    owner = Membership.objects.get(person=cast.owner, partnership=cast.partnership)
    period_close(membership=owner, period=period)


# The list


def test_the_list_counts_each_periods_updates_by_state(cast: Cast) -> None:
    actions = list(Action.objects.filter(driver__outcome__plan=cast.plan).order_by("id"))
    factories.update(actions[0], state="submitted")
    factories.update(actions[1], state="accepted")

    response = signed_in(cast.board).get(url(cast, "progress:period-list", cast.plan.pk))

    assert response.status_code == 200
    first, second = response.context["summaries"][:2]
    assert first.counts == {
        "missing": 1,
        "draft": 0,
        "submitted": 1,
        "accepted": 1,
        "returned": 0,
    }
    assert second.counts["missing"] == 3
    text = text_of(response)
    assert "Q4 2019" in text
    assert "1 October 2019 to 31 December 2019" in text
    assert "Not written: 1" in text


def test_the_list_shows_close_to_owners_and_reopen_to_admins(cast: Cast) -> None:
    close(cast, first_period(cast))
    page = url(cast, "progress:period-list", cast.plan.pk)

    owner = signed_in(cast.owner).get(page).content.decode()
    admin = signed_in(cast.admin).get(page).content.decode()
    board = signed_in(cast.board).get(page).content.decode()

    assert "/close/" in owner and "/reopen/" not in owner
    assert "/reopen/" in admin and "/close/" not in admin
    assert "/close/" not in board and "/reopen/" not in board
    assert "Closed" in text_of(signed_in(cast.board).get(page))


def test_the_list_of_another_partnerships_plan_is_not_found(cast: Cast) -> None:
    other = factories.plan_tree(cast.other, actions=1)

    response = signed_in(cast.owner).get(url(cast, "progress:period-list", other.pk))

    assert response.status_code == 404


def _plan_with_periods(cast: Cast, count: int) -> Plan:
    plan = factories.plan_tree(cast.partnership, actions=2)
    plan.periods.all().delete()
    action = Action.objects.filter(driver__outcome__plan=plan)[0]
    for n in range(count):
        starts = dt.date(2010, 1, 1) + dt.timedelta(days=31 * n)
        period = ReportingPeriod.objects.create(
            partnership=cast.partnership,
            plan=plan,
            label=f"Period {n}",
            starts=starts,
            ends=starts + dt.timedelta(days=30),
            due=starts + dt.timedelta(days=40),
            closed_at=dt.datetime(2011, 1, 1, tzinfo=dt.UTC) if n % 2 else None,
            closed_by=cast.owner if n % 2 else None,
        )
        ProgressUpdate.objects.create(
            partnership=cast.partnership,
            action=action,
            period=period,
            rag="green",
            narrative="Done",
            author=cast.lead,
        )
    return plan


def test_the_list_costs_the_same_for_3_and_30_periods(
    cast: Cast, django_assert_num_queries: Any
) -> None:
    small, large = _plan_with_periods(cast, 3), _plan_with_periods(cast, 30)
    client = signed_in(cast.owner)
    client.get(url(cast, "progress:period-list", small.pk))
    with CaptureQueriesContext(connection) as captured:
        client.get(url(cast, "progress:period-list", small.pk))

    with django_assert_num_queries(len(captured)):
        response = client.get(url(cast, "progress:period-list", large.pk))

    assert len(response.context["summaries"]) == 30


# Closing


def test_a_plan_owner_is_asked_to_confirm_before_closing(cast: Cast) -> None:
    period = first_period(cast)

    response = signed_in(cast.owner).get(url(cast, "progress:period-close", period.pk))

    period.refresh_from_db()
    assert response.status_code == 200
    assert "Close the period" in text_of(response)
    assert not period.is_closed


def test_a_plan_owner_closes_a_period(cast: Cast) -> None:
    period = first_period(cast)

    response = signed_in(cast.owner).post(url(cast, "progress:period-close", period.pk))

    period.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == url(cast, "progress:period-list", cast.plan.pk)
    assert period.is_closed
    assert period.closed_by == cast.owner
    assert AuditEntry.objects.filter(verb="period.close", object_id=str(period.pk)).count() == 1


@pytest.mark.parametrize("role", ["admin", "lead", "analyst", "board", "inspector"])
def test_only_a_plan_owner_may_close_a_period(cast: Cast, role: str) -> None:
    period = first_period(cast)
    client = signed_in(cast.by_role()[role])

    page = client.get(url(cast, "progress:period-close", period.pk))
    post = client.post(url(cast, "progress:period-close", period.pk))

    period.refresh_from_db()
    assert (page.status_code, post.status_code) == (403, 403)
    assert not period.is_closed


def test_closing_a_closed_period_again_is_refused_and_not_audited(cast: Cast) -> None:
    period = first_period(cast)
    close(cast, period)
    audit = AuditEntry.objects.count()

    page = signed_in(cast.owner).get(url(cast, "progress:period-close", period.pk))
    post = signed_in(cast.owner).post(url(cast, "progress:period-close", period.pk))

    assert page.status_code == 200
    assert 'id="already"' in page.content.decode()
    assert post.status_code == 400
    assert AuditEntry.objects.count() == audit


def test_a_period_of_another_partnership_cannot_be_closed(cast: Cast) -> None:
    other = factories.plan_tree(cast.other, actions=1).periods.all()[0]

    response = signed_in(cast.owner).post(url(cast, "progress:period-close", other.pk))

    other.refresh_from_db()
    assert response.status_code == 404
    assert not other.is_closed


def test_signing_in_is_needed_to_close_a_period(cast: Cast) -> None:
    period = first_period(cast)

    response = signed_in(None).post(url(cast, "progress:period-close", period.pk))

    period.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))
    assert not period.is_closed


# Reopening


def test_an_admin_is_asked_to_confirm_before_reopening(cast: Cast) -> None:
    period = first_period(cast)
    close(cast, period)

    response = signed_in(cast.admin).get(url(cast, "progress:period-reopen", period.pk))

    period.refresh_from_db()
    assert response.status_code == 200
    assert "Reopen the period" in text_of(response)
    assert period.is_closed


def test_an_admin_reopens_a_period_and_it_is_audited(cast: Cast) -> None:
    period = first_period(cast)
    close(cast, period)

    response = signed_in(cast.admin).post(url(cast, "progress:period-reopen", period.pk))

    period.refresh_from_db()
    assert response.status_code == 302
    assert not period.is_closed
    entry = AuditEntry.objects.filter(verb="period.reopen").get()
    assert (entry.actor_id, entry.object_id) == (cast.admin.pk, str(period.pk))


@pytest.mark.parametrize("role", ["owner", "lead", "analyst", "board", "inspector"])
def test_only_an_admin_may_reopen_a_period(cast: Cast, role: str) -> None:
    period = first_period(cast)
    close(cast, period)
    client = signed_in(cast.by_role()[role])

    page = client.get(url(cast, "progress:period-reopen", period.pk))
    post = client.post(url(cast, "progress:period-reopen", period.pk))

    period.refresh_from_db()
    assert (page.status_code, post.status_code) == (403, 403)
    assert period.is_closed


def test_reopening_an_open_period_is_refused(cast: Cast) -> None:
    period = first_period(cast)

    page = signed_in(cast.admin).get(url(cast, "progress:period-reopen", period.pk))
    post = signed_in(cast.admin).post(url(cast, "progress:period-reopen", period.pk))

    assert 'id="already"' in page.content.decode()
    assert post.status_code == 400
    assert not AuditEntry.objects.filter(verb="period.reopen").exists()
