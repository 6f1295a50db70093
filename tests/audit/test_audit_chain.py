"""Every write leaves exactly one link in the hash-chained audit log, and any change to the
log (an edited, removed or truncated entry) is found and named."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from trellis.accounts import services as accounts
from trellis.accounts.models import Agency, Group, Membership, Person, Role
from trellis.audit.models import AuditEntry
from trellis.audit.services import audit_maintenance, audit_verify
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
from trellis.plans.services import plan_item_create, plan_item_update
from trellis.versioning import Versioned


def member(person: Person, cast: Cast) -> Membership:
    return Membership.objects.select_related("partnership", "person").get(
        person=person, partnership=cast.partnership
    )


def first(model: type[Versioned], cast: Cast) -> Any:
    return model._default_manager.filter(partnership=cast.partnership).order_by("id").first()


# What each kind of record needs to be created: (parent model or None, fields).
CREATES: dict[type[Versioned], tuple[type[Versioned] | None, dict[str, Any]]] = {
    Inspection: (None, {"regulator": "Care Inspectorate", "title": "Second inspection"}),
    QualityIndicator: (Inspection, {"reference": "2.1", "title": "Impact", "grade": 4}),
    Finding: (Inspection, {"kind": Finding.Kind.STRENGTH, "text": "Strong leadership"}),
    Plan: (
        None,
        {"title": "Next plan", "starts": dt.date(2021, 1, 1), "ends": dt.date(2021, 12, 31)},
    ),
    Outcome: (Plan, {"title": "Children are safer"}),
    Driver: (Outcome, {"title": "Shared chronologies"}),
    Action: (Driver, {"title": "Train every team"}),
    Milestone: (Action, {"title": "Training delivered", "due": dt.date(2020, 6, 30)}),
}


@pytest.mark.parametrize("model", list(CREATES), ids=lambda m: m.__name__)
def test_creating_a_plan_item_leaves_one_entry_and_the_chain_verifies(
    cast: Cast, model: type[Versioned]
) -> None:
    parent_model, fields = CREATES[model]
    parent = first(parent_model, cast) if parent_model else None
    before = AuditEntry.objects.count()

    obj = plan_item_create(model, membership=member(cast.owner, cast), parent=parent, fields=fields)

    entry = AuditEntry.objects.get(object_id=str(obj.pk), verb__endswith=".create")
    assert AuditEntry.objects.count() == before + 1
    assert entry.object_type == model._meta.label_lower
    assert audit_verify().ok


def test_updating_a_plan_item_leaves_one_entry_with_old_and_new_values(cast: Cast) -> None:
    action = first(Action, cast)
    before = AuditEntry.objects.count()

    plan_item_update(
        action,
        membership=member(cast.owner, cast),
        expected_version=action.version,
        fields={"title": "A clearer aim"},
    )

    entry = AuditEntry.objects.last()
    assert AuditEntry.objects.count() == before + 1
    assert entry is not None and entry.verb == "action.update"
    assert entry.changes == {"title": ["Aim 0", "A clearer aim"]}
    assert audit_verify().ok


def test_an_update_keeps_old_and_new_values_in_order_even_when_they_sort_the_other_way(
    cast: Cast,
) -> None:
    action = first(Action, cast)

    plan_item_update(
        action,
        membership=member(cast.owner, cast),
        expected_version=action.version,
        fields={"title": "A first aim", "starts": dt.date(2020, 2, 1)},
    )

    entry = AuditEntry.objects.get(verb="action.update")
    assert entry.changes == {"title": ["Aim 0", "A first aim"], "starts": [None, "2020-02-01"]}


def test_an_entry_holding_dates_verifies_after_it_is_saved_and_read_back(cast: Cast) -> None:
    plan = cast.plan
    plan_item_update(
        plan,
        membership=member(cast.owner, cast),
        expected_version=plan.version,
        fields={"ends": dt.date(2021, 3, 31)},
    )

    reloaded = AuditEntry.objects.get(verb="plan.update")

    assert reloaded.changes == {"ends": ["2020-10-31", "2021-03-31"]}
    assert audit_verify().ok


def test_an_entry_records_the_actor_and_the_partnership(cast: Cast) -> None:
    plan_item_create(
        Inspection,
        membership=member(cast.owner, cast),
        fields={"regulator": "Care Inspectorate", "title": "Another"},
    )

    entry = AuditEntry.objects.get(verb="inspection.create")

    assert entry.actor_id == cast.owner.pk
    assert entry.actor_label == cast.owner.email
    assert entry.partnership_id == cast.partnership.pk


# Accounts services


def test_inviting_a_person_leaves_one_entry(cast: Cast) -> None:
    before = AuditEntry.objects.count()

    created = accounts.person_invite(
        membership=member(cast.admin, cast),
        email="new@example.org",
        full_name="New Person",
        agency=None,
        roles=[Role.LEAD],
        base_url="http://testserver",
    )

    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.filter(verb="membership.invite", object_id=str(created.pk)).exists()
    assert audit_verify().ok


def test_changing_a_membership_leaves_one_entry(cast: Cast) -> None:
    target = member(cast.analyst, cast)
    before = AuditEntry.objects.count()

    accounts.membership_update(
        membership=member(cast.admin, cast),
        target=target,
        expected_version=target.version,
        agency=None,
        roles=[Role.ANALYST, Role.BOARD],
        is_active=True,
    )

    entry = AuditEntry.objects.last()
    assert AuditEntry.objects.count() == before + 1
    assert entry is not None and entry.verb == "membership.update"
    assert entry.changes == {"roles": [["analyst"], ["analyst", "board"]]}
    assert audit_verify().ok


def test_deactivating_a_person_leaves_one_entry(cast: Cast) -> None:
    before = AuditEntry.objects.count()

    accounts.person_deactivate(membership=member(cast.admin, cast), target=member(cast.board, cast))

    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.last().verb == "person.deactivate"  # type: ignore[union-attr]
    assert audit_verify().ok


def test_handing_over_leaves_one_entry_per_action_changed(cast: Cast) -> None:
    successor = factories.person(cast.partnership, Role.LEAD)
    before = AuditEntry.objects.count()

    changed = accounts.actions_hand_over(
        membership=member(cast.admin, cast), leaver=cast.lead, successor=successor
    )

    assert changed == 3
    assert AuditEntry.objects.count() == before + 3
    new = AuditEntry.objects.order_by("id")[before:]
    assert [e.verb for e in new] == ["action.hand-over"] * 3
    assert audit_verify().ok


@pytest.mark.parametrize(
    ("model", "fields"),
    [(Agency, {"name": "Health board", "short_name": "NHS"}), (Group, {"name": "Chief officers"})],
    ids=["agency", "group"],
)
def test_adding_to_the_directory_leaves_one_entry(
    cast: Cast, model: type[Versioned], fields: dict[str, Any]
) -> None:
    before = AuditEntry.objects.count()

    accounts.directory_create(model, membership=member(cast.admin, cast), fields=fields)

    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.last().verb == f"{model._meta.model_name}.create"  # type: ignore[union-attr]
    assert audit_verify().ok


def test_changing_the_directory_leaves_one_entry(cast: Cast) -> None:
    admin = member(cast.admin, cast)
    agency = accounts.directory_create(Agency, membership=admin, fields={"name": "Police"})
    before = AuditEntry.objects.count()

    accounts.directory_update(
        agency, membership=admin, expected_version=agency.version, fields={"short_name": "PS"}
    )

    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.last().changes == {"short_name": ["", "PS"]}  # type: ignore[union-attr]
    assert audit_verify().ok


# Tampering


@pytest.fixture
def chain(cast: Cast) -> list[AuditEntry]:
    """Five entries written by the services."""
    owner = member(cast.owner, cast)
    for n in range(5):
        plan_item_create(
            Inspection, membership=owner, fields={"regulator": "CI", "title": f"Inspection {n}"}
        )
    return list(AuditEntry.objects.order_by("id"))


def test_an_intact_chain_verifies(chain: list[AuditEntry]) -> None:
    report = audit_verify()

    assert report.ok
    assert report.checked == len(chain)


def test_an_edited_entry_is_named(chain: list[AuditEntry]) -> None:
    edited = chain[2]
    with audit_maintenance():  # as a superuser would; PostgreSQL refuses the app otherwise
        AuditEntry.objects.filter(pk=edited.pk).update(changes={"title": "Nothing to see"})

    assert audit_verify().first_broken_id == edited.pk


def test_a_removed_middle_entry_is_named_by_the_entry_after_it(chain: list[AuditEntry]) -> None:
    with audit_maintenance():
        AuditEntry.objects.filter(pk=chain[2].pk).delete()

    assert audit_verify().first_broken_id == chain[3].pk


def test_a_removed_last_entry_is_found_by_the_chain_head(chain: list[AuditEntry]) -> None:
    with audit_maintenance():
        AuditEntry.objects.filter(pk=chain[-1].pk).delete()

    report = audit_verify()

    assert not report.ok
    assert report.first_broken_id == chain[-1].pk
    assert report.checked == len(chain) - 1


def test_the_verify_command_reports_an_intact_chain(
    chain: list[AuditEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("audit", "verify")

    assert f"{len(chain)} entries verified" in capsys.readouterr().out


def test_the_verify_command_fails_naming_the_broken_entry(chain: list[AuditEntry]) -> None:
    with audit_maintenance():
        AuditEntry.objects.filter(pk=chain[1].pk).update(verb="plan.delete")

    with pytest.raises(CommandError, match=f"#{chain[1].pk}\\b"):
        call_command("audit", "verify")


def test_an_edit_through_the_page_records_the_old_and_new_values(cast: Cast) -> None:
    inspection = first(Inspection, cast)
    url = reverse("plans:inspection-edit", args=[cast.partnership.slug, inspection.pk])
    data = {"regulator": "Care Inspectorate", "title": "Renamed", "version": inspection.version}

    response = signed_in(cast.owner).post(url, data)

    assert response.status_code == 302
    entry = AuditEntry.objects.get(verb="inspection.update")
    assert entry.changes == {"title": ["Joint inspection", "Renamed"]}
