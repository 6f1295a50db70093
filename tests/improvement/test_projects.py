"""Charters: who may start, edit and approve one; what is checked; what is audited."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from tests.improvement.helpers import approve, iha_measure, lead_action, project
from tests.measures.factories import member
from trellis.accounts.models import Role
from trellis.audit.models import AuditEntry
from trellis.errors import Conflict, Forbidden, Invalid
from trellis.improvement.models import Project
from trellis.improvement.services import projects

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2020, 10, 15, 12, tzinfo=dt.UTC)


def charter_url(cast: Cast, action_pk: int) -> str:
    return reverse("improvement:project-create", args=[cast.partnership.slug, action_pk])


def test_the_actions_lead_starts_a_charter_with_its_smart_aim_offered(cast: Cast) -> None:
    action = lead_action(cast)
    response = signed_in(cast.lead).get(charter_url(cast, action.pk))
    assert response.status_code == 200
    assert action.title in response.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [("owner", 302), ("lead", 302), ("admin", 403), ("analyst", 403), ("board", 403)],
)
def test_only_owners_and_the_actions_lead_may_save_a_charter(
    cast: Cast, role: str, status: int
) -> None:
    action = lead_action(cast)
    measure = iha_measure(cast, action)
    person = getattr(cast, role)
    response = signed_in(person).post(
        charter_url(cast, action.pk),
        {"aim": "50% by 2020", "why": "Health", "outcome_measures": [measure.pk]},
    )
    assert response.status_code == status
    assert Project.objects.filter(action=action).exists() is (status == 302)


def test_an_outsider_is_told_the_action_does_not_exist(cast: Cast) -> None:
    response = signed_in(cast.outsider).get(charter_url(cast, lead_action(cast).pk))
    assert response.status_code == 404


def test_a_charter_keeps_its_measures_team_and_sponsor_and_is_audited(cast: Cast) -> None:
    action = lead_action(cast)
    measure = iha_measure(cast, action)
    made = project(cast, outcome=[measure], team_members=[cast.analyst])
    assert list(made.outcome_measures.all()) == [measure]
    assert list(made.team_members.all()) == [cast.analyst]
    entry = AuditEntry.objects.filter(verb="project.create").get()
    assert entry.actor_id == cast.lead.pk


def test_a_charter_refuses_another_partnerships_measure_and_people(cast: Cast) -> None:
    theirs = iha_measure(cast, lead_action(cast), code="THEIRS")
    theirs.partnership = cast.other
    theirs.save()
    with pytest.raises(Invalid) as caught:
        project(cast, outcome=[theirs], team_members=[cast.outsider])
    assert set(caught.value.errors) == {"team_members", "outcome_measures"}
    assert not Project.objects.exists()


def test_a_sponsor_from_another_partnership_is_refused_beside_the_field(cast: Cast) -> None:
    with pytest.raises(Invalid) as caught:
        projects.project_create(
            membership=member(cast, cast.lead),
            action=lead_action(cast),
            fields={"aim": "x", "sponsor": cast.outsider},
            m2m={},
        )
    assert set(caught.value.errors) == {"sponsor"}


def test_an_action_has_one_charter_at_most(cast: Cast) -> None:
    project(cast)
    with pytest.raises(Invalid):
        project(cast)


def test_a_stale_charter_edit_is_refused(cast: Cast) -> None:
    made = project(cast)
    projects.project_update(
        made,
        membership=member(cast, cast.owner),
        expected_version=1,
        fields={"aim": "Sharper aim", "why": ""},
        m2m={},
    )
    with pytest.raises(Conflict):
        projects.project_update(
            Project.objects.get(pk=made.pk),
            membership=member(cast, cast.lead),
            expected_version=1,
            fields={"aim": "Lead's aim", "why": ""},
            m2m={},
        )
    assert Project.objects.get(pk=made.pk).aim == "Sharper aim"


@time_machine.travel(NOW, tick=False)
def test_an_owner_records_who_approved_the_charter_and_when(cast: Cast) -> None:
    made = approve(cast, project(cast))
    assert made.approved_by == "ICS Board"
    assert made.approved_on == dt.date(2019, 12, 17)
    assert made.approval_recorded_by == cast.owner
    page = signed_in(cast.board).get(
        reverse("improvement:project-detail", args=[cast.partnership.slug, made.pk])
    )
    assert "by ICS Board on 17 December 2019" in page.content.decode()


@pytest.mark.parametrize("role", ["lead", "analyst", "board"])
def test_only_owners_record_an_approval(cast: Cast, role: str) -> None:
    made = project(cast)
    with pytest.raises(Forbidden):
        projects.project_approve(
            made,
            membership=member(cast, getattr(cast, role)),
            expected_version=made.version,
            approved_by="ICS Board",
            approved_on=dt.date(2019, 12, 17),
        )


@time_machine.travel(NOW, tick=False)
def test_an_approval_needs_an_approver_and_a_past_date(cast: Cast) -> None:
    made = project(cast)
    url = reverse("improvement:project-approve", args=[cast.partnership.slug, made.pk])
    response = signed_in(cast.owner).post(
        url, {"approved_by": "", "approved_on": "2020-10-16", "version": made.version}
    )
    assert response.status_code == 400
    assert Project.objects.get(pk=made.pk).approved_on is None


def test_a_deputy_of_the_action_may_edit_its_charter_but_another_lead_may_not(
    cast: Cast,
) -> None:
    made = project(cast)
    deputy = made.action.deputies.get()
    other_lead = factories.person(cast.partnership, Role.LEAD)
    url = reverse("improvement:project-edit", args=[cast.partnership.slug, made.pk])
    assert signed_in(deputy).get(url).status_code == 200
    assert signed_in(other_lead).get(url).status_code == 403


def test_the_action_page_offers_a_charter_to_its_lead_and_links_an_existing_one(
    cast: Cast,
) -> None:
    action = lead_action(cast)
    url = reverse("plans:action-detail", args=[cast.partnership.slug, action.pk])
    assert (
        "Run this aim as an improvement project" in signed_in(cast.lead).get(url).content.decode()
    )
    assert "Run this aim" not in signed_in(cast.board).get(url).content.decode()
    made = project(cast)
    page = signed_in(cast.board).get(url).content.decode()
    assert reverse("improvement:project-detail", args=[cast.partnership.slug, made.pk]) in page


def test_the_project_page_shows_the_smart_target_and_its_measures_trajectory(
    cast: Cast,
) -> None:
    action = lead_action(cast)
    measure = iha_measure(cast, action, targets=[(dt.date(2020, 9, 30), 50.0)])
    made = project(cast, outcome=[measure])
    page = (
        signed_in(cast.board)
        .get(reverse("improvement:project-detail", args=[cast.partnership.slug, made.pk]))
        .content.decode()
    )
    assert action.title in page.split('id="smart-target"')[1].split("</dd>")[0]
    assert "50% by 30 September 2020" in page
