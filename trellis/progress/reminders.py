"""Reminder e-mails, and the person's own settings that decide how many they get.

Each day, each lead (and each deputy) gets one digest of the progress updates due within a
week or overdue and the milestones due or overdue on their actions; each plan owner gets
one summary of the updates missing from each plan. `reminders_build` works out who should
hear about what today (reading only); `reminders_send` drops what each person was already
told, records the rest (`ReminderSent`, one audit entry an e-mail) and then e-mails it.

An item is told again only when its reason changes (due soon → overdue) or once
TRELLIS_REMINDER_RESEND_DAYS have passed, so running twice a day sends nothing new.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_stubs_ext import StrOrPromise

from trellis.accounts.models import Membership, Partnership, Person, Role
from trellis.audit.models import AuditEntry
from trellis.audit.services import audit_append
from trellis.errors import Invalid
from trellis.plans.models import Action, Milestone, Plan
from trellis.progress.models import ProgressUpdate, ReminderSent, ReportingPeriod, UpdateState

logger = logging.getLogger("trellis.reminders")

DUE_SOON_DAYS = 7
DUE_SOON, OVERDUE, MISSING = "due-soon", "overdue", "missing"
RUN_VERB = "reminders.run"
# Updates still to be handed in are chased; submitted and accepted ones are not.
CHASED = (None, UpdateState.DRAFT, UpdateState.RETURNED)
CLOSED_ACTIONS = (Action.Status.COMPLETE, Action.Status.NOT_APPLICABLE)
STATE_LABELS: dict[str | None, StrOrPromise] = {
    None: gettext_lazy("missing"),
    UpdateState.DRAFT: gettext_lazy("draft"),
    UpdateState.RETURNED: gettext_lazy("returned"),
}
HANDED_IN_LABELS: dict[str | None, StrOrPromise] = {
    UpdateState.SUBMITTED: gettext_lazy("submitted"),
    UpdateState.ACCEPTED: gettext_lazy("accepted"),
}


@dataclass(frozen=True)
class MissingUpdate:
    """One line of a plan owner's summary."""

    action: str
    lead: str
    state: str
    url: str


@dataclass(frozen=True)
class Item:
    """One thing a person is reminded of. `key` says what it is about and, with `reason`,
    whether they were already told."""

    key: str
    reason: str
    title: str
    where: str  # the plan and partnership
    due: dt.date
    url: str
    state: str = ""
    counts: tuple[tuple[str, int], ...] = ()  # summaries: updates by state
    missing: tuple[MissingUpdate, ...] = ()  # summaries: the actions still to report

    @property
    def urgent(self) -> bool:
        return self.reason == OVERDUE


@dataclass
class Email:
    person: Person
    kind: str  # "digest" (a lead's) or "summary" (a plan owner's)
    items: list[Item]


@dataclass
class Report:
    emails: list[Email] = field(default_factory=list)
    skipped: bool = False  # a run was already recorded since `unless_run_since`
    failed: int = 0

    @property
    def item_count(self) -> int:
        return sum(len(e.items) for e in self.emails)


def wanted(item: Item, frequency: str, today: dt.date) -> bool:
    """Overdue items go to everyone; the rest follow the person's digest frequency."""
    if item.urgent or frequency == "daily":
        return True
    return frequency == "weekly" and today.weekday() == 0


def update_reason(state: str | None, due: dt.date, today: dt.date) -> str | None:
    if state not in CHASED:
        return None
    if due < today:
        return OVERDUE
    return DUE_SOON if due <= today + dt.timedelta(DUE_SOON_DAYS) else None


def _action_url(action: Action) -> str:
    return settings.TRELLIS_BASE_URL + reverse(
        "plans:action-detail", kwargs={"slug": action.partnership.slug, "pk": action.pk}
    )


def _update_url(action: Action, period: ReportingPeriod) -> str:
    """The page on which the lead writes this update: the one place to act on the reminder."""
    return settings.TRELLIS_BASE_URL + reverse(
        "progress:update-write",
        kwargs={"slug": action.partnership.slug, "action_pk": action.pk, "period_pk": period.pk},
    )


def _plan_url(partnership: Partnership, plan_id: int) -> str:
    return settings.TRELLIS_BASE_URL + reverse(
        "plans:plan-detail", kwargs={"slug": partnership.slug, "pk": plan_id}
    )


def _where(plan: Plan, partnership: Partnership) -> str:
    return f"{plan.title}, {partnership.name}"


# Reading: who should hear about what today.


@dataclass
class _Scope:
    """Everything a run reads, fetched in a handful of queries."""

    periods: dict[int, list[ReportingPeriod]]  # open periods due soon or overdue, by plan
    actions: list[Action]
    states: dict[tuple[int, int], str]  # (action, period) -> update state
    milestones: dict[int, list[Milestone]]  # open milestones due soon or overdue, by action
    members: dict[tuple[int, int], Membership]  # (partnership, person) -> active membership


def _scope(today: dt.date, partnership: Partnership | None) -> _Scope:
    horizon = today + dt.timedelta(DUE_SOON_DAYS)
    plans = Plan.objects.filter(status=Plan.Status.ACTIVE)
    if partnership is not None:
        plans = plans.filter(partnership=partnership)
    periods: dict[int, list[ReportingPeriod]] = defaultdict(list)
    for period in ReportingPeriod.objects.filter(
        plan__in=plans, closed_at__isnull=True, due__lte=horizon
    ).order_by("due"):
        periods[period.plan_id].append(period)
    actions = list(
        Action.objects.filter(
            driver__outcome__plan__in=plans, driver__outcome__not_applicable=False
        )
        .exclude(status__in=CLOSED_ACTIONS)
        .select_related("lead", "partnership", "driver__outcome__plan")
        .prefetch_related("deputies")
        .order_by("driver__outcome__plan_id", "position", "id")
    )
    updates = ProgressUpdate.objects.filter(
        period__in=[p for ps in periods.values() for p in ps]
    ).values_list("action_id", "period_id", "state")
    milestones: dict[int, list[Milestone]] = defaultdict(list)
    open_milestones = Milestone.objects.annotate(current=Coalesce("revised_due", "due"))
    for milestone in open_milestones.filter(
        action__in=actions, done__isnull=True, current__lte=horizon
    ):
        milestones[milestone.action_id].append(milestone)
    members = Membership.objects.filter(
        partnership__plans__in=plans, is_active=True, person__is_active=True
    ).select_related("person")
    return _Scope(
        periods=periods,
        actions=actions,
        states={(a, p): s for a, p, s in updates},
        milestones=milestones,
        members={(m.partnership_id, m.person_id): m for m in members.distinct()},
    )


def _responsible(action: Action, scope: _Scope) -> list[Person]:
    """The action's lead and deputies who are active members of its partnership."""
    found = {}
    for person in [action.lead, *action.deputies.all()]:
        member = None if person is None else scope.members.get((action.partnership_id, person.pk))
        if member is not None:
            found[member.person_id] = member.person
    return list(found.values())


def _action_items(action: Action, scope: _Scope, today: dt.date) -> list[Item]:
    plan = action.driver.outcome.plan
    where, url = _where(plan, action.partnership), _action_url(action)
    items = []
    for period in scope.periods.get(plan.pk, []):
        if action.starts and action.starts > period.ends:
            continue  # the action had not begun in that period
        state = scope.states.get((action.pk, period.pk))
        reason = update_reason(state, period.due, today)
        if reason:
            title = _("Progress update for %(period)s: %(action)s") % {
                "period": period.label,
                "action": action.title,
            }
            key = f"update:{action.pk}:{period.pk}"
            state_label = str(STATE_LABELS[state])
            items.append(
                Item(
                    key, reason, title, where, period.due, _update_url(action, period), state_label
                )
            )
    for milestone in scope.milestones.get(action.pk, []):
        reason = OVERDUE if milestone.current_due < today else DUE_SOON
        title = _("Milestone: %(milestone)s (%(action)s)") % {
            "milestone": milestone.title,
            "action": action.title,
        }
        items.append(
            Item(f"milestone:{milestone.pk}", reason, title, where, milestone.current_due, url)
        )
    return items


def _summary_items(scope: _Scope, today: dt.date) -> dict[int, list[Item]]:
    """By plan: one item for each period due soon or overdue with updates not handed in."""
    by_plan: dict[int, list[Action]] = defaultdict(list)
    for action in scope.actions:
        by_plan[action.driver.outcome.plan_id].append(action)
    summaries: dict[int, list[Item]] = defaultdict(list)
    for plan_id, actions in by_plan.items():
        plan, partnership = actions[0].driver.outcome.plan, actions[0].partnership
        for period in scope.periods.get(plan_id, []):
            expected = [a for a in actions if not (a.starts and a.starts > period.ends)]
            states = [scope.states.get((a.pk, period.pk)) for a in expected]
            missing = tuple(
                MissingUpdate(
                    action=a.title,
                    lead=str(a.lead or _("no lead named")),
                    state=str(STATE_LABELS[s]),
                    url=_action_url(a),
                )
                for a, s in zip(expected, states, strict=True)
                if s in CHASED
            )
            if not missing:
                continue
            counts = tuple(
                (str(label), sum(1 for s in states if s == state))
                for state, label in {**STATE_LABELS, **HANDED_IN_LABELS}.items()
            )
            summaries[plan_id].append(
                Item(
                    key=f"summary:{plan_id}:{period.pk}",
                    reason=OVERDUE if period.due < today else MISSING,
                    title=_("%(plan)s: updates for %(period)s")
                    % {"plan": plan.title, "period": period.label},
                    where=_where(plan, partnership),
                    due=period.due,
                    url=_plan_url(partnership, plan_id),
                    counts=counts,
                    missing=missing,
                )
            )
    return summaries


def reminders_build(*, today: dt.date, partnership: Partnership | None = None) -> list[Email]:
    """Every e-mail today's reminders call for, before dropping what people were already
    told: leads' and deputies' digests, and plan owners' summaries."""
    scope = _scope(today, partnership)
    digests: dict[int, list[Item]] = defaultdict(list)
    people: dict[int, Person] = {}
    for action in scope.actions:
        items = _action_items(action, scope, today)
        if not items:
            continue
        for person in _responsible(action, scope):
            people[person.pk] = person
            digests[person.pk] += [i for i in items if wanted(i, person.digest_frequency, today)]
    emails = [
        Email(people[pk], "digest", _ordered(items)) for pk, items in digests.items() if items
    ]
    partnership_of = {a.driver.outcome.plan_id: a.partnership_id for a in scope.actions}
    owners: dict[int, list[Item]] = defaultdict(list)
    for plan_id, items in _summary_items(scope, today).items():
        for (part_id, person_id), member in scope.members.items():
            if part_id == partnership_of[plan_id] and member.has_role(Role.OWNER):
                people[person_id] = member.person
                owners[person_id] += [
                    i for i in items if wanted(i, member.person.digest_frequency, today)
                ]
    emails += [Email(people[pk], "summary", items) for pk, items in owners.items() if items]
    return emails


def _ordered(items: Iterable[Item]) -> list[Item]:
    """Overdue first, then by date."""
    return sorted(items, key=lambda i: (not i.urgent, i.due, i.title))


# Writing: drop what was already told, record and send the rest.


def _already_told(emails: list[Email], today: dt.date) -> dict[tuple[int, str], str]:
    """(person, key) -> the reason last told, for items told within the resend interval."""
    days = settings.TRELLIS_REMINDER_RESEND_DAYS
    since = dt.datetime.combine(
        today - dt.timedelta(days=days - 1), dt.time.min, tzinfo=timezone.get_current_timezone()
    )
    told: dict[tuple[int, str], str] = {}
    for person_id, key, reason in (
        ReminderSent.objects.filter(person__in=[e.person for e in emails], sent_at__gte=since)
        .order_by("sent_at", "id")
        .values_list("person_id", "key", "reason")
    ):
        told[(person_id, key)] = reason  # the latest wins
    return told


def _fresh(emails: list[Email], today: dt.date) -> list[Email]:
    told = _already_told(emails, today)
    fresh = []
    for email in emails:
        new = [i for i in email.items if told.get((email.person.pk, i.key)) != i.reason]
        if new:
            fresh.append(Email(email.person, email.kind, new))
    return fresh


def _record(emails: list[Email], now: dt.datetime) -> None:
    ReminderSent.objects.bulk_create(
        ReminderSent(person=e.person, key=i.key, reason=i.reason, sent_at=now)
        for e in emails
        for i in e.items
    )
    for email in emails:
        audit_append(
            actor=None,
            verb=f"reminder.{email.kind}",
            target=email.person,
            changes={"items": [f"{i.key} {i.reason}" for i in email.items]},
        )


def reminders_send(
    *,
    now: dt.datetime | None = None,
    partnership: Partnership | None = None,
    dry_run: bool = False,
    unless_run_since: dt.datetime | None = None,
) -> Report:
    """Send today's reminders that are new to their reader. A system job: it writes only
    ReminderSent rows and audit entries. `dry_run` works out the same e-mails and sends and
    records nothing. With `unless_run_since`, nothing happens if a run was already
    recorded since then (the daily schedule uses this)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        if not dry_run:
            # First, so that it holds the audit chain's lock until this run commits: a
            # second run at the same time waits, then sees what this one recorded.
            run = audit_append(
                actor=None,
                verb=RUN_VERB,
                changes={"partnership": partnership.slug if partnership else "all"},
            )
            if unless_run_since and _ran_since(unless_run_since, run):
                transaction.set_rollback(True)
                return Report(skipped=True)
        emails = _fresh(reminders_build(today=today, partnership=partnership), today)
        if not dry_run:
            _record(emails, now)
    report = Report(emails=emails)
    if not dry_run:  # after the commit, so that what is sent is always on record
        report.failed = _deliver(emails, today)
    return report


def _ran_since(since: dt.datetime, this_run: AuditEntry) -> bool:
    return AuditEntry.objects.filter(verb=RUN_VERB, at__gte=since).exclude(pk=this_run.pk).exists()


def render_email(email: Email, today: dt.date) -> EmailMessage:
    overdue = [i for i in email.items if i.urgent]
    context = {
        "person": email.person,
        "overdue": overdue,
        "upcoming": [i for i in email.items if not i.urgent],
        "settings_url": settings.TRELLIS_BASE_URL + reverse("progress:account-settings"),
        "today": today,
    }
    if email.kind == "digest":
        subject = ngettext(
            "Trellis: %(count)d progress item needs you",
            "Trellis: %(count)d progress items need you",
            len(email.items),
        ) % {"count": len(email.items)}
    else:
        subject = _("Trellis: progress updates missing")
    if overdue:
        subject += " " + _("(%(count)d overdue)") % {"count": len(overdue)}
    body = render_to_string(f"progress/reminder_{email.kind}.txt", context)
    return EmailMessage(subject, body, None, [email.person.email])


def _deliver(emails: list[Email], today: dt.date) -> int:
    """Send each e-mail; one that fails is logged and the rest still go."""
    failed = 0
    with get_connection() as connection:
        for email in emails:
            message = render_email(email, today)
            message.connection = connection
            try:
                message.send()
            except Exception:
                failed += 1
                logger.exception("reminder e-mail to person %s failed", email.person.pk)
    return failed


# The person's own settings.

FREQUENCY_CHOICES = cast(
    list[tuple[str, StrOrPromise]], Person._meta.get_field("digest_frequency").choices
)
FREQUENCIES = [value for value, _label in FREQUENCY_CHOICES]


def person_settings_save(
    *, person: Person, full_name: str, job_title: str, digest_frequency: str
) -> Person:
    """A person changes their own name, job title and how often they get reminders."""
    full_name, job_title = full_name.strip(), job_title.strip()
    if not full_name:
        raise Invalid(_("Enter your full name."), {"full_name": [_("Enter your full name.")]})
    if digest_frequency not in FREQUENCIES:
        message = _("Choose how often you want reminder e-mails.")
        raise Invalid(message, {"digest_frequency": [message]})
    fields = {"full_name": full_name, "job_title": job_title, "digest_frequency": digest_frequency}
    with transaction.atomic():
        stored = Person.objects.select_for_update().get(pk=person.pk)
        changes = {
            name: [getattr(stored, name), value]
            for name, value in fields.items()
            if getattr(stored, name) != value
        }
        if changes:
            Person.objects.filter(pk=person.pk).update(**fields)
            audit_append(actor=person, verb="person.settings", target=person, changes=changes)
    for name, value in fields.items():
        setattr(person, name, value)
    return person
