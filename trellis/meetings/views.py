"""Pages for decisions: record one against an aim, its challenge thread or a measure; read,
correct and follow one up; create the aim a decision asks for; and the decision log.
Views parse input and render; the rules are the services'."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from trellis.accounts.models import Group, Membership
from trellis.accounts.policy import Perm, can, require
from trellis.errors import Invalid, NotFound
from trellis.forms import VersionedForm
from trellis.measures.models import Measure
from trellis.meetings import selectors, services
from trellis.meetings.forms import DecisionActionForm, DecisionEditForm, DecisionForm
from trellis.meetings.models import Decision, Subject
from trellis.plans.models import Action, Driver, Plan
from trellis.plans.selectors import get_scoped, members_of
from trellis.progress.models import Comment, ReportingPeriod
from trellis.reports.dashboard import current_plan
from trellis.views import form_page, partnership_view

FORM_METHODS = ["GET", "POST"]


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def _url(membership: Membership, name: str, *args: Any) -> str:
    return reverse(name, args=[membership.partnership.slug, *args])


def _choices(membership: Membership) -> dict[str, Any]:
    return {
        "groups": Group.objects.filter(partnership_id=membership.partnership_id),
        "people": members_of(membership.partnership),
    }


def _plan_of(action: Action) -> Plan:
    return action.driver.outcome.plan


def _record_page(
    request: HttpRequest,
    *,
    subject: str,
    back_url: str,
    about: str,
    action: Action | None = None,
    measure: Measure | None = None,
) -> HttpResponse:
    """The record-a-decision page every subject shares."""
    membership = _membership(request)
    require(membership, Perm.RECORD_DECISION)
    extra: dict[str, Any] = {}
    if subject == Subject.THREAD and action is not None:
        extra["comments"] = Comment.objects.filter(action=action).select_related("author")
    if subject == Subject.MEASURE:
        extra["plans"] = Plan.objects.filter(partnership_id=membership.partnership_id)

    def make_form(data: Any, instance: Any) -> VersionedForm:
        form = DecisionForm(data, instance=instance, **_choices(membership), **extra)
        if subject == Subject.MEASURE and not form.is_bound:
            form.initial["plan"] = _default_plan(membership, measure)
        return form

    def save(form: VersionedForm) -> Decision:
        data = form.cleaned_data
        return services.decision_record(
            membership=membership,
            plan=data["plan"] if subject == Subject.MEASURE else _plan_of(action),  # type: ignore[arg-type]
            subject=subject,
            action=action,
            measure=measure,
            comment=data.get("comment"),
            group=data["group"],
            decided_on=data["decided_on"],
            text=data["text"],
            follow_up=data["follow_up"],
            follow_up_owner=data["follow_up_owner"],
            follow_up_due=data["follow_up_due"],
        )

    return form_page(
        request,
        make_form=make_form,
        save=save,
        title=_("Record a decision"),
        back_url=back_url,
        success_url=lambda d: _url(membership, "meetings:decision-detail", d.pk),
        context={"about": about, "subject_label": Subject(subject).label},
        template="meetings/decision_form.html",
    )


def _default_plan(membership: Membership, measure: Measure | None) -> int | None:
    """The plan of the first aim the measure evidences, else the current plan."""
    action = measure.actions.select_related("driver__outcome").first() if measure else None
    if action is not None:
        return action.driver.outcome.plan_id
    plan = current_plan(list(membership.partnership.plans.all()))
    return plan.pk if plan else None


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.RECORD_DECISION)
def decision_on_action(request: HttpRequest, action_pk: int) -> HttpResponse:
    membership = _membership(request)
    action = get_scoped(Action, membership.partnership, action_pk)
    return _record_page(
        request,
        subject=Subject.ACTION,
        action=action,
        about=action.title,
        back_url=_url(membership, "plans:action-detail", action.pk) + "#decisions",
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.RECORD_DECISION)
def decision_on_thread(request: HttpRequest, action_pk: int) -> HttpResponse:
    membership = _membership(request)
    action = get_scoped(Action, membership.partnership, action_pk)
    return _record_page(
        request,
        subject=Subject.THREAD,
        action=action,
        about=action.title,
        back_url=_url(membership, "plans:action-detail", action.pk) + "#comments",
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.RECORD_DECISION)
def decision_on_measure(request: HttpRequest, measure_pk: int) -> HttpResponse:
    membership = _membership(request)
    measure = get_scoped(Measure, membership.partnership, measure_pk)
    return _record_page(
        request,
        subject=Subject.MEASURE,
        measure=measure,
        about=str(measure),
        back_url=_url(membership, "measures:measure-detail", measure.pk) + "#decisions",
    )


@require_GET
@partnership_view()
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    decision = selectors.decision_detail(membership.partnership, pk)
    return render(
        request,
        "meetings/decision_detail.html",
        {
            "decision": decision,
            "entry": selectors.entry(decision, as_of=timezone.localdate()),
            "can_record": can(membership, Perm.RECORD_DECISION, decision),
            "can_create_action": can(membership, Perm.RECORD_DECISION, decision)
            and can(membership, Perm.EDIT_PLAN)
            and decision.created_action_id is None,
        },
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.RECORD_DECISION)
def decision_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    decision = selectors.decision_detail(membership.partnership, pk)
    back_url = _url(membership, "meetings:decision-detail", decision.pk)

    def save(form: VersionedForm) -> Decision:
        fields, _m2m = form.field_values()
        return services.decision_update(
            decision, membership=membership, expected_version=form.expected_version(), **fields
        )

    return form_page(
        request,
        make_form=lambda data, instance: DecisionEditForm(
            data, instance=instance, **_choices(membership)
        ),
        instance=decision,
        save=save,
        title=_("Change the decision"),
        back_url=back_url,
        context={"about": selectors.entry(decision, as_of=timezone.localdate()).about},
        template="meetings/decision_form.html",
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_PLAN)
def decision_action_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The improvement aim the decision asks for (plan owners: the plan's own rule)."""
    membership = _membership(request)
    decision = selectors.decision_detail(membership.partnership, pk)
    require(membership, Perm.RECORD_DECISION, decision)
    back_url = _url(membership, "meetings:decision-detail", decision.pk)
    if decision.created_action_id is not None:
        raise NotFound()  # already made: the decision's page links to it
    drivers = Driver.objects.filter(
        partnership_id=membership.partnership_id, outcome__plan=decision.plan
    ).order_by("outcome__position", "position", "id")

    def make_form(data: Any, instance: Any) -> VersionedForm:
        form = DecisionActionForm(
            data, instance=instance, drivers=drivers, people=members_of(membership.partnership)
        )
        if not form.is_bound:
            form.initial.update(
                title=decision.follow_up or decision.text, decision_version=decision.version
            )
        return form

    def save(form: VersionedForm) -> Action:
        fields, m2m = form.field_values()
        return services.decision_action_create(
            decision,
            membership=membership,
            expected_version=form.cleaned_data["decision_version"],
            driver=form.cleaned_data["key_driver"],
            fields=fields,
            m2m=m2m,
        )

    return form_page(
        request,
        make_form=make_form,
        save=save,
        title=_("Create the improvement aim this decision asks for"),
        back_url=back_url,
        success_url=lambda a: _url(membership, "plans:action-detail", a.pk),
        context={"about": decision.text},
        template="meetings/decision_form.html",
    )


@require_GET
@partnership_view()
def decision_log_page(request: HttpRequest) -> HttpResponse:
    """The plan's decisions: every one, newest first, or one reporting period's log as the
    board pack carries it (`selectors.decision_log`)."""
    membership = _membership(request)
    plans = list(membership.partnership.plans.all())
    plan = _chosen(plans, request.GET.get("plan")) or current_plan(plans)
    periods: list[ReportingPeriod] = []
    period = None
    entries: list[selectors.DecisionEntry] = []
    if plan is not None:
        periods = list(plan.periods.all())
        period = _chosen(periods, request.GET.get("period"))
        if period is not None:
            entries = selectors.decision_log(plan, period)
        else:
            entries = selectors.plan_decisions(plan)
    return render(
        request,
        "meetings/decision_log.html",
        {"plans": plans, "plan": plan, "periods": periods, "period": period, "entries": entries},
    )


def _chosen(options: list[Any], raw: str | None) -> Any:
    """The option whose id the query string names; NotFound for an id not offered."""
    if not raw:
        return None
    try:
        pk = int(raw)
    except ValueError as exc:
        raise Invalid(_("Choose from the list.")) from exc
    found = next((o for o in options if o.pk == pk), None)
    if found is None:
        raise NotFound()
    return found
