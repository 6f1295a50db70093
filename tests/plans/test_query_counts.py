"""Pages cost a fixed number of queries whatever the size of the plan behind them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from trellis.accounts.models import Role
from trellis.plans.models import Action, Finding, Milestone, Outcome, Plan

AssertQueries = Callable[..., Any]


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def assert_same_cost(
    client: Client, small: str, large: str, assert_num_queries: AssertQueries, page: str
) -> Any:
    client.get(small)  # warm per-process caches, so both measured requests start alike
    expected = count_queries(client, small)
    print(f"{page}: {expected} queries")
    with assert_num_queries(expected):
        response = client.get(large)
    assert response.status_code == 200
    return response


def url(cast: Cast, name: str, *args: int) -> str:
    return reverse(name, args=[cast.partnership.slug, *args])


def test_the_plan_page_costs_the_same_for_5_and_200_actions(
    cast: Cast, django_assert_num_queries: AssertQueries
) -> None:
    small = factories.plan_tree(cast.partnership, actions=5)
    large = factories.plan_tree(cast.partnership, actions=200)

    response = assert_same_cost(
        signed_in(cast.owner),
        url(cast, "plans:plan-detail", small.pk),
        url(cast, "plans:plan-detail", large.pk),
        django_assert_num_queries,
        "plan page",
    )

    assert response.content.decode().count('href="/p/riverside-test/actions/') == 200


def test_the_outcome_page_costs_the_same_for_3_and_30_actions(
    cast: Cast, django_assert_num_queries: AssertQueries
) -> None:
    small = factories.plan_tree(cast.partnership, actions=3)
    large = factories.plan_tree(cast.partnership, actions=30)
    small_outcome = Outcome.objects.filter(plan=small).order_by("position")[0]
    large_outcome = Outcome.objects.filter(plan=large).order_by("position")[0]

    response = assert_same_cost(
        signed_in(cast.owner),
        url(cast, "plans:outcome-detail", small_outcome.pk),
        url(cast, "plans:outcome-detail", large_outcome.pk),
        django_assert_num_queries,
        "outcome page",
    )

    assert len(response.context["outcome"].drivers.all()) == 5


def _action_with(cast: Cast, plan: Plan, extra: int) -> Action:
    """The first action of the plan, with `extra` more deputies and milestones."""
    action = Action.objects.filter(driver__outcome__plan=plan).order_by("id")[0]
    for n in range(extra):
        action.deputies.add(factories.person(cast.partnership, Role.LEAD))
        Milestone.objects.create(
            partnership=cast.partnership, action=action, title=f"Step {n}", due=dt.date(2020, 3, 1)
        )
    return action


def test_the_action_page_costs_the_same_for_3_and_30_milestones_and_deputies(
    cast: Cast, django_assert_num_queries: AssertQueries
) -> None:
    small = _action_with(cast, factories.plan_tree(cast.partnership, actions=3), extra=1)
    large = _action_with(cast, factories.plan_tree(cast.partnership, actions=30), extra=28)

    response = assert_same_cost(
        signed_in(cast.owner),
        url(cast, "plans:action-detail", small.pk),
        url(cast, "plans:action-detail", large.pk),
        django_assert_num_queries,
        "action page",
    )

    assert len(response.context["action"].milestones.all()) == 30


def test_the_inspection_page_costs_the_same_for_3_and_30_actions(
    cast: Cast, django_assert_num_queries: AssertQueries
) -> None:
    small = factories.plan_tree(cast.partnership, actions=3)
    large = factories.plan_tree(cast.partnership, actions=30)
    for plan in (small, large):
        Finding.objects.create(
            partnership=cast.partnership,
            inspection=plan.inspection,
            kind=Finding.Kind.STRENGTH,
            text="Committed staff",
        )

    response = assert_same_cost(
        signed_in(cast.owner),
        url(cast, "plans:inspection-detail", small.inspection_id),
        url(cast, "plans:inspection-detail", large.inspection_id),
        django_assert_num_queries,
        "inspection page",
    )

    assert response.content.decode().count('href="/p/riverside-test/actions/') == 30


def test_my_actions_costs_the_same_for_3_and_30_actions(
    cast: Cast, django_assert_num_queries: AssertQueries
) -> None:
    few = factories.person(cast.partnership, Role.LEAD)
    many = factories.person(cast.partnership, Role.LEAD)
    factories.plan_tree(cast.partnership, actions=3, lead=few)
    factories.plan_tree(cast.partnership, actions=30, lead=many)
    page = url(cast, "plans:my-actions")

    few_client, many_client = signed_in(few), signed_in(many)
    few_client.get(page)
    expected = count_queries(few_client, page)
    print(f"my actions: {expected} queries")
    many_client.get(page)
    with django_assert_num_queries(expected):
        response = many_client.get(page)

    assert len(response.context["actions"]) == 30
