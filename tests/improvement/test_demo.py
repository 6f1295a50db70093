"""The demo's improvement work: an approved charter with a driver diagram and three PDSA
cycles on the LAC-IHA chart, and two charted rounds of the child protection case-file
audit whose learning created an action."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import signed_in
from trellis.accounts.models import Partnership, Person
from trellis.demo import build_demo, demo_email
from trellis.improvement.models import Audit, LearningPoint, Project, ResultMeasure
from trellis.measures.models import Annotation

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    return build_demo().partnership


def test_the_health_aim_has_an_approved_charter_with_a_diagram_and_three_cycles(
    demo: Partnership,
) -> None:
    project = Project.objects.get(partnership=demo)
    assert project.approved and project.approved_by == "Corporate Parenting Improvement Group"
    assert {n.kind for n in project.nodes.all()} == {"primary", "secondary", "change"}
    cycles = list(project.cycles.all())
    assert len(cycles) == 3 and all(c.decision for c in cycles)
    assert project.score == project.score_suggested == 40  # the outcome measure is improving
    notes = Annotation.objects.filter(pk__in=[c.annotation_id for c in cycles])
    assert {n.measure.code for n in notes} == {"LAC-IHA"} and notes.count() == 3
    cycles_on_the_chart(demo)


def cycles_on_the_chart(demo: Partnership) -> None:
    project = Project.objects.get(partnership=demo)
    measure = project.outcome_measures.get()
    board = Person.objects.get(email=demo_email("board"))
    page = (
        signed_in(board)
        .get(reverse("measures:measure-detail", args=[demo.slug, measure.pk]))
        .content.decode()
    )
    chart = page.split('id="chart"')[1].split("</figure>")[0]
    assert all(f"PDSA {n}:" in chart for n in (1, 2, 3))


def test_two_closed_rounds_are_charted_and_learning_created_an_action(demo: Partnership) -> None:
    assert list(Audit.objects.filter(partnership=demo).values_list("round", "status")) == [
        (1, "closed"),
        (2, "closed"),
    ]
    assert [a.cases.count() for a in Audit.objects.filter(partnership=demo)] == [6, 6]
    for link in ResultMeasure.objects.filter(programme__partnership=demo):
        assert link.measure.observations.count() == 2
    point = LearningPoint.objects.get(partnership=demo, action__isnull=False)
    assert point.action.learning_points.get() == point  # type: ignore[union-attr]
    pages_answer(demo)


def pages_answer(demo: Partnership) -> None:
    owner = signed_in(Person.objects.get(email=demo_email("owner")))
    project = Project.objects.get(partnership=demo)
    audit = Audit.objects.filter(partnership=demo).first()
    assert audit is not None
    for url in (
        reverse("improvement:project-detail", args=[demo.slug, project.pk]),
        reverse("improvement:audit-home", args=[demo.slug]),
        reverse("improvement:audit-detail", args=[demo.slug, audit.pk]),
    ):
        assert owner.get(url).status_code == 200
