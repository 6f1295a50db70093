"""Pages for progress updates: write (save a draft or submit for sign-off), read, accept or
return, and the history of every change. Each step is a service of
trellis.progress.services; these views parse input, pick what to show and render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trellis.accounts.models import Group, Membership
from trellis.accounts.policy import Perm, can, is_lead_or_deputy, require
from trellis.core.textdiff import word_diff
from trellis.errors import Conflict, Invalid, NotFound
from trellis.forms import show_invalid
from trellis.plans.models import Action, Milestone
from trellis.plans.services import milestone_progress
from trellis.progress.drafts import keeps_work, take_kept_work
from trellis.progress.forms import ReturnForm, UpdateForm
from trellis.progress.models import (
    RAG_MEANINGS,
    ProgressUpdate,
    ReportingPeriod,
    UpdateState,
)
from trellis.progress.selectors import may_see_content
from trellis.progress.services import update_accept, update_return, update_save, update_submit
from trellis.progress.templatetags.progress_updates import WRITABLE_STATES
from trellis.views import form_page, partnership_view

KEPT_FIELDS = ("rag", "narrative", "version")


def _url(membership: Membership, name: str, *args: Any) -> str:
    return reverse(name, args=[membership.partnership.slug, *args])


def _action(membership: Membership, pk: int) -> Action:
    action = (
        Action.objects.filter(partnership_id=membership.partnership_id, pk=pk)
        .select_related("driver__outcome__plan", "lead")
        .prefetch_related("deputies", "milestones")
        .first()
    )
    if action is None:
        raise NotFound()
    return action


def _period(action: Action, pk: int) -> ReportingPeriod:
    period = ReportingPeriod.objects.filter(plan_id=action.driver.outcome.plan_id, pk=pk).first()
    if period is None:
        raise NotFound()
    return period


def _update(membership: Membership, pk: int) -> ProgressUpdate:
    update = (
        ProgressUpdate.objects.filter(partnership_id=membership.partnership_id, pk=pk)
        .select_related(
            "period", "action__driver__outcome__plan", "author", "on_behalf_of", "reviewed_by"
        )
        .prefetch_related("restricted_to", "action__deputies")
        .first()
    )
    if update is None:
        raise NotFound()
    return update


def _posted_version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version") or 0)
    except ValueError:
        return 0


def _last_period_update(
    membership: Membership, action: Action, period: ReportingPeriod
) -> dict[str, Any]:
    """Last period's update for the action, as the side panel of the form shows it."""
    before = (
        ReportingPeriod.objects.filter(plan_id=period.plan_id, starts__lt=period.starts)
        .order_by("-starts")
        .first()
    )
    update = (
        ProgressUpdate.objects.filter(action=action, period=before)
        .prefetch_related("restricted_to")
        .first()
        if before
        else None
    )
    visible = update is not None and may_see_content(membership, update.restricted_to.all(), action)
    return {"period": before, "update": update, "visible": visible}


# Write an update


def _make_form(membership: Membership, action: Action, kept: dict[str, str] | None) -> Any:
    def make(data: Any, instance: ProgressUpdate | None) -> UpdateForm:
        form = UpdateForm(
            data,
            instance=instance,
            groups=Group.objects.filter(partnership_id=membership.partnership_id),
            milestones=list(action.milestones.all()),
        )
        if data is None and kept:
            form.initial.update({k: v for k, v in kept.items() if k in KEPT_FIELDS})
        return form

    return make


def _saver(request: HttpRequest, action: Action, period: ReportingPeriod) -> Any:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    submitting = request.POST.get("intent") == "submit"

    def save(form: UpdateForm) -> ProgressUpdate:
        with transaction.atomic():
            update = update_save(
                membership=membership,
                action=action,
                period=period,
                rag=form.cleaned_data["rag"],
                narrative=form.cleaned_data["narrative"],
                restricted_to=form.cleaned_data["restricted_to"],
                expected_version=form.expected_version(),
            )
            for milestone, change in form.milestone_changes():
                _record_milestone(membership, milestone, change)
            if submitting:
                update = update_submit(
                    membership=membership, update=update, expected_version=update.version
                )
        messages.success(request, _("Submitted for sign-off.") if submitting else _("Draft saved."))
        return update

    return save


def _record_milestone(membership: Membership, milestone: Milestone, change: dict[str, Any]) -> None:
    """The milestone's part of the form; a refusal names the form's own fields."""
    try:
        milestone_progress(milestone, membership=membership, **change)
    except Invalid as exc:
        fields = {f"m{milestone.pk}-{name}": errors for name, errors in exc.errors.items()}
        raise Invalid(exc.message, fields) from exc


@keeps_work(*KEPT_FIELDS)
@require_http_methods(["GET", "POST"])
@partnership_view()
def update_write(request: HttpRequest, action_pk: int, period_pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    action = _action(membership, action_pk)
    period = _period(action, period_pk)
    require(membership, Perm.WRITE_UPDATE, action)
    update = (
        ProgressUpdate.objects.filter(action=action, period=period)
        .select_related("author", "on_behalf_of", "reviewed_by")
        .first()
    )
    context: dict[str, Any] = {
        "action": action,
        "period": period,
        "update": update,
        "last": _last_period_update(membership, action, period),
        "as_deputy": action.lead_id not in (None, membership.person_id)
        and is_lead_or_deputy(membership, action),
    }
    title = _("Update for %(period)s") % {"period": period.label}
    back_url = _url(membership, "plans:action-detail", action.pk)
    if request.method == "GET" and (
        period.is_closed or (update.state if update else None) not in WRITABLE_STATES
    ):
        context.update(readonly=True, title=title, back_url=back_url)
        return render(request, "progress/update_form.html", context)
    kept = take_kept_work(request) if request.method == "GET" else None
    return form_page(
        request,
        make_form=_make_form(membership, action, kept),
        instance=update,
        save=_saver(request, action, period),
        title=title,
        back_url=back_url,
        success_url=lambda saved: _url(membership, "progress:update-detail", saved.pk),
        context={**context, "kept": bool(kept)},
        template="progress/update_form.html",
    )


# Read, accept and return


def _detail(
    request: HttpRequest,
    update: ProgressUpdate,
    *,
    return_form: ReturnForm | None = None,
    conflict: Conflict | None = None,
    status: int = 200,
) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    action, period = update.action, update.period
    open_now = not period.is_closed
    context = {
        "update": update,
        "action": action,
        "period": period,
        "visible": may_see_content(membership, update.restricted_to.all(), action),
        "groups": [g.name for g in update.restricted_to.all()],
        "rag_meaning": RAG_MEANINGS.get(update.rag, ""),  # type: ignore[call-overload]
        "can_review": open_now
        and update.state == UpdateState.SUBMITTED
        and can(membership, Perm.REVIEW_UPDATE, update),
        "can_write": open_now
        and update.state in WRITABLE_STATES
        and can(membership, Perm.WRITE_UPDATE, action),
        "return_form": return_form or ReturnForm(initial={"version": update.version}),
        "form": return_form,  # for the error summary
        "conflict": conflict,
    }
    return render(request, "progress/update_detail.html", context, status=status)


@require_GET
@partnership_view()
def update_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _update(request.membership, pk))  # type: ignore[attr-defined]


@require_POST
@partnership_view()
def update_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    update = _update(membership, pk)
    update_accept(membership=membership, update=update, expected_version=_posted_version(request))
    messages.success(request, _("Update accepted."))
    return redirect(_url(membership, "progress:update-detail", update.pk))


@require_POST
@partnership_view()
def update_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    update = _update(membership, pk)
    require(membership, Perm.REVIEW_UPDATE, update)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            update_return(
                membership=membership,
                update=update,
                expected_version=form.expected_version(),
                reason=form.cleaned_data["reason"],
            )
        except Conflict as exc:
            fresh = _update(membership, pk)
            return _detail(request, fresh, return_form=form, conflict=exc, status=409)
        except Invalid as exc:
            show_invalid(form, exc)
        else:
            messages.success(request, _("Update returned to its lead."))
            return redirect(_url(membership, "progress:update-detail", update.pk))
    return _detail(request, update, return_form=form, status=400)


# History


@require_GET
@partnership_view()
def update_history(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    update = _update(membership, pk)
    visible = may_see_content(membership, update.restricted_to.all(), update.action)
    entries: list[dict[str, Any]] = []
    previous = None
    for revision in update.revisions.select_related("by"):
        changed = previous is not None and previous.narrative != revision.narrative
        entries.append(
            {
                "revision": revision,
                "previous": previous,
                "diff": word_diff(previous.narrative, revision.narrative)
                if visible and changed and previous
                else [],
                "text_changed": changed,
            }
        )
        previous = revision
    entries.reverse()  # newest first
    return render(
        request,
        "progress/update_history.html",
        {
            "update": update,
            "action": update.action,
            "visible": visible,
            "groups": [g.name for g in update.restricted_to.all()],
            "entries": entries,
        },
    )


P = "p/<slug:slug>/"

urlpatterns = [
    path(
        P + "actions/<int:action_pk>/periods/<int:period_pk>/update/",
        update_write,
        name="update-write",
    ),
    path(P + "updates/<int:pk>/", update_detail, name="update-detail"),
    path(P + "updates/<int:pk>/history/", update_history, name="update-history"),
    path(P + "updates/<int:pk>/accept/", update_accept_view, name="update-accept"),
    path(P + "updates/<int:pk>/return/", update_return_view, name="update-return"),
]
