"""The demo partnership: built by the builder directly (no migrate), with the counts the
demo promises."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from trellis.accounts.models import Group, Membership, Partnership, Person, Role
from trellis.audit.models import AuditEntry
from trellis.demo import DEMO_PASSWORD, DEMO_SLUG, build_demo, demo_sign_ins
from trellis.demo_updates import AS_OF
from trellis.plans.models import Action, Driver, Finding, Milestone, Outcome, QualityIndicator
from trellis.progress.models import ProgressUpdate, ReportingPeriod, UpdateRevision, UpdateState

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


# A year of updates in all states (the Q3 2020 cycle is the demo's present).


def demo_updates(demo: Partnership) -> Any:
    return ProgressUpdate.objects.filter(action__driver__outcome__plan__partnership=demo)


@pytest.mark.django_db
def test_the_demo_has_updates_in_every_state_and_some_missing(demo: Partnership) -> None:
    updates = demo_updates(demo)
    assert set(updates.values_list("state", flat=True)) == set(UpdateState.values)
    assert updates.filter(late=True, state=UpdateState.SUBMITTED).exists()
    assert updates.filter(late=True, state=UpdateState.ACCEPTED).exists()
    current = ReportingPeriod.objects.get(plan__partnership=demo, label="Q3 2020")
    missing = (
        Action.objects.filter(partnership=demo)
        .exclude(status__in=[Action.Status.COMPLETE, Action.Status.NOT_APPLICABLE])
        .exclude(updates__period=current)
    )
    assert missing.count() >= 1
    assert current.due < AS_OF


@pytest.mark.django_db
def test_the_three_earlier_quarters_are_all_accepted_and_the_first_two_closed(
    demo: Partnership,
) -> None:
    periods = list(ReportingPeriod.objects.filter(plan__partnership=demo).order_by("starts"))
    assert [p.label for p in periods] == ["Q4 2019", "Q1 2020", "Q2 2020", "Q3 2020", "Q4 2020"]
    assert [p.is_closed for p in periods] == [True, True, False, False, False]
    assert {p.closed_by.email for p in periods if p.closed_by} == {ROLE_EMAILS["owner"]}
    earlier = demo_updates(demo).filter(period__in=periods[:3])
    assert set(earlier.values_list("state", flat=True)) == {UpdateState.ACCEPTED}
    assert not demo_updates(demo).filter(period=periods[4]).exists()


@pytest.mark.django_db
def test_every_update_has_a_revision_for_each_version_ending_in_its_state(
    demo: Partnership,
) -> None:
    for update in demo_updates(demo).prefetch_related("revisions"):
        revisions = list(update.revisions.all())
        assert [r.version for r in revisions] == list(range(1, update.version + 1))
        assert revisions[-1].state == update.state
        assert revisions[-1].narrative == update.narrative
        assert [r.at for r in revisions] == sorted(r.at for r in revisions)
        assert revisions[-1].at.date() <= AS_OF


@pytest.mark.django_db
def test_returned_updates_keep_the_reason_and_some_were_accepted_after_a_return(
    demo: Partnership,
) -> None:
    returned = demo_updates(demo).filter(state=UpdateState.RETURNED)
    assert all(u.return_reason for u in returned)
    resubmitted = UpdateRevision.objects.filter(
        update__partnership=demo, state=UpdateState.RETURNED, update__state=UpdateState.ACCEPTED
    )
    assert resubmitted.exists()
    assert all(r.note for r in resubmitted)


@pytest.mark.django_db
def test_police_detail_is_restricted_to_the_cpc_whose_members_include_police(
    demo: Partnership,
) -> None:
    restricted = demo_updates(demo).filter(restricted_to__isnull=False).distinct()
    assert restricted.count() >= 1
    cpc = Group.objects.get(partnership=demo, short_name="CPC")
    assert set(restricted[0].restricted_to.all()) == {cpc}
    assert restricted[0].narrative.startswith("Police")
    members = set(cpc.members.values_list("email", flat=True))
    assert {"moira.ferguson@demo.example.org", "iain.drummond@demo.example.org"} <= members
    assert ROLE_EMAILS["board"] not in members


@pytest.mark.django_db
def test_deputies_write_some_updates_on_the_leads_behalf(demo: Partnership) -> None:
    by_deputy = demo_updates(demo).filter(on_behalf_of__isnull=False)
    assert by_deputy.count() >= 3
    for update in by_deputy:
        assert update.on_behalf_of == update.action.lead
        assert update.author in update.action.deputies.all()


@pytest.mark.django_db
def test_every_update_belongs_to_the_demo_partnership(demo: Partnership) -> None:
    updates = ProgressUpdate.objects.all()
    assert updates.count() >= 40
    for update in updates.select_related("action", "period__plan"):
        assert update.partnership_id == demo.pk
        assert update.action.partnership_id == demo.pk
        assert update.period.plan.partnership_id == demo.pk
    assert AuditEntry.objects.get(verb="demo.build").changes["updates"] == updates.count()


@pytest.mark.django_db
def test_health_assessments_rise_quarter_by_quarter_to_green(demo: Partnership) -> None:
    action = Action.objects.get(partnership=demo, title__contains="initial health assessment")
    updates = list(action.updates.order_by("period__starts"))
    assert [u.rag for u in updates] == ["amber", "amber", "amber", "green"]
    assert ["35%" in updates[0].narrative, "55%" in updates[-1].narrative] == [True, True]
