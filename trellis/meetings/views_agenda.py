"""The meeting pages: choose a group, then see what is due to it (trellis.meetings.agenda)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from trellis.accounts.models import Group, Membership
from trellis.accounts.policy import Perm, can
from trellis.errors import Invalid
from trellis.meetings.agenda import GROUP, SCOPES, agenda_load
from trellis.plans.selectors import get_scoped
from trellis.views import partnership_view


@require_GET
@partnership_view()
def meeting_list(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    groups = Group.objects.filter(partnership_id=membership.partnership_id).select_related("chair")
    return render(request, "meetings/meeting_list.html", {"groups": groups})


@require_GET
@partnership_view()
def meeting(request: HttpRequest, group_pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    group = get_scoped(Group, membership.partnership, group_pk)
    scope = request.GET.get("scope") or GROUP
    raw_plan = request.GET.get("plan") or ""
    if scope not in SCOPES or (raw_plan and not raw_plan.isdigit()):
        raise Invalid("Choose from the list.")
    agenda = agenda_load(
        membership, group, plan_pk=int(raw_plan) if raw_plan else None, scope=scope
    )
    return render(
        request,
        "meetings/meeting.html",
        {"agenda": agenda, "can_record": can(membership, Perm.RECORD_DECISION)},
    )
