"""The annual turn of the plan: the page on which a plan owner closes a plan and starts its
successor (trellis.plans.turn does the work)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from trellis.accounts.policy import Perm
from trellis.forms import DateInput, VersionedForm
from trellis.plans import selectors, turn
from trellis.plans.models import Plan
from trellis.views import form_page, partnership_view


class PlanTurnForm(VersionedForm):
    """The successor's title and dates; the version is the closing plan's."""

    class Meta:
        model = Plan
        fields = ["title", "starts", "ends"]
        widgets = {"starts": DateInput(), "ends": DateInput()}
        labels = {
            "title": gettext_lazy("Title of the new plan"),
            "starts": gettext_lazy("The new plan starts"),
            "ends": gettext_lazy("The new plan ends"),
        }
        help_texts = {
            "title": gettext_lazy("For example Children's Services Improvement Plan 2020–2021"),
        }

    def __init__(self, data: Any = None, *, predecessor: Plan) -> None:
        super().__init__(data)
        self.predecessor = predecessor
        if not self.is_bound:
            starts = predecessor.ends + dt.timedelta(days=1)
            self.initial.update(
                version=predecessor.version,
                starts=starts,
                ends=starts.replace(year=starts.year + 1) - dt.timedelta(days=1),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        errors = turn.turn_errors(
            self.predecessor, data.get("title", ""), data.get("starts"), data.get("ends")
        )
        for name, messages in errors.items():
            if name not in self.errors:
                for message in messages:
                    self.add_error(name, message)
        return data


@require_http_methods(["GET", "POST"])
@partnership_view(Perm.EDIT_PLAN)
def plan_turn(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    slug = membership.partnership.slug
    plan = selectors.get_scoped(Plan, membership.partnership, pk)

    def save(form: VersionedForm) -> Plan:
        data = form.cleaned_data
        return turn.plan_turn(
            membership=membership,
            plan=plan,
            title=data["title"],
            starts=data["starts"],
            ends=data["ends"],
            expected_version=form.expected_version(),
        )

    return form_page(
        request,
        make_form=lambda data, instance: PlanTurnForm(data, predecessor=instance),
        instance=plan,
        save=save,
        title=_("Close this plan and start its successor"),
        back_url=reverse("plans:plan-detail", args=[slug, plan.pk]),
        success_url=lambda new: reverse("plans:plan-detail", args=[slug, new.pk]),
        context={"plan": plan, "preview": turn.turn_preview(plan)},
        template="plans/plan_turn.html",
    )
