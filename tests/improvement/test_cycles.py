"""PDSA cycles: who records them, the order of their steps, and their pin on a chart."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from tests.improvement.helpers import change_idea, cycle, iha_measure, lead_action, project
from tests.measures.factories import member
from trellis.accounts.models import Role
from trellis.errors import Conflict, Forbidden, Invalid
from trellis.improvement.models import PdsaCycle
from trellis.improvement.services import cycles
from trellis.measures.models import Annotation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2021, 1, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def setup(cast: Cast):  # type: ignore[no-untyped-def]
    measure = iha_measure(cast, lead_action(cast))
    p = project(cast, outcome=[measure])
    return p, change_idea(cast, p), measure


def test_cycles_are_numbered_in_order_within_their_project(cast: Cast, setup) -> None:  # type: ignore[no-untyped-def]
    p, idea, _m = setup
    assert [cycle(cast, p, idea).number, cycle(cast, p, idea).number] == [1, 2]


def test_a_cycle_records_each_step_with_its_date(cast: Cast, setup) -> None:  # type: ignore[no-untyped-def]
    p, idea, _m = setup
    c = cycle(cast, p, idea)
    c = cycles.cycle_update(
        c,
        membership=member(cast, cast.lead),
        expected_version=c.version,
        fields={
            "do_on": dt.date(2020, 1, 20),
            "do_notes": "Ran for two weeks",
            "study_on": dt.date(2020, 2, 3),
            "study_notes": "7 of 9 seen in 4 weeks, better than predicted",
            "act_on": dt.date(2020, 2, 10),
            "decision": "adopt",
            "act_notes": "All teams from March",
        },
    )
    stored = PdsaCycle.objects.get(pk=c.pk)
    assert (stored.stage, stored.decision) == ("Acted on", "adopt")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"study_on": dt.date(2020, 2, 3)}, "study_on"),  # studied before it was done
        ({"do_on": dt.date(2021, 2, 1)}, "do_on"),  # in the future
        ({"do_on": dt.date(2020, 2, 1), "study_on": dt.date(2020, 1, 25)}, "study_on"),
        (
            {
                "do_on": dt.date(2020, 2, 1),
                "study_on": dt.date(2020, 2, 2),
                "act_on": dt.date(2020, 2, 3),
            },
            "decision",
        ),
        ({"decision": "adapt"}, "act_on"),
    ],
)
def test_steps_out_of_order_are_refused_naming_the_field(
    cast: Cast,
    setup,  # type: ignore[no-untyped-def]
    fields: dict,  # type: ignore[type-arg]
    field: str,
) -> None:
    p, idea, _m = setup
    with pytest.raises(Invalid) as caught:
        cycle(cast, p, idea, **fields)
    assert field in caught.value.errors
    assert not PdsaCycle.objects.exists()


def test_a_cycle_is_against_a_change_idea_of_its_own_project(cast: Cast, setup) -> None:  # type: ignore[no-untyped-def]
    p, idea, _m = setup
    primary = idea.parent
    with pytest.raises(Invalid) as caught:
        cycle(cast, p, primary)
    assert "change_idea" in caught.value.errors


def test_a_pinned_cycle_shows_on_its_measures_chart(cast: Cast, setup) -> None:  # type: ignore[no-untyped-def]
    p, idea, measure = setup
    c = cycle(cast, p, idea, pin_measure=measure, pin_period=dt.date(2020, 2, 14))
    assert c.pin_period == dt.date(2020, 3, 31)  # the quarter's point
    note = Annotation.objects.get(pk=c.annotation_id)
    assert (note.measure, note.when, note.text) == (
        measure,
        dt.date(2020, 3, 31),
        "PDSA 1: Notify nurses the same day",
    )
    page = signed_in(cast.board).get(
        reverse("measures:measure-detail", args=[cast.partnership.slug, measure.pk])
    )
    chart = page.content.decode().split('id="chart"')[1].split("</figure>")[0]
    assert "PDSA 1: Notify nurses the same day" in chart


def test_changing_the_pin_moves_the_note_and_leaves_no_old_one(cast: Cast, setup) -> None:  # type: ignore[no-untyped-def]
    p, idea, measure = setup
    c = cycle(cast, p, idea, pin_measure=measure, pin_period=dt.date(2020, 3, 31))
    c = cycles.cycle_update(
        c,
        membership=member(cast, cast.lead),
        expected_version=c.version,
        fields={
            "title": "Same-day e-mail",
            "pin_measure": measure,
            "pin_period": dt.date(2020, 6, 30),
        },
    )
    notes = list(Annotation.objects.filter(measure=measure).values_list("when", "text"))
    assert notes == [(dt.date(2020, 6, 30), "PDSA 1: Same-day e-mail")]


def test_a_pin_needs_a_figure_in_that_period(cast: Cast, setup) -> None:  # type: ignore[no-untyped-def]
    p, idea, measure = setup
    with pytest.raises(Invalid) as caught:
        cycle(cast, p, idea, pin_measure=measure, pin_period=dt.date(2017, 3, 1))
    assert "pin_period" in caught.value.errors
    assert not Annotation.objects.exists()


def test_a_pin_is_to_one_of_the_charters_measures(cast: Cast, setup) -> None:  # type: ignore[no-untyped-def]
    p, idea, _m = setup
    other = iha_measure(cast, lead_action(cast), code="OTHER")
    with pytest.raises(Invalid) as caught:
        cycle(cast, p, idea, pin_measure=other, pin_period=dt.date(2020, 3, 31))
    assert "pin_measure" in caught.value.errors


def test_a_team_member_records_cycles_but_cannot_pin_to_a_chart_they_may_not_note(
    cast: Cast,
    setup,  # type: ignore[no-untyped-def]
) -> None:
    p, idea, measure = setup
    nurse = factories.person(cast.partnership, Role.BOARD)
    p.team_members.add(nurse)
    c = cycles.cycle_create(
        p,
        membership=member(cast, nurse),
        fields={
            "change_idea": idea,
            "title": "Clinic slots",
            "plan_what": "Hold two slots a week",
            "prediction": "Fewer waits",
            "plan_who": "LAC nurses",
            "plan_when": dt.date(2020, 4, 1),
        },
    )
    assert c.number == 1
    with pytest.raises(Invalid) as caught:
        cycles.cycle_update(
            c,
            membership=member(cast, nurse),
            expected_version=c.version,
            fields={"pin_measure": measure, "pin_period": dt.date(2020, 6, 30)},
        )
    assert "pin_measure" in caught.value.errors


@pytest.mark.parametrize("role", ["board", "analyst", "inspector", "admin"])
def test_people_outside_the_project_cannot_record_cycles(
    cast: Cast,
    setup,
    role: str,  # type: ignore[no-untyped-def]
) -> None:
    p, idea, _m = setup
    url = reverse("improvement:cycle-create", args=[cast.partnership.slug, p.pk])
    assert signed_in(getattr(cast, role)).get(url).status_code == 403
    with pytest.raises(Forbidden):
        cycles.cycle_create(
            p, membership=member(cast, getattr(cast, role)), fields={"change_idea": idea}
        )


def test_the_lead_plans_a_cycle_through_the_page(cast: Cast, setup) -> None:  # type: ignore[no-untyped-def]
    p, idea, measure = setup
    url = reverse("improvement:cycle-create", args=[cast.partnership.slug, p.pk])
    response = signed_in(cast.lead).post(
        url,
        {
            "change_idea": idea.pk,
            "title": "Same-day e-mail",
            "plan_what": "E-mail the nurse",
            "prediction": "Half seen in 4 weeks",
            "plan_who": "Duty team",
            "plan_when": "2020-01-06",
            "pin_measure": measure.pk,
            "pin_period": "2020-03-31",
        },
    )
    c = PdsaCycle.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/cycles/{c.pk}/")
    assert c.annotation_id is not None


def test_invalid_input_on_the_page_writes_nothing(cast: Cast, setup) -> None:  # type: ignore[no-untyped-def]
    p, idea, _m = setup
    url = reverse("improvement:cycle-create", args=[cast.partnership.slug, p.pk])
    response = signed_in(cast.lead).post(url, {"change_idea": idea.pk, "title": ""})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    assert not PdsaCycle.objects.exists()


def test_a_stale_cycle_edit_is_refused(cast: Cast, setup) -> None:  # type: ignore[no-untyped-def]
    p, idea, _m = setup
    c = cycle(cast, p, idea)
    cycles.cycle_update(
        c,
        membership=member(cast, cast.lead),
        expected_version=1,
        fields={"do_on": dt.date(2020, 1, 9)},
    )
    with pytest.raises(Conflict):
        cycles.cycle_update(
            PdsaCycle.objects.get(pk=c.pk),
            membership=member(cast, cast.owner),
            expected_version=1,
            fields={"do_on": dt.date(2020, 1, 8)},
        )
