"""Reminder e-mails with time frozen at several dates.

The plan's first periods: Q4 2019 (updates due Thursday 16 January 2020) and Q1 2020 (due
Wednesday 15 April 2020). Each action has milestones due 1 and 2 January 2020. So on Friday
10 April 2020, Q4 updates and the milestones are overdue and Q1 updates are due soon.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from tests import factories
from trellis.accounts.models import Membership, Partnership, Person, Role
from trellis.audit.models import AuditEntry
from trellis.plans.models import Action, Milestone, Plan
from trellis.progress.models import ReminderSent
from trellis.progress.reminders import reminders_send

LONDON = ZoneInfo("Europe/London")
FRIDAY = dt.datetime(2020, 4, 10, 8, 0, tzinfo=LONDON)
MONDAY = dt.datetime(2020, 4, 13, 8, 0, tzinfo=LONDON)


@dataclass
class Plot:
    partnership: Partnership
    plan: Plan
    lead: Person
    deputy: Person
    owner: Person
    actions: list[Action]


@pytest.fixture
def plot(db: None) -> Plot:
    part = factories.partnership()
    lead = factories.person(part, Role.LEAD, email="lead@example.org")
    owner = factories.person(part, Role.OWNER, email="owner@example.org")
    plan = factories.plan_tree(part, actions=2, lead=lead)
    plan.status = Plan.Status.ACTIVE
    plan.save()
    actions = list(Action.objects.filter(driver__outcome__plan=plan).order_by("position"))
    deputy = actions[0].deputies.get()
    return Plot(part, plan, lead, deputy, owner, actions)


def send_at(when: dt.datetime) -> None:
    with time_machine.travel(when, tick=False):
        reminders_send()


def mail_to(person: Person) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if person.email in m.to]


def told(person: Person) -> set[tuple[str, str]]:
    return set(ReminderSent.objects.filter(person=person).values_list("key", "reason"))


def keys(plot: Plot, period_index: int) -> set[str]:
    period = plot.plan.periods.all()[period_index]
    return {f"update:{a.pk}:{period.pk}" for a in plot.actions}


def milestone_keys(plot: Plot) -> set[str]:
    return {f"milestone:{m.pk}" for m in Milestone.objects.filter(action__in=plot.actions)}


@pytest.fixture(autouse=True)
def _clear_outbox() -> Iterator[None]:
    mail.outbox.clear()
    yield


# What a lead is sent.


def test_a_lead_gets_one_digest_listing_due_soon_and_overdue_updates_and_milestones(
    plot: Plot,
) -> None:
    send_at(FRIDAY)
    [digest] = mail_to(plot.lead)
    overdue = {(k, "overdue") for k in keys(plot, 0) | milestone_keys(plot)}
    due_soon = {(k, "due-soon") for k in keys(plot, 1)}
    assert told(plot.lead) == overdue | due_soon
    assert "Progress update for Q4 2019: Aim 0" in digest.body
    assert "Progress update for Q1 2020: Aim 1" in digest.body
    assert "Milestone: Milestone 0 (Aim 0)" in digest.body
    assert digest.subject == "Trellis: 8 progress items need you (6 overdue)"


def test_update_items_link_to_the_update_form_and_milestones_to_their_action(plot: Plot) -> None:
    send_at(FRIDAY)
    [digest] = mail_to(plot.lead)
    base = f"http://127.0.0.1:8000/p/{plot.partnership.slug}/actions/"
    periods = list(plot.plan.periods.all()[:2])
    for action in plot.actions:
        for period in periods:
            assert f"{base}{action.pk}/periods/{period.pk}/update/" in digest.body
    for milestone in Milestone.objects.filter(action__in=plot.actions):
        assert f"{base}{milestone.action_id}/\n" in digest.body


def test_the_digest_is_plain_text_with_dates_in_words(plot: Plot) -> None:
    send_at(FRIDAY)
    [digest] = mail_to(plot.lead)
    assert digest.content_subtype == "plain"
    assert "Was due 16 January 2020" in digest.body
    assert "Due 15 April 2020" in digest.body
    assert "&" not in digest.body.replace("&amp;", "")  # nothing HTML-escaped


def test_deputies_get_the_digest_too(plot: Plot) -> None:
    send_at(FRIDAY)
    assert len(mail_to(plot.deputy)) == 1
    assert told(plot.deputy) == told(plot.lead)


# Running again.


def test_a_second_run_on_the_same_day_sends_nothing(plot: Plot) -> None:
    send_at(FRIDAY)
    sent, recorded = len(mail.outbox), ReminderSent.objects.count()
    send_at(FRIDAY + dt.timedelta(hours=6))
    assert len(mail.outbox) == sent
    assert ReminderSent.objects.count() == recorded


def test_a_run_the_next_day_sends_only_items_whose_reason_changed(plot: Plot) -> None:
    send_at(dt.datetime(2020, 4, 15, 8, tzinfo=LONDON))  # Q1 updates due today: due soon
    mail.outbox.clear()
    send_at(dt.datetime(2020, 4, 16, 8, tzinfo=LONDON))  # now overdue
    [digest] = mail_to(plot.lead)
    new = set(
        ReminderSent.objects.filter(
            person=plot.lead, sent_at__date=dt.date(2020, 4, 16)
        ).values_list("key", "reason")
    )
    assert new == {(k, "overdue") for k in keys(plot, 1)}
    assert "Q1 2020" in digest.body and "Q4 2019" not in digest.body


def test_items_come_again_once_the_resend_interval_has_passed(plot: Plot) -> None:
    send_at(dt.datetime(2020, 4, 16, 8, tzinfo=LONDON))
    mail.outbox.clear()
    send_at(dt.datetime(2020, 4, 22, 8, tzinfo=LONDON))  # six days on
    assert mail_to(plot.lead) == []
    send_at(dt.datetime(2020, 4, 23, 8, tzinfo=LONDON))  # seven days on
    [digest] = mail_to(plot.lead)
    assert "Q4 2019" in digest.body and "Q1 2020" in digest.body and "Milestone 1" in digest.body


def test_the_resend_interval_is_a_setting(plot: Plot, settings: object) -> None:
    settings.TRELLIS_REMINDER_RESEND_DAYS = 2  # type: ignore[attr-defined]
    send_at(dt.datetime(2020, 4, 16, 8, tzinfo=LONDON))
    mail.outbox.clear()
    send_at(dt.datetime(2020, 4, 18, 8, tzinfo=LONDON))
    assert len(mail_to(plot.lead)) == 1


# How often each person wants them.


def _frequency(person: Person, value: str) -> None:
    Person.objects.filter(pk=person.pk).update(digest_frequency=value)


def test_weekly_people_get_overdue_items_but_not_due_soon_ones_on_other_days(plot: Plot) -> None:
    _frequency(plot.lead, "weekly")
    send_at(FRIDAY)
    assert {reason for _key, reason in told(plot.lead)} == {"overdue"}


def test_weekly_people_get_due_soon_items_on_mondays(plot: Plot) -> None:
    _frequency(plot.lead, "weekly")
    send_at(FRIDAY)
    mail.outbox.clear()
    send_at(MONDAY)
    [digest] = mail_to(plot.lead)
    assert "Q1 2020" in digest.body and "Q4 2019" not in digest.body
    assert {(k, "due-soon") for k in keys(plot, 1)} <= told(plot.lead)


def test_people_who_turned_reminders_off_get_only_overdue_items(plot: Plot) -> None:
    _frequency(plot.lead, "off")
    send_at(MONDAY)
    assert {reason for _key, reason in told(plot.lead)} == {"overdue"}


def test_people_who_turned_reminders_off_get_no_email_when_nothing_is_overdue(
    plot: Plot,
) -> None:
    _frequency(plot.lead, "off")
    send_at(dt.datetime(2019, 12, 28, 8, tzinfo=LONDON))  # milestones due within a week
    assert mail_to(plot.lead) == []
    assert len(mail_to(plot.deputy)) == 1  # the deputy is on daily


# Plan owners.


def test_plan_owners_get_a_summary_of_missing_updates(plot: Plot) -> None:
    factories.update(plot.actions[0], state="submitted", period_index=0)
    send_at(FRIDAY)
    [summary] = mail_to(plot.owner)
    q4, q1 = plot.plan.periods.all()[:2]
    assert told(plot.owner) == {
        (f"summary:{plot.plan.pk}:{q4.pk}", "overdue"),
        (f"summary:{plot.plan.pk}:{q1.pk}", "missing"),
    }
    q4_part = summary.body.split("Improvement plan: updates for Q4 2019")[1].split("Q1 2020")[0]
    assert "Missing: 1, Draft: 0, Returned: 0, Submitted: 1, Accepted: 0" in q4_part
    assert "* Aim 1" in q4_part and "* Aim 0" not in q4_part
    assert "updates missing" in summary.subject


def test_an_owner_who_also_leads_gets_a_digest_and_a_summary(plot: Plot) -> None:
    Membership.objects.filter(person=plot.lead).update(roles=[Role.LEAD, Role.OWNER])
    send_at(FRIDAY)
    assert sorted("missing" in m.subject for m in mail_to(plot.lead)) == [False, True]


def test_owners_get_no_summary_once_every_update_is_in(plot: Plot) -> None:
    for action in plot.actions:
        for index in (0, 1):
            factories.update(action, state="accepted", period_index=index)
    send_at(FRIDAY)
    assert mail_to(plot.owner) == []


# What is never chased.


def test_accepted_and_submitted_updates_are_not_chased(plot: Plot) -> None:
    first, second = plot.actions
    factories.update(first, state="accepted", period_index=0)
    factories.update(second, state="submitted", period_index=0)
    factories.update(first, state="draft", period_index=1)
    factories.update(second, state="returned", period_index=1)
    send_at(FRIDAY)
    update_keys = {k for k, _r in told(plot.lead) if k.startswith("update:")}
    assert update_keys == keys(plot, 1)


def test_closed_periods_are_ignored(plot: Plot) -> None:
    plot.plan.periods.filter(label="Q4 2019").update(closed_at=FRIDAY)
    send_at(FRIDAY)
    assert not told(plot.lead) & {(k, "overdue") for k in keys(plot, 0)}
    assert {(k, "due-soon") for k in keys(plot, 1)} <= told(plot.lead)


@pytest.mark.parametrize("status", [Plan.Status.CLOSED, Plan.Status.DRAFT])
def test_plans_that_are_not_active_are_ignored(plot: Plot, status: str) -> None:
    Plan.objects.filter(pk=plot.plan.pk).update(status=status)
    send_at(FRIDAY)
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()


def test_completed_actions_and_done_milestones_are_not_chased(plot: Plot) -> None:
    complete, open_ = plot.actions
    Action.objects.filter(pk=complete.pk).update(status=Action.Status.COMPLETE)
    Milestone.objects.filter(action=open_).update(done=dt.date(2020, 1, 1))
    send_at(FRIDAY)
    q4, q1 = plot.plan.periods.all()[:2]
    assert told(plot.lead) == {
        (f"update:{open_.pk}:{q4.pk}", "overdue"),
        (f"update:{open_.pk}:{q1.pk}", "due-soon"),
    }


def test_milestones_are_chased_by_their_revised_due_date(plot: Plot) -> None:
    later, sooner = Milestone.objects.filter(action__in=plot.actions).order_by("id")[:2]
    Milestone.objects.filter(pk=later.pk).update(
        revised_due=dt.date(2020, 9, 30), revision_reason="New system late"
    )
    Milestone.objects.filter(pk=sooner.pk).update(
        due=dt.date(2020, 9, 30), revised_due=dt.date(2020, 4, 14), revision_reason="Sooner"
    )
    send_at(FRIDAY)
    keys_told = {key for key, _ in told(plot.lead)}
    assert f"milestone:{later.pk}" not in keys_told
    assert (f"milestone:{sooner.pk}", "due-soon") in told(plot.lead)


def test_deactivated_people_get_nothing(plot: Plot) -> None:
    Person.objects.filter(pk=plot.lead.pk).update(is_active=False)
    Membership.objects.filter(person=plot.deputy).update(is_active=False)
    send_at(FRIDAY)
    assert mail_to(plot.lead) == [] and mail_to(plot.deputy) == []
    assert not ReminderSent.objects.filter(person__in=[plot.lead, plot.deputy]).exists()
    assert len(mail_to(plot.owner)) == 1


def test_people_of_another_partnership_are_not_told_about_this_one(plot: Plot) -> None:
    elsewhere = factories.partnership()
    outsider = factories.person(elsewhere, Role.OWNER)
    send_at(FRIDAY)
    assert mail_to(outsider) == []


# The command.


def run_command(*args: str) -> str:
    out = StringIO()
    with time_machine.travel(FRIDAY, tick=False):
        call_command("reminders", "send", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_prints_who_would_get_what_and_sends_and_records_nothing(plot: Plot) -> None:
    audited = AuditEntry.objects.count()
    output = run_command("--dry-run")
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()
    assert AuditEntry.objects.count() == audited
    assert "lead@example.org: digest, 8 items" in output
    assert "owner@example.org: summary, 2 items" in output
    assert "overdue" in output and "Aim 0" in output
    assert output.strip().endswith("Would send 3 e-mails with 18 items.")


def test_the_command_sends_and_audits_each_email(plot: Plot) -> None:
    output = run_command()
    assert len(mail.outbox) == 3
    assert output.strip().endswith("Sent 3 e-mails with 18 items.")
    verbs = list(AuditEntry.objects.values_list("verb", "actor_label"))
    assert ("reminders.run", "system") in verbs
    assert verbs.count(("reminder.digest", "system")) == 2
    assert verbs.count(("reminder.summary", "system")) == 1


def test_the_partnership_option_limits_the_run(plot: Plot) -> None:
    other = factories.partnership("other-area")
    run_command("--partnership", other.slug)
    assert mail.outbox == []
    run_command("--partnership", plot.partnership.slug)
    assert len(mail.outbox) == 3


# The worker's daily schedule.


def run_worker(when: dt.datetime) -> str:
    out = StringIO()
    with time_machine.travel(when, tick=False):
        call_command("worker", "--once", stdout=out)
    return out.getvalue()


def runs() -> int:
    return AuditEntry.objects.filter(verb="reminders.run").count()


# The database worker takes its own transactions, so these tests commit for real.
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_reminders_once_a_day(plot: Plot) -> None:
    assert "Queued the daily reminders job." in run_worker(FRIDAY)
    assert len(mail.outbox) == 3 and runs() == 1
    assert run_worker(FRIDAY + dt.timedelta(hours=3)) == ""  # a restart later that day
    assert runs() == 1
    run_worker(FRIDAY + dt.timedelta(days=1))
    assert runs() == 2
    assert len(mail.outbox) == 3  # nothing new to say on Saturday


@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_for_the_reminder_hour(plot: Plot, settings: object) -> None:
    settings.TRELLIS_REMINDER_HOUR = 9  # type: ignore[attr-defined]
    run_worker(FRIDAY)  # 08:00
    assert runs() == 0 and mail.outbox == []
    run_worker(FRIDAY + dt.timedelta(hours=1))
    assert runs() == 1 and len(mail.outbox) == 3


@pytest.mark.django_db(transaction=True)
def test_a_second_worker_that_queued_the_same_day_sends_nothing(plot: Plot) -> None:
    from trellis.progress.tasks import reminders_daily

    with time_machine.travel(FRIDAY, tick=False):
        first = reminders_daily.call()
        second = reminders_daily.call()
    assert first["skipped"] is False and second["skipped"] is True
    assert len(mail.outbox) == 3 and runs() == 1
