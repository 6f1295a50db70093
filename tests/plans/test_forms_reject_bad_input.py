"""Every create and edit page refuses bad input with the error summary and a 400, and writes
nothing: no row added or changed, no audit entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from trellis.accounts.models import Agency, Group, Membership, Person
from trellis.plans.models import (
    Action,
    Driver,
    Finding,
    Inspection,
    Milestone,
    Outcome,
    Plan,
    QualityIndicator,
)

LEAVE_OUT = object()  # an override that removes the field from the post


@dataclass
class World:
    cast: Cast
    plan: Plan
    outcome: Outcome
    driver: Driver
    action: Action
    milestone: Milestone
    inspection: Inspection
    indicator: QualityIndicator
    finding: Finding
    agency: Agency
    group: Group
    analyst: Membership
    other_finding: Finding

    def url(self, name: str, *args: int) -> str:
        return reverse(name, args=[self.cast.partnership.slug, *args])


@pytest.fixture
def world(cast: Cast) -> World:
    part = cast.partnership
    action = Action.objects.filter(partnership=part).order_by("id")[0]
    inspection = cast.plan.inspection
    assert inspection is not None
    factories.plan_tree(cast.other, actions=1)
    return World(
        cast=cast,
        plan=cast.plan,
        outcome=action.driver.outcome,
        driver=action.driver,
        action=action,
        milestone=action.milestones.order_by("id")[0],
        inspection=inspection,
        indicator=QualityIndicator.objects.create(
            partnership=part, inspection=inspection, reference="1.1", title="Impact", grade=3
        ),
        finding=Finding.objects.filter(inspection=inspection)[0],
        agency=Agency.objects.create(partnership=part, name="Police Scotland"),
        group=Group.objects.create(partnership=part, name="Chief officers"),
        analyst=Membership.objects.get(person=cast.analyst, partnership=part),
        other_finding=Finding.objects.get(partnership=cast.other),
    )


def form_data(response: Any) -> dict[str, Any]:
    """The values the page's form would post back unchanged."""
    form = response.context["form"]
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if isinstance(value, list):
            data[name] = [str(v) for v in value]
        elif isinstance(value, dt.date):
            data[name] = value.isoformat()
        elif value is True:
            data[name] = "on"
        else:
            data[name] = str(value)
    return data


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every Trellis table (many-to-many links included)."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in {"accounts", "plans", "audit"}:
            if model._meta.model_name == "signinfailure":
                continue
            tables[model._meta.label] = list(model._default_manager.order_by("pk").values())
    return tables


@dataclass(frozen=True)
class Case:
    who: str  # a persona of the cast
    page: Callable[[World], str]
    bad: Callable[[World], dict[str, Any]]


CASES: dict[str, Case] = {
    # Inspections
    "inspection: no title": Case(
        "owner",
        lambda w: w.url("plans:inspection-create"),
        lambda w: {"regulator": "Care Inspectorate", "title": ""},
    ),
    "inspection: fieldwork ends before it starts": Case(
        "owner",
        lambda w: w.url("plans:inspection-create"),
        lambda w: {
            "regulator": "CI",
            "title": "T",
            "fieldwork_start": "2019-05-02",
            "fieldwork_end": "2019-05-01",
        },
    ),
    "inspection edit: fieldwork ends before it starts": Case(
        "owner",
        lambda w: w.url("plans:inspection-edit", w.inspection.pk),
        lambda w: {"fieldwork_start": "2019-05-02", "fieldwork_end": "2019-05-01"},
    ),
    "quality indicator: grade above the scale": Case(
        "owner",
        lambda w: w.url("plans:indicator-create", w.inspection.pk),
        lambda w: {"reference": "2.1", "title": "Leadership", "grade": "7"},
    ),
    "quality indicator: grade below the scale": Case(
        "owner",
        lambda w: w.url("plans:indicator-create", w.inspection.pk),
        lambda w: {"reference": "2.1", "title": "Leadership", "grade": "0"},
    ),
    "quality indicator edit: no reference": Case(
        "owner",
        lambda w: w.url("plans:indicator-edit", w.indicator.pk),
        lambda w: {"reference": ""},
    ),
    "finding: no text": Case(
        "owner",
        lambda w: w.url("plans:finding-create", w.inspection.pk),
        lambda w: {"kind": "strength", "text": ""},
    ),
    "finding: unknown kind": Case(
        "owner",
        lambda w: w.url("plans:finding-create", w.inspection.pk),
        lambda w: {"kind": "rumour", "text": "Something"},
    ),
    "finding edit: no text": Case(
        "owner", lambda w: w.url("plans:finding-edit", w.finding.pk), lambda w: {"text": ""}
    ),
    # Plans
    "plan: no title": Case(
        "owner",
        lambda w: w.url("plans:plan-create"),
        lambda w: {"title": "", "starts": "2021-01-01", "ends": "2021-12-31"},
    ),
    "plan: ends before it starts": Case(
        "owner",
        lambda w: w.url("plans:plan-create"),
        lambda w: {"title": "Next plan", "starts": "2021-01-02", "ends": "2021-01-01"},
    ),
    "plan edit: ends before it starts": Case(
        "owner", lambda w: w.url("plans:plan-edit", w.plan.pk), lambda w: {"ends": "2019-09-30"}
    ),
    "plan edit: an inspection of another partnership": Case(
        "owner",
        lambda w: w.url("plans:plan-edit", w.plan.pk),
        lambda w: {"inspection": str(w.other_finding.inspection_id)},
    ),
    "outcome: no title": Case(
        "owner", lambda w: w.url("plans:outcome-create", w.plan.pk), lambda w: {"title": ""}
    ),
    "outcome: not applicable without a reason": Case(
        "owner",
        lambda w: w.url("plans:outcome-create", w.plan.pk),
        lambda w: {
            "title": "Fewer exclusions",
            "not_applicable": "on",
            "not_applicable_reason": " ",
        },
    ),
    "outcome edit: not applicable without a reason": Case(
        "owner",
        lambda w: w.url("plans:outcome-edit", w.outcome.pk),
        lambda w: {"not_applicable": "on", "not_applicable_reason": ""},
    ),
    "driver: no title": Case(
        "owner", lambda w: w.url("plans:driver-create", w.outcome.pk), lambda w: {"title": ""}
    ),
    "driver edit: an area of another partnership": Case(
        "owner",
        lambda w: w.url("plans:driver-edit", w.driver.pk),
        lambda w: {"areas_for_improvement": [str(w.other_finding.pk)]},
    ),
    "action: no title": Case(
        "owner", lambda w: w.url("plans:action-create", w.driver.pk), lambda w: {"title": ""}
    ),
    "action: due before it starts": Case(
        "owner",
        lambda w: w.url("plans:action-create", w.driver.pk),
        lambda w: {"title": "Aim", "starts": "2020-02-02", "due": "2020-02-01"},
    ),
    "action: a lead from another partnership": Case(
        "owner",
        lambda w: w.url("plans:action-create", w.driver.pk),
        lambda w: {"title": "Aim", "lead": str(w.cast.outsider.pk)},
    ),
    "action: the lead also a deputy": Case(
        "owner",
        lambda w: w.url("plans:action-create", w.driver.pk),
        lambda w: {"title": "Aim", "lead": str(w.cast.lead.pk), "deputies": [str(w.cast.lead.pk)]},
    ),
    "action edit: a lead from another partnership": Case(
        "owner",
        lambda w: w.url("plans:action-edit", w.action.pk),
        lambda w: {"lead": str(w.cast.outsider.pk)},
    ),
    "action edit: a deputy from another partnership": Case(
        "owner",
        lambda w: w.url("plans:action-edit", w.action.pk),
        lambda w: {"deputies": [str(w.cast.outsider.pk)]},
    ),
    "action edit: due before it starts": Case(
        "owner",
        lambda w: w.url("plans:action-edit", w.action.pk),
        lambda w: {"starts": "2020-02-02", "due": "2020-02-01"},
    ),
    "action edit: the lead also a deputy": Case(
        "owner",
        lambda w: w.url("plans:action-edit", w.action.pk),
        lambda w: {"deputies": [str(w.action.lead_id)]},
    ),
    "action edit: no title": Case(
        "owner", lambda w: w.url("plans:action-edit", w.action.pk), lambda w: {"title": ""}
    ),
    "milestone: no due date": Case(
        "lead",
        lambda w: w.url("plans:milestone-create", w.action.pk),
        lambda w: {"title": "Report to the board", "due": ""},
    ),
    "milestone edit: no title": Case(
        "lead", lambda w: w.url("plans:milestone-edit", w.milestone.pk), lambda w: {"title": ""}
    ),
    "milestone edit: not a date": Case(
        "lead",
        lambda w: w.url("plans:milestone-edit", w.milestone.pk),
        lambda w: {"done": "31/02/2020"},
    ),
    # Agencies, groups and people
    "agency: no name": Case(
        "admin", lambda w: w.url("accounts:agency-create"), lambda w: {"name": ""}
    ),
    "agency: a name already used": Case(
        "admin", lambda w: w.url("accounts:agency-create"), lambda w: {"name": w.agency.name}
    ),
    "agency edit: no name": Case(
        "admin", lambda w: w.url("accounts:agency-edit", w.agency.pk), lambda w: {"name": ""}
    ),
    "group: no name": Case(
        "admin", lambda w: w.url("accounts:group-create"), lambda w: {"name": ""}
    ),
    "group: a chair from another partnership": Case(
        "admin",
        lambda w: w.url("accounts:group-create"),
        lambda w: {"name": "Child protection committee", "chair": str(w.cast.outsider.pk)},
    ),
    "group edit: a name already used": Case(
        "admin",
        lambda w: w.url("accounts:group-edit", w.group.pk),
        lambda w: {
            "name": Group.objects.create(partnership=w.cast.partnership, name="ICS board").name
        },
    ),
    "person roles: none chosen": Case(
        "admin",
        lambda w: w.url("accounts:person-edit", w.analyst.pk),
        lambda w: {"roles": LEAVE_OUT},
    ),
    "person roles: an unknown role": Case(
        "admin",
        lambda w: w.url("accounts:person-edit", w.analyst.pk),
        lambda w: {"roles": ["superuser"]},
    ),
    "person roles: an agency of another partnership": Case(
        "admin",
        lambda w: w.url("accounts:person-edit", w.analyst.pk),
        lambda w: {
            "agency": str(Agency.objects.create(partnership=w.cast.other, name="Elsewhere").pk)
        },
    ),
    "invite: no e-mail address": Case(
        "admin",
        lambda w: w.url("accounts:person-invite"),
        lambda w: {"full_name": "New Person", "email": "", "roles": ["lead"]},
    ),
    "invite: not an e-mail address": Case(
        "admin",
        lambda w: w.url("accounts:person-invite"),
        lambda w: {"full_name": "New Person", "email": "new@", "roles": ["lead"]},
    ),
    "invite: no role": Case(
        "admin",
        lambda w: w.url("accounts:person-invite"),
        lambda w: {"full_name": "New Person", "email": "new@example.org"},
    ),
}


def post_bad_input(world: World, case: Case) -> Any:
    client = signed_in(getattr(world.cast, case.who))
    page = case.page(world)
    data = form_data(client.get(page))
    for name, value in case.bad(world).items():
        if value is LEAVE_OUT:
            data.pop(name, None)
        else:
            data[name] = value
    before = snapshot()
    response = client.post(page, data)
    return response, before


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_bad_input_is_refused_with_the_error_summary(world: World, case: Case) -> None:
    response, _ = post_bad_input(world, case)

    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    assert response.context["form"].errors


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_bad_input_writes_nothing(world: World, case: Case) -> None:
    response, before = post_bad_input(world, case)

    assert response.status_code == 400
    assert snapshot() == before


# Mass assignment: only the form's own fields reach the record.


def _action_edit(world: World) -> tuple[Any, str, dict[str, Any]]:
    client = signed_in(world.cast.owner)
    page = world.url("plans:action-edit", world.action.pk)
    return client, page, form_data(client.get(page))


def test_an_action_edit_cannot_move_the_action_to_another_partnership(world: World) -> None:
    client, page, data = _action_edit(world)
    other_driver = Driver.objects.get(partnership=world.cast.other)
    data.update(
        title="Renamed aim",
        partnership=str(world.cast.other.pk),
        partnership_id=str(world.cast.other.pk),
        driver=str(other_driver.pk),
        updated_by=str(world.cast.outsider.pk),
    )

    response = client.post(page, data)

    world.action.refresh_from_db()
    assert response.status_code == 302
    assert world.action.title == "Renamed aim"
    assert world.action.partnership_id == world.cast.partnership.pk
    assert world.action.driver_id == world.driver.pk
    assert world.action.updated_by == world.cast.owner


def test_an_action_edit_with_a_made_up_version_is_refused_and_writes_nothing(
    world: World,
) -> None:
    client, page, data = _action_edit(world)
    data.update(title="Renamed aim", version="999", partnership=str(world.cast.other.pk))
    before = snapshot()

    response = client.post(page, data)

    assert response.status_code == 409
    assert snapshot() == before


def test_an_unknown_lead_gives_a_form_error_not_a_server_error(world: World) -> None:
    client, page, data = _action_edit(world)
    data["lead"] = str(Person.objects.order_by("-pk")[0].pk + 1000)

    response = client.post(page, data)

    assert response.status_code == 400
    assert response.context["form"].has_error("lead", "invalid_choice")
