"""The demo partnership: built by the builder directly (no migrate), with the counts the
demo promises."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from trellis.accounts.models import Membership, Partnership, Person, Role
from trellis.audit.models import AuditEntry
from trellis.demo import DEMO_PASSWORD, DEMO_SLUG, build_demo, demo_sign_ins
from trellis.plans.models import Action, Driver, Finding, Milestone, Outcome, QualityIndicator

ROLE_EMAILS = {role: f"{role}@demo.example.org" for role in Role.values}


@pytest.fixture
def demo(settings: Any) -> Partnership:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_demo().partnership


@pytest.mark.django_db
def test_each_role_has_one_demo_sign_in_with_exactly_that_role(demo: Partnership) -> None:
    assert set(ROLE_EMAILS) == {"admin", "owner", "lead", "analyst", "board", "inspector"}
    for role, email in ROLE_EMAILS.items():
        person = Person.objects.get(email=email)
        assert Membership.objects.get(person=person, partnership=demo).roles == [role]
        assert person.check_password("Stretch-Outcome-2019")


def test_the_sign_in_list_names_the_six_role_emails_and_the_password() -> None:
    rows = demo_sign_ins()
    assert [email for _, email, _ in rows] == list(ROLE_EMAILS.values())
    assert {password for _, _, password in rows} == {DEMO_PASSWORD}


@pytest.mark.django_db
def test_the_inspection_grades_four_indicators_good_with_five_strengths_and_three_areas(
    demo: Partnership,
) -> None:
    indicators = QualityIndicator.objects.filter(partnership=demo)
    assert indicators.count() == 4
    assert set(indicators.values_list("grade", flat=True)) == {4}
    assert Finding.objects.filter(partnership=demo, kind=Finding.Kind.STRENGTH).count() == 5
    assert Finding.objects.filter(partnership=demo, kind=Finding.Kind.AREA).count() == 3


@pytest.mark.django_db
def test_every_area_for_improvement_is_answered_by_a_driver(demo: Partnership) -> None:
    for area in Finding.objects.filter(partnership=demo, kind=Finding.Kind.AREA):
        assert area.drivers.exists(), area.text


@pytest.mark.django_db
def test_the_plan_has_five_outcomes_one_not_applicable_and_enough_drivers_and_actions(
    demo: Partnership,
) -> None:
    outcomes = Outcome.objects.filter(partnership=demo)
    assert outcomes.count() == 5
    not_applicable = outcomes.filter(not_applicable=True)
    assert not_applicable.count() == 1
    assert not_applicable.get().not_applicable_reason
    assert Driver.objects.filter(partnership=demo).count() >= 10
    assert Action.objects.filter(partnership=demo).count() >= 12
    assert Milestone.objects.filter(partnership=demo).count() >= 10


@pytest.mark.django_db
def test_every_action_belongs_to_the_demo_partnership(demo: Partnership) -> None:
    assert Action.objects.exclude(partnership=demo).count() == 0
    actions = Action.objects.filter(driver__outcome__plan__partnership=demo)
    assert actions.count() >= 12
    assert all(action.partnership_id == demo.pk for action in actions)


@pytest.mark.django_db
def test_leads_come_from_at_least_three_agencies(demo: Partnership) -> None:
    leads = Action.objects.filter(partnership=demo).values_list("lead", flat=True)
    agencies = Membership.objects.filter(partnership=demo, person__in=leads).values_list(
        "agency", flat=True
    )
    assert len(set(agencies) - {None}) >= 3


@pytest.mark.django_db
def test_the_lead_sign_in_leads_three_actions_and_deputises_on_one(demo: Partnership) -> None:
    lead = Person.objects.get(email=ROLE_EMAILS["lead"])
    assert lead.led_actions.count() >= 3
    assert lead.deputy_actions.count() >= 1


@pytest.mark.django_db
def test_one_audit_entry_records_the_build(demo: Partnership) -> None:
    entry = AuditEntry.objects.get(verb="demo.build")
    assert entry.partnership_id == demo.pk
    assert entry.changes["actions"] == Action.objects.filter(partnership=demo).count()


@pytest.mark.django_db
def test_building_again_without_reset_leaves_the_demo_as_it_is(demo: Partnership) -> None:
    people = Person.objects.count()
    actions = Action.objects.count()
    again = build_demo()
    assert not again.built
    assert again.partnership == demo
    assert Partnership.objects.filter(slug=DEMO_SLUG).count() == 1
    assert (Person.objects.count(), Action.objects.count()) == (people, actions)
    assert AuditEntry.objects.filter(verb="demo.build").count() == 1


@pytest.mark.django_db
def test_building_again_with_reset_rebuilds_without_duplicates(demo: Partnership) -> None:
    people = Person.objects.count()
    actions = Action.objects.count()
    again = build_demo(reset=True)
    assert again.built
    assert again.partnership.pk != demo.pk
    assert (Person.objects.count(), Action.objects.count()) == (people, actions)


@pytest.mark.django_db
def test_the_demo_is_refused_in_production(settings) -> None:
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        build_demo()
    assert not Partnership.objects.filter(slug=DEMO_SLUG).exists()


@pytest.mark.django_db
def test_the_demo_command_refuses_in_production_before_touching_the_database(settings) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("demo", "--no-serve", "--quiet")
    assert not Partnership.objects.filter(slug=DEMO_SLUG).exists()
