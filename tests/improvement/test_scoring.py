"""The progress score suggested for each state of a project, by the pure rule and then
from real projects and measures; and the lead's confirmation."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.conftest import Cast, signed_in
from tests.improvement.helpers import approve, change_idea, cycle, iha_measure, lead_action, project
from tests.measures.factories import member
from trellis.errors import Forbidden, Invalid
from trellis.improvement.models import Project
from trellis.improvement.scoring import MeasureFact, ProjectState, suggest
from trellis.improvement.selectors import project_detail, project_measures, suggestion_for
from trellis.improvement.services import projects
from trellis.improvement.services.cycles import cycle_update

IMPROVING = MeasureFact("O", improving=True, early=False, achieved=False)
EARLY = MeasureFact("O", improving=True, early=True, achieved=False)
FLAT = MeasureFact("O", improving=False, early=False, achieved=False)
MET = MeasureFact("O", improving=True, early=False, achieved=True)
STUDIED = {"approved": True, "cycles_planned": 2, "cycles_done": 2, "cycles_studied": 1}


@pytest.mark.parametrize(
    ("state", "score"),
    [
        (ProjectState(False, 3, 3, 3, outcome=(MET,)), 5),  # not approved outranks all
        (ProjectState(True, 0, 0, 0), 10),
        (ProjectState(True, 1, 0, 0), 15),
        (ProjectState(True, 2, 1, 0), 20),
        (ProjectState(**STUDIED, outcome=(FLAT,)), 25),
        (ProjectState(**STUDIED, process=(EARLY,)), 25),  # an early process sign is not enough
        (ProjectState(**STUDIED, outcome=(FLAT,), process=(IMPROVING,)), 30),
        (ProjectState(**STUDIED, outcome=(EARLY,), process=(IMPROVING,)), 35),
        (ProjectState(**STUDIED, outcome=(FLAT, IMPROVING)), 40),
        (ProjectState(**STUDIED, outcome=(MET,)), 45),
    ],
)
def test_each_state_suggests_its_score(state: ProjectState, score: int) -> None:
    assert suggest(state).score == score


def test_a_deteriorating_balancing_measure_is_a_caution_not_a_lower_score() -> None:
    got = suggest(ProjectState(**STUDIED, outcome=(IMPROVING,), balancing_worse=("SB-NIGHTS",)))
    assert got.score == 40
    assert got.cautions == ("Balancing measure SB-NIGHTS is deteriorating.",)


def test_five_is_never_suggested() -> None:
    assert suggest(ProjectState(**STUDIED, outcome=(MET, MET), process=(MET,))).score == 45


# From real projects: each step of the project moves the suggestion.

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2021, 1, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


def suggested(cast: Cast, p: Project) -> int:
    fresh = project_detail(cast.partnership, p.pk)
    return suggestion_for(fresh, project_measures(member(cast, cast.lead), fresh)).score


def test_a_real_project_moves_through_the_scale(cast: Cast) -> None:
    flat = iha_measure(cast, lead_action(cast), code="FLAT", values=[6] * 12)
    p = project(cast, outcome=[flat])
    assert suggested(cast, p) == 5
    approve(cast, p)
    assert suggested(cast, p) == 10
    idea = change_idea(cast, p)
    c = cycle(cast, p, idea)
    assert suggested(cast, p) == 15
    c = cycle_update(
        c,
        membership=member(cast, cast.lead),
        expected_version=1,
        fields={"do_on": dt.date(2020, 1, 9)},
    )
    assert suggested(cast, p) == 20
    cycle_update(
        c,
        membership=member(cast, cast.lead),
        expected_version=c.version,
        fields={"study_on": dt.date(2020, 2, 1)},
    )
    assert suggested(cast, p) == 25


def test_an_improving_outcome_measure_per_its_spc_verdict_suggests_four(cast: Cast) -> None:
    rising = iha_measure(cast, lead_action(cast))  # a shift up over its last quarters
    p = project(cast, outcome=[rising])
    approve(cast, p)
    cycle(cast, p, change_idea(cast, p), do_on=dt.date(2020, 1, 9), study_on=dt.date(2020, 2, 1))
    assert suggested(cast, p) == 40


def test_an_improving_outcome_measure_that_met_its_target_suggests_four_and_a_half(
    cast: Cast,
) -> None:
    rising = iha_measure(
        cast,
        lead_action(cast),
        baseline=(dt.date(2019, 9, 30), 31.0),
        targets=[(dt.date(2020, 9, 30), 50.0)],
    )
    p = project(cast, outcome=[rising])
    approve(cast, p)
    cycle(cast, p, change_idea(cast, p), do_on=dt.date(2020, 1, 9), study_on=dt.date(2020, 2, 1))
    assert suggested(cast, p) == 45


def test_an_improving_process_measure_alone_suggests_three(cast: Cast) -> None:
    flat = iha_measure(cast, lead_action(cast), code="FLAT", values=[6] * 12)
    rising = iha_measure(cast, lead_action(cast), code="RISING")
    p = project(cast, outcome=[flat], process_measures=[rising])
    approve(cast, p)
    cycle(cast, p, change_idea(cast, p), do_on=dt.date(2020, 1, 9), study_on=dt.date(2020, 2, 1))
    assert suggested(cast, p) == 30


def test_the_lead_confirms_the_score_and_the_page_says_when(cast: Cast) -> None:
    p = project(cast)
    url = reverse("improvement:score-confirm", args=[cast.partnership.slug, p.pk])
    response = signed_in(cast.lead).post(url, {"score": "10", "version": p.version})
    assert response.status_code == 302
    stored = Project.objects.get(pk=p.pk)
    assert (stored.score, stored.score_suggested, stored.score_confirmed_by) == (10, 5, cast.lead)
    page = (
        signed_in(cast.board)
        .get(reverse("improvement:project-detail", args=[cast.partnership.slug, p.pk]))
        .content.decode()
    )
    assert "last confirmed by" in page and "15 January 2021" in page
    assert "Differs from the confirmed score" in page  # the state suggests 0.5, not 1.0


@pytest.mark.parametrize("role", ["owner", "board", "analyst"])
def test_only_the_lead_or_a_deputy_confirms_the_score(cast: Cast, role: str) -> None:
    p = project(cast)
    with pytest.raises(Forbidden):
        projects.score_confirm(
            p,
            membership=member(cast, getattr(cast, role)),
            expected_version=1,
            score=10,
            suggested=5,
        )
    url = reverse("improvement:score-confirm", args=[cast.partnership.slug, p.pk])
    assert signed_in(getattr(cast, role)).get(url).status_code == 403


def test_a_score_off_the_scale_is_refused(cast: Cast) -> None:
    p = project(cast)
    with pytest.raises(Invalid):
        projects.score_confirm(
            p, membership=member(cast, cast.lead), expected_version=1, score=7, suggested=5
        )


def test_a_score_confirmed_before_this_quarter_is_flagged_as_due(cast: Cast) -> None:
    p = project(cast)
    projects.score_confirm(
        p, membership=member(cast, cast.lead), expected_version=1, score=5, suggested=5
    )
    url = reverse("improvement:project-detail", args=[cast.partnership.slug, p.pk])
    assert 'id="score-due"' not in signed_in(cast.board).get(url).content.decode()
    with time_machine.travel(dt.datetime(2021, 4, 2, 12, tzinfo=dt.UTC), tick=False):
        page = signed_in(cast.board).get(url).content.decode()
    assert 'id="score-due"' in page and "15 January 2021" in page
