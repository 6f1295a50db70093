"""Every collection, as JSON and as CSV, costs the same number of queries for a plan of 3
actions as for a plan of 30 (each action with an update, a comment and a measure with
figures and a target)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.api.conftest import Api, token_of, url
from tests.conftest import Cast
from tests.measures.factories import measure
from trellis.api.registry import COLLECTIONS
from trellis.plans.models import Action, Plan
from trellis.progress.models import Comment


def busy_plan(cast: Cast, actions: int) -> Plan:
    plan = factories.plan_tree(cast.partnership, actions=actions)
    for action in Action.objects.filter(driver__outcome__plan=plan):
        factories.update(action)
        Comment.objects.create(
            partnership=cast.partnership, action=action, author=cast.board, body="Why?"
        )
        measure(
            cast,
            kind="count",
            values=[4, 9, 12],
            actions=[action],
            targets=[(dt.date(2030, 3, 31), 20)],
        )
    return plan


def queries(api: Api, path: str, plan: Plan) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, {"plan": plan.pk})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("suffix", ["", ".csv"])
def test_every_collection_costs_the_same_for_3_and_30_actions(cast: Cast, suffix: str) -> None:
    small, large = busy_plan(cast, 3), busy_plan(cast, 30)
    api = Api(token_of(cast.board, "read"))
    api.get(url(cast, "plans"))  # warm per-process caches
    costs = {}
    for name in COLLECTIONS:
        path = url(cast, name + suffix)
        costs[name] = (queries(api, path, small), queries(api, path, large))
    print(costs)
    assert {name: a for name, (a, _b) in costs.items()} == {
        name: b for name, (_a, b) in costs.items()
    }
