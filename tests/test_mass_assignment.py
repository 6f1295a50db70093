"""No mass assignment (SECURITY-BAR row 15): every ModelForm names the fields a person may
set, none offers a field the server sets (partnership, authorship, version, workflow
state), the API's collections name theirs, and fields posted beyond a form's own never
reach the record."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

import trellis
from tests import factories
from tests.api.conftest import token_of
from tests.conftest import Cast, signed_in
from tests.plans.test_forms_reject_bad_input import form_data
from trellis.accounts.models import Agency, Membership
from trellis.api.registry import COLLECTIONS
from trellis.plans.models import Action, Milestone
from trellis.progress.models import ProgressUpdate, UpdateState

# Fields only the server sets: who a record belongs to, who wrote or reviewed it, its
# version and its place in a workflow. (A plan's or an action's `status` is the owner's
# choice on the form, so it is not here; an update's `state` moves only by its services.)
SERVER_SET = {
    "partnership",
    "version",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "author",
    "added_by",
    "recorded_by",
    "requested_by",
    "reviewed_by",
    "uploaded_by",
    "state",
    "pseudonym",
}


def trellis_modules() -> Iterator[str]:
    """Every module of the product (migrations aside), imported, so forms defined in views
    are found as well as those in forms modules."""
    for module in pkgutil.walk_packages(trellis.__path__, "trellis."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
            yield module.name


def subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def model_forms() -> list[type[forms.ModelForm]]:  # type: ignore[type-arg]
    list(trellis_modules())
    found = {
        form
        for form in subclasses(forms.ModelForm)
        if form.__module__.startswith("trellis.") and form._meta.model is not None
    }
    return sorted(found, key=lambda f: f"{f.__module__}.{f.__qualname__}")


def test_the_walk_finds_the_forms_of_every_app() -> None:
    apps_with_forms = {form.__module__.split(".")[1] for form in model_forms()}
    assert {"accounts", "plans", "progress", "measures", "meetings", "improvement"} <= (
        apps_with_forms
    )


def test_every_model_form_lists_its_fields_and_excludes_nothing() -> None:
    problems = []
    for form in model_forms():
        name = f"{form.__module__}.{form.__qualname__}"
        meta = form.Meta  # type: ignore[attr-defined]
        declared = getattr(meta, "fields", None)
        if declared == forms.ALL_FIELDS or not isinstance(declared, list | tuple):
            problems.append(f"{name}: fields = {declared!r}, want an explicit list")
        if getattr(meta, "exclude", None) is not None:
            problems.append(f"{name}: exclude = {meta.exclude!r}, list the fields instead")
    assert not problems, "\n".join(problems)


def test_no_model_form_offers_a_field_the_server_sets() -> None:
    offered = {
        f"{form.__module__}.{form.__qualname__}": sorted(set(form._meta.fields or []) & SERVER_SET)
        for form in model_forms()
    }
    assert not {name: fields for name, fields in offered.items() if fields}


def test_every_api_collection_names_its_fields_one_by_one() -> None:
    for name, collection in COLLECTIONS.items():
        names = [f.name for f in collection.fields]
        assert names, name
        assert len(names) == len(set(names)), name
        assert "__all__" not in names and "*" not in names, name


# Extra fields posted to edit pages are ignored.


@pytest.fixture
def other_action(cast: Cast) -> Action:
    factories.plan_tree(cast.other, actions=1)
    return Action.objects.get(partnership=cast.other)


def test_a_lead_cannot_write_an_update_as_accepted_or_into_another_partnership(
    cast: Cast, other_action: Action
) -> None:
    action = Action.objects.filter(partnership=cast.partnership, lead=cast.lead).order_by("id")[0]
    period = action.driver.outcome.plan.periods.all()[1]
    page = reverse("progress:update-write", args=[cast.partnership.slug, action.pk, period.pk])

    response = signed_in(cast.lead).post(
        page,
        {
            "rag": "green",
            "narrative": "All done.",
            "version": "",
            "intent": "draft",
            "state": UpdateState.ACCEPTED,
            "partnership": str(cast.other.pk),
            "action": str(other_action.pk),
            "author": str(cast.owner.pk),
            "reviewed_by": str(cast.owner.pk),
            "late": "on",
        },
    )

    update = ProgressUpdate.objects.get(action=action, period=period)
    assert response.status_code == 302
    assert update.narrative == "All done."
    assert update.state == UpdateState.DRAFT
    assert update.partnership_id == cast.partnership.pk
    assert update.author_id == cast.lead.pk
    assert update.reviewed_by_id is None
    assert not update.late
    assert not ProgressUpdate.objects.filter(action=other_action).exists()


def test_a_membership_edit_cannot_move_the_person_or_their_membership(cast: Cast) -> None:
    membership = Membership.objects.get(person=cast.analyst, partnership=cast.partnership)
    page = reverse("accounts:person-edit", args=[cast.partnership.slug, membership.pk])
    client = signed_in(cast.admin)
    data = form_data(client.get(page))
    elsewhere = Agency.objects.create(partnership=cast.other, name="Elsewhere Council")
    data.update(
        roles=["analyst", "board"],
        partnership=str(cast.other.pk),
        person=str(cast.outsider.pk),
        agency_id=str(elsewhere.pk),
    )

    response = client.post(page, data)

    membership.refresh_from_db()
    assert response.status_code == 302
    assert sorted(membership.roles) == ["analyst", "board"]
    assert membership.partnership_id == cast.partnership.pk
    assert membership.person_id == cast.analyst.pk
    assert membership.agency_id != elsewhere.pk


def test_a_milestone_edit_keeps_its_action_and_counts_its_own_version(
    cast: Cast, other_action: Action
) -> None:
    milestone = Milestone.objects.filter(action__lead=cast.lead).order_by("id")[0]
    before = milestone.version
    page = reverse("plans:milestone-edit", args=[cast.partnership.slug, milestone.pk])
    client = signed_in(cast.lead)
    data = form_data(client.get(page))
    data.update(
        title="Report to the board",
        action=str(other_action.pk),
        partnership=str(cast.other.pk),
        updated_by=str(cast.owner.pk),
        created_at="2001-01-01T00:00:00Z",
    )

    response = client.post(page, data)

    milestone.refresh_from_db()
    assert response.status_code == 302
    assert milestone.title == "Report to the board"
    assert milestone.action.partnership_id == cast.partnership.pk
    assert milestone.action_id != other_action.pk
    assert milestone.partnership_id == cast.partnership.pk
    assert milestone.version == before + 1
    assert milestone.updated_by == cast.lead
    assert milestone.created_at.year != 2001


def test_the_api_ignores_extra_keys_in_an_update_draft(cast: Cast, other_action: Action) -> None:
    action = Action.objects.filter(partnership=cast.partnership, lead=cast.lead).order_by("id")[0]
    period = action.driver.outcome.plan.periods.all()[1]
    body: dict[str, Any] = {
        "action": action.pk,
        "period": period.pk,
        "rag": "amber",
        "narrative": "Sent by a script.",
        "state": UpdateState.ACCEPTED,
        "partnership": cast.other.pk,
        "author": cast.owner.pk,
        "late": True,
    }

    response = Client().post(
        reverse("api:updates", args=[cast.partnership.slug]),
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_of(cast.lead)}"},
    )

    update = ProgressUpdate.objects.get(action=action, period=period)
    assert response.status_code == 201
    assert update.state == UpdateState.DRAFT
    assert update.partnership_id == cast.partnership.pk
    assert update.author_id == cast.lead.pk
    assert not update.late
