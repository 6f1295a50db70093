"""The improvement pages: query counts that do not grow with the project, and other
partnerships' records never found."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import Cast, signed_in
from tests.improvement.helpers import change_idea, cycle, iha_measure, lead_action, project
from tests.measures.factories import member
from trellis.improvement.models import Project
from trellis.improvement.services import projects
from trellis.plans.models import Action

pytestmark = pytest.mark.django_db


def count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def grow(cast: Cast, p: Project, n: int) -> None:
    idea = change_idea(cast, p, text=f"Idea {n}")
    for i in range(n):
        projects.node_create(
            p,
            membership=member(cast, cast.lead),
            fields={"kind": "change", "text": f"Idea {n}.{i}", "parent": idea.parent},
        )
        cycle(cast, p, idea, title=f"Cycle {i}", plan_when=dt.date(2020, 1, 1))


def test_the_project_page_costs_the_same_for_3_and_30_cycles_and_boxes(cast: Cast) -> None:
    measure = iha_measure(cast, lead_action(cast))
    p = project(cast, outcome=[measure], process_measures=[measure])
    url = reverse("improvement:project-detail", args=[cast.partnership.slug, p.pk])
    grow(cast, p, 3)
    small = count(signed_in(cast.lead), url)
    grow(cast, p, 27)
    assert count(signed_in(cast.lead), url) == small


def test_the_project_list_costs_the_same_for_3_and_30_projects(cast: Cast) -> None:
    from tests import factories

    url = reverse("improvement:project-list", args=[cast.partnership.slug])

    def charters(n: int) -> None:
        plan = factories.plan_tree(cast.partnership, actions=n, lead=cast.lead)
        for action in Action.objects.filter(driver__outcome__plan=plan):
            p = projects.project_create(
                membership=member(cast, cast.owner), action=action, fields={"aim": "x"}, m2m={}
            )
            cycle(cast, p, change_idea(cast, p))

    charters(3)
    small = count(signed_in(cast.board), url)
    charters(27)
    assert count(signed_in(cast.board), url) == small


def test_another_partnerships_project_is_not_found(cast: Cast) -> None:
    p = project(cast)
    for name in ("project-detail", "project-edit", "project-approve", "score-confirm"):
        url = reverse(f"improvement:{name}", args=[cast.other.slug, p.pk])
        assert signed_in(cast.outsider).get(url).status_code == 404
