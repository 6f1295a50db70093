"""Pages for the inspection and the plan. Views parse input, call selectors and services,
and render; permission is decided by the policy through `partnership_view`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from trellis.accounts.policy import Perm, can, require
from trellis.plans import forms, selectors
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
from trellis.plans.plan_table import plan_table_body
from trellis.plans.services import plan_item_create, plan_item_update
from trellis.progress.overview import actions_due
from trellis.reports.views import dashboard_page
from trellis.views import form_page, partnership_view

FORM_METHODS = ["GET", "POST"]


def _url(request: HttpRequest, name: str, *args: Any) -> str:
    return reverse(name, args=[request.membership.partnership.slug, *args])  # type: ignore[attr-defined]


def _saver(request: HttpRequest, model: type, parent: Any = None, obj: Any = None) -> Any:
    """The save step of a create or edit form: the service, with the form's values."""
    membership = request.membership  # type: ignore[attr-defined]

    def save(form: forms.VersionedForm) -> Any:
        fields, m2m = form.field_values()
        if obj is None:
            return plan_item_create(
                model, membership=membership, parent=parent, fields=fields, m2m=m2m
            )
        return plan_item_update(
            obj,
            membership=membership,
            expected_version=form.expected_version(),
            fields=fields,
            m2m=m2m,
        )

    return save


# Partnership home and "My actions"


@require_GET
@partnership_view()
def partnership_home(request: HttpRequest) -> HttpResponse:
    """The first page after sign-in: the partnership dashboard (trellis.reports)."""
    return dashboard_page(request)


@require_GET
@partnership_view()
def my_actions(request: HttpRequest) -> HttpResponse:
    actions = list(selectors.my_actions(request.membership))  # type: ignore[attr-defined]
    # What is due from them: each action's update for its plan's current period.
    due = actions_due(actions)
    rows = [(action, due.get(action.pk)) for action in actions]
    return render(request, "plans/my_actions.html", {"actions": actions, "rows": rows})


# Inspections


@require_GET
@partnership_view()
def inspection_list(request: HttpRequest) -> HttpResponse:
    partnership = request.membership.partnership  # type: ignore[attr-defined]
    inspections = list(Inspection.objects.filter(partnership=partnership))
    can_edit = can(request.membership, Perm.EDIT_INSPECTION)  # type: ignore[attr-defined]
    return render(
        request,
        "plans/inspection_list.html",
        {"inspections": inspections, "can_edit": can_edit},
    )


@require_GET
@partnership_view()
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.membership.partnership  # type: ignore[attr-defined]
    inspection = selectors.inspection_detail(partnership, pk)
    findings = list(inspection.findings.all())
    return render(
        request,
        "plans/inspection_detail.html",
        {
            "inspection": inspection,
            "strengths": [f for f in findings if f.kind == Finding.Kind.STRENGTH],
            "areas": [f for f in findings if f.kind == Finding.Kind.AREA],
            "can_edit": can(request.membership, Perm.EDIT_INSPECTION),  # type: ignore[attr-defined]
        },
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_INSPECTION)
def inspection_create(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        make_form=lambda data, instance: forms.InspectionForm(data, instance=instance),
        save=_saver(request, Inspection),
        title=_("Add an inspection"),
        back_url=_url(request, "plans:inspection-list"),
        success_url=lambda obj: _url(request, "plans:inspection-detail", obj.pk),
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_INSPECTION)
def inspection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.get_scoped(Inspection, request.membership.partnership, pk)  # type: ignore[attr-defined]
    back = _url(request, "plans:inspection-detail", pk)
    return form_page(
        request,
        make_form=lambda data, instance: forms.InspectionForm(data, instance=instance),
        instance=inspection,
        save=_saver(request, Inspection, obj=inspection),
        title=_("Edit the inspection"),
        back_url=back,
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_INSPECTION)
def quality_indicator_create(request: HttpRequest, inspection_pk: int) -> HttpResponse:
    inspection = selectors.get_scoped(Inspection, request.membership.partnership, inspection_pk)  # type: ignore[attr-defined]
    return form_page(
        request,
        make_form=lambda data, instance: forms.QualityIndicatorForm(data, instance=instance),
        save=_saver(request, QualityIndicator, parent=inspection),
        title=_("Add a quality indicator"),
        back_url=_url(request, "plans:inspection-detail", inspection.pk),
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_INSPECTION)
def quality_indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    qi = selectors.get_scoped(QualityIndicator, request.membership.partnership, pk)  # type: ignore[attr-defined]
    return form_page(
        request,
        make_form=lambda data, instance: forms.QualityIndicatorForm(data, instance=instance),
        instance=qi,
        save=_saver(request, QualityIndicator, obj=qi),
        title=_("Edit the quality indicator"),
        back_url=_url(request, "plans:inspection-detail", qi.inspection_id),
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_INSPECTION)
def finding_create(request: HttpRequest, inspection_pk: int) -> HttpResponse:
    inspection = selectors.get_scoped(Inspection, request.membership.partnership, inspection_pk)  # type: ignore[attr-defined]
    return form_page(
        request,
        make_form=lambda data, instance: forms.FindingForm(data, instance=instance),
        save=_saver(request, Finding, parent=inspection),
        title=_("Add a strength or area for improvement"),
        back_url=_url(request, "plans:inspection-detail", inspection.pk),
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_INSPECTION)
def finding_edit(request: HttpRequest, pk: int) -> HttpResponse:
    finding = selectors.get_scoped(Finding, request.membership.partnership, pk)  # type: ignore[attr-defined]
    return form_page(
        request,
        make_form=lambda data, instance: forms.FindingForm(data, instance=instance),
        instance=finding,
        save=_saver(request, Finding, obj=finding),
        title=_("Edit the finding"),
        back_url=_url(request, "plans:inspection-detail", finding.inspection_id),
    )


# Plans


@require_GET
@partnership_view()
def plan_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    return render(
        request,
        "plans/plan_list.html",
        {
            "plans": list(selectors.plans_for(membership.partnership)),
            "can_edit": can(membership, Perm.EDIT_PLAN),
        },
    )


@require_GET
@partnership_view()
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    plan = selectors.plan_tree(membership.partnership, pk)
    groups = selectors.plan_rows(plan)
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "has_rows": bool(groups),
            "table_body": plan_table_body(
                groups, slug=membership.partnership.slug, membership=membership
            ),
            "can_edit": can(membership, Perm.EDIT_PLAN),
        },
    )


def _plan_form(request: HttpRequest) -> Any:
    inspections = Inspection.objects.filter(partnership=request.membership.partnership)  # type: ignore[attr-defined]
    return lambda data, instance: forms.PlanForm(data, instance=instance, inspections=inspections)


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_PLAN)
def plan_create(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        make_form=_plan_form(request),
        save=_saver(request, Plan),
        title=_("Start a plan"),
        back_url=_url(request, "plans:plan-list"),
        success_url=lambda obj: _url(request, "plans:plan-detail", obj.pk),
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_PLAN)
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_scoped(Plan, request.membership.partnership, pk)  # type: ignore[attr-defined]
    return form_page(
        request,
        make_form=_plan_form(request),
        instance=plan,
        save=_saver(request, Plan, obj=plan),
        title=_("Edit the plan"),
        back_url=_url(request, "plans:plan-detail", pk),
    )


# Outcomes


@require_GET
@partnership_view()
def outcome_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    outcome = selectors.outcome_tree(membership.partnership, pk)
    return render(
        request,
        "plans/outcome_detail.html",
        {"outcome": outcome, "can_edit": can(membership, Perm.EDIT_PLAN)},
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_PLAN)
def outcome_create(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = selectors.get_scoped(Plan, request.membership.partnership, plan_pk)  # type: ignore[attr-defined]
    return form_page(
        request,
        make_form=lambda data, instance: forms.OutcomeForm(data, instance=instance),
        save=_saver(request, Outcome, parent=plan),
        title=_("Add a stretch outcome"),
        back_url=_url(request, "plans:plan-detail", plan.pk),
        success_url=lambda obj: _url(request, "plans:outcome-detail", obj.pk),
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_PLAN)
def outcome_edit(request: HttpRequest, pk: int) -> HttpResponse:
    outcome = selectors.get_scoped(Outcome, request.membership.partnership, pk)  # type: ignore[attr-defined]
    return form_page(
        request,
        make_form=lambda data, instance: forms.OutcomeForm(data, instance=instance),
        instance=outcome,
        save=_saver(request, Outcome, obj=outcome),
        title=_("Edit the stretch outcome"),
        back_url=_url(request, "plans:outcome-detail", pk),
    )


# Drivers


def _driver_form(request: HttpRequest, outcome: Outcome) -> Any:
    areas = Finding.objects.filter(
        partnership=request.membership.partnership,  # type: ignore[attr-defined]
        kind=Finding.Kind.AREA,
    ).filter(inspection__plans=outcome.plan_id)
    return lambda data, instance: forms.DriverForm(data, instance=instance, areas=areas)


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_PLAN)
def driver_create(request: HttpRequest, outcome_pk: int) -> HttpResponse:
    outcome = selectors.get_scoped(Outcome, request.membership.partnership, outcome_pk)  # type: ignore[attr-defined]
    return form_page(
        request,
        make_form=_driver_form(request, outcome),
        save=_saver(request, Driver, parent=outcome),
        title=_("Add a key driver"),
        back_url=_url(request, "plans:outcome-detail", outcome.pk),
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_PLAN)
def driver_edit(request: HttpRequest, pk: int) -> HttpResponse:
    driver = selectors.get_scoped(Driver, request.membership.partnership, pk)  # type: ignore[attr-defined]
    return form_page(
        request,
        make_form=_driver_form(request, driver.outcome),
        instance=driver,
        save=_saver(request, Driver, obj=driver),
        title=_("Edit the key driver"),
        back_url=_url(request, "plans:outcome-detail", driver.outcome_id),
    )


# Actions


@require_GET
@partnership_view()
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    action = selectors.action_detail(membership.partnership, pk)
    return render(
        request,
        "plans/action_detail.html",
        {
            "action": action,
            "can_edit": can(membership, Perm.EDIT_PLAN),
            "can_update": can(membership, Perm.UPDATE_ACTION, action),
        },
    )


def _action_form(request: HttpRequest) -> Any:
    people = selectors.members_of(request.membership.partnership)  # type: ignore[attr-defined]
    return lambda data, instance: forms.ActionForm(data, instance=instance, people=people)


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_PLAN)
def action_create(request: HttpRequest, driver_pk: int) -> HttpResponse:
    driver = selectors.get_scoped(Driver, request.membership.partnership, driver_pk)  # type: ignore[attr-defined]
    return form_page(
        request,
        make_form=_action_form(request),
        save=_saver(request, Action, parent=driver),
        title=_("Add an improvement aim"),
        back_url=_url(request, "plans:outcome-detail", driver.outcome_id),
        success_url=lambda obj: _url(request, "plans:action-detail", obj.pk),
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.EDIT_PLAN)
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.get_scoped(Action, request.membership.partnership, pk)  # type: ignore[attr-defined]
    return form_page(
        request,
        make_form=_action_form(request),
        instance=action,
        save=_saver(request, Action, obj=action),
        title=_("Edit the improvement aim"),
        back_url=_url(request, "plans:action-detail", pk),
    )


# Milestones: the action's lead and deputies keep them current, as do plan owners.


@require_http_methods(FORM_METHODS)
@partnership_view()
def milestone_create(request: HttpRequest, action_pk: int) -> HttpResponse:
    action = selectors.get_scoped(Action, request.membership.partnership, action_pk)  # type: ignore[attr-defined]
    require(request.membership, Perm.UPDATE_ACTION, action)  # type: ignore[attr-defined]
    return form_page(
        request,
        make_form=lambda data, instance: forms.MilestoneForm(data, instance=instance),
        save=_saver(request, Milestone, parent=action),
        title=_("Add a milestone"),
        back_url=_url(request, "plans:action-detail", action.pk),
    )


@require_http_methods(FORM_METHODS)
@partnership_view()
def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = selectors.get_scoped(Milestone, request.membership.partnership, pk)  # type: ignore[attr-defined]
    require(request.membership, Perm.UPDATE_ACTION, milestone.action)  # type: ignore[attr-defined]
    return form_page(
        request,
        make_form=lambda data, instance: forms.MilestoneForm(data, instance=instance),
        instance=milestone,
        save=_saver(request, Milestone, obj=milestone),
        title=_("Update the milestone"),
        back_url=_url(request, "plans:action-detail", milestone.action_id),
    )
