"""The page listing every milestone of a plan that is overdue or due in the next 30 days
(`reports:plan-milestones`), which the dashboard links to when it shows only the first 20 of
each: who sees it, that it lists them all in order, and that it costs the same at any size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from trellis.accounts.models import Partnership
from trellis.plans.models import Action, Milestone, Plan

TODAY = dt.date(2020, 10, 23)
AssertQueries = Callable[..., Any]


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2020, 10, 23, 12, tzinfo=dt.UTC), tick=False):
        yield


def plan_with_milestones(part: Partnership, *, overdue: int, due: int) -> Plan:
    """A plan of three aims whose only open milestones are `overdue` milestones 1, 2, …
    days overdue and `due` milestones due in 0, 1, … days; and one done, one too far off."""
    assert due <= 31  # the 30 days ahead, and today
    plan = factories.plan_tree(part, actions=3)
    Milestone.objects.filter(action__driver__outcome__plan=plan).delete()
    a = list(Action.objects.filter(driver__outcome__plan=plan).order_by("position"))
    rows = [
        Milestone(
            partnership=part,
            action=a[i % 3],
            title=f"Overdue by {i + 1}",
            due=TODAY - dt.timedelta(days=i + 1),
        )
        for i in range(overdue)
    ] + [
        Milestone(
            partnership=part, action=a[i % 3], title=f"Due in {i}", due=TODAY + dt.timedelta(i)
        )
        for i in range(due)
    ]
    rows.append(Milestone(partnership=part, action=a[0], title="Done", due=TODAY, done=TODAY))
    rows.append(Milestone(partnership=part, action=a[0], title="Far off", due=dt.date(2021, 1, 1)))
    Milestone.objects.bulk_create(rows)
    return plan


def page_of(plan: Plan) -> str:
    return reverse("reports:plan-milestones", args=[plan.partnership.slug, plan.pk])


def section(response: Any, start: str, end: str) -> str:
    content = response.content.decode()
    at = content.index(start)
    return content[at : content.index(end, at)]


def titles(table: str) -> list[str]:
    """The first cell of each milestone row: its title."""
    return [
        row.split('<td class="govuk-table__cell">', 1)[1].split("</td>", 1)[0]
        for row in table.split("data-milestone=")[1:]
    ]


# What it shows


def test_the_page_lists_every_overdue_and_due_milestone_most_pressing_first(cast: Cast) -> None:
    plan = plan_with_milestones(cast.partnership, overdue=25, due=23)

    response = signed_in(cast.board).get(page_of(plan))

    assert response.status_code == 200
    assert "Milestones overdue and due soon</h1>" in response.content.decode()
    overdue = section(response, 'id="milestones-overdue"', "</table>")
    due = section(response, 'id="milestones-due"', "</table>")
    assert titles(overdue) == [f"Overdue by {n}" for n in range(25, 0, -1)]
    assert titles(due) == [f"Due in {n}" for n in range(23)]
    assert "25 milestones overdue</caption>" in overdue
    assert "23 milestones due in the next 30 days</caption>" in due
    assert "28 September 2020" in overdue  # 25 days before 23 October 2020
    assert "25 days" in overdue and "Today" in due


def test_the_page_leaves_out_done_milestones_and_those_due_later(cast: Cast) -> None:
    plan = plan_with_milestones(cast.partnership, overdue=1, due=1)

    content = signed_in(cast.board).get(page_of(plan)).content.decode()

    assert "Overdue by 1" in content and "Due in 0" in content
    assert "Done" not in titles(content) and "Far off" not in content


def test_with_nothing_overdue_or_due_the_page_says_so(cast: Cast) -> None:
    plan = plan_with_milestones(cast.partnership, overdue=0, due=0)

    content = signed_in(cast.board).get(page_of(plan)).content.decode()

    assert "No milestone is overdue." in content
    assert "No milestone falls due in the next 30 days." in content


def test_the_page_links_back_to_the_dashboard_and_each_milestone_to_its_aim(cast: Cast) -> None:
    plan = plan_with_milestones(cast.partnership, overdue=1, due=0)
    action = Milestone.objects.get(title="Overdue by 1").action

    response = signed_in(cast.board).get(page_of(plan))

    home = reverse("plans:partnership-home", args=[cast.partnership.slug])
    assert f'<a href="{home}" class="govuk-back-link">Back to the dashboard</a>' in (
        response.content.decode()
    )
    action_url = reverse("plans:action-detail", args=[cast.partnership.slug, action.pk])
    assert action_url in section(response, 'id="milestones-overdue"', "</table>")


# Who sees it


@pytest.mark.parametrize("role", ["board", "lead", "owner", "inspector", "admin", "analyst"])
def test_every_member_of_the_partnership_sees_the_page(cast: Cast, role: str) -> None:
    plan = plan_with_milestones(cast.partnership, overdue=1, due=1)

    response = signed_in(cast.by_role()[role]).get(page_of(plan))

    assert response.status_code == 200
    assert "Overdue by 1" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_sign_in(cast: Cast) -> None:
    response = Client().get(page_of(cast.plan))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))


def test_an_outsider_is_told_the_page_does_not_exist(cast: Cast) -> None:
    response = signed_in(cast.outsider).get(page_of(cast.plan))

    assert response.status_code == 404


def test_another_partnerships_plan_does_not_exist_here(cast: Cast) -> None:
    theirs = plan_with_milestones(cast.other, overdue=1, due=1)
    url = reverse("reports:plan-milestones", args=[cast.partnership.slug, theirs.pk])

    response = signed_in(cast.board).get(url)

    assert response.status_code == 404
    assert b"Overdue by 1" not in response.content


def test_the_page_only_reads(cast: Cast) -> None:
    plan = plan_with_milestones(cast.partnership, overdue=3, due=3)
    before = list(Milestone.objects.order_by("pk").values())

    signed_in(cast.board).get(page_of(plan))

    assert list(Milestone.objects.order_by("pk").values()) == before


# Cost


def test_the_page_costs_the_same_queries_for_3_and_30_milestones(
    cast: Cast, django_assert_num_queries: AssertQueries
) -> None:
    small = plan_with_milestones(cast.partnership, overdue=3, due=3)
    large = plan_with_milestones(cast.partnership, overdue=30, due=30)
    client = signed_in(cast.board)
    client.get(page_of(small))  # warm per-process caches, so both measured requests start alike
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page_of(small)).status_code == 200
    print(f"milestones page: {len(captured)} queries")

    with django_assert_num_queries(len(captured)):
        response = client.get(page_of(large))

    assert response.status_code == 200
    assert len(response.context["overdue"]) == len(response.context["due"]) == 30
