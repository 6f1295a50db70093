"""The plan owner's overview of a period, and its CSV download.

Every member of the partnership may read it (DESIGN: owners compile, board members read
dashboards, inspectors read everything but record-level data; nothing here is record
level). What each update's RAG shows, and everything the table holds, is decided by
`trellis.progress.overview`; these views only read the filters and lay the result out.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from trellis.accounts.models import Membership
from trellis.csvsafe import csv_response
from trellis.errors import Invalid
from trellis.forms import GovukFormMixin
from trellis.progress.overview import (
    LATE,
    RAG_VALUES,
    STATE_VALUES,
    Count,
    Filters,
    Option,
    Overview,
    overview_csv_rows,
    overview_filter,
    overview_load,
    rag_labels,
    state_labels,
)
from trellis.views import partnership_view

FILTERS = ("outcome", "agency", "group", "lead", "state", "rag")


def _choices(options: list[Option]) -> list[tuple[str, str]]:
    return [("", _("All")), *((str(o.value), o.label) for o in options)]


class OverviewFilterForm(GovukFormMixin, forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("Reporting period"), required=False)
    outcome = forms.ChoiceField(label=gettext_lazy("Stretch outcome"), required=False)
    agency = forms.ChoiceField(label=gettext_lazy("Lead's agency"), required=False)
    group = forms.ChoiceField(
        label=gettext_lazy("Governance group"),
        required=False,
        help_text=gettext_lazy("Actions whose lead chairs or sits on the group"),
    )
    lead = forms.ChoiceField(label=gettext_lazy("Accountable lead"), required=False)
    state = forms.ChoiceField(label=gettext_lazy("Update state"), required=False)
    rag = forms.ChoiceField(label=gettext_lazy("Status"), required=False)

    def __init__(self, data: QueryDict, *, overview: Overview) -> None:
        super().__init__(data)
        fields = self.fields
        periods = [(str(p.pk), p.label) for p in overview.periods]
        states, rags = state_labels(), rag_labels()
        fields["period"].choices = periods  # type: ignore[attr-defined]
        fields["outcome"].choices = _choices(overview.outcomes)  # type: ignore[attr-defined]
        fields["agency"].choices = _choices(overview.agencies)  # type: ignore[attr-defined]
        fields["group"].choices = _choices(overview.groups)  # type: ignore[attr-defined]
        fields["lead"].choices = _choices(overview.leads)  # type: ignore[attr-defined]
        fields["state"].choices = [  # type: ignore[attr-defined]
            ("", _("All")),
            *((v, states[v]) for v in (*STATE_VALUES, LATE)),
        ]
        fields["rag"].choices = [("", _("All")), *((v, rags[v]) for v in RAG_VALUES)]  # type: ignore[attr-defined]

    def filters(self) -> Filters:
        data = self.cleaned_data

        def number(name: str) -> int | None:
            return int(data[name]) if data.get(name) else None

        return Filters(
            outcome=number("outcome"),
            agency=number("agency"),
            group=number("group"),
            lead=number("lead"),
            state=data.get("state") or "",
            rag=data.get("rag") or "",
        )


def _period_pk(request: HttpRequest) -> int | None:
    value = request.GET.get("period", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def _load(request: HttpRequest, plan_pk: int) -> tuple[Overview, OverviewFilterForm, QueryDict]:
    """The overview, its filter form, and the query it answers: the request's, with the
    period shown always named, so every link from the page keeps it."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    overview = overview_load(membership, plan_pk, period_pk=_period_pk(request))
    query = request.GET.copy()
    if overview.period is not None and not query.get("period"):
        query["period"] = str(overview.period.pk)
    return overview, OverviewFilterForm(query, overview=overview), query


def _link(query: QueryDict, **changes: str) -> str:
    """The current query string with `changes` applied; empty values are left out."""
    values = {key: str(query.get(key, "")) for key in query} | changes
    linked = QueryDict(mutable=True)
    linked.update({key: value for key, value in values.items() if value})
    return "?" + linked.urlencode()


def _count_links(query: QueryDict, key: str, counts: list[Count], chosen: str) -> list[Any]:
    return [
        {"count": c, "href": _link(query, **{key: c.value}), "current": c.value == chosen}
        for c in counts
    ]


def _action_url_parts(slug: str) -> dict[str, str]:
    """An action's address around its id, reversed once rather than once a row."""
    marker = "2147483647"
    head, tail = reverse("plans:action-detail", args=[slug, int(marker)]).split(marker)
    return {"action_url_head": head, "action_url_tail": tail}


@require_GET
@partnership_view()
def overview_page(request: HttpRequest, plan_pk: int) -> HttpResponse:
    overview, form, query = _load(request, plan_pk)
    context: dict[str, Any] = {"overview": overview, "plan": overview.plan, "form": form}
    if not form.is_valid():
        return render(request, "progress/overview.html", context, status=400)
    filters = form.filters()
    result = overview_filter(overview, filters)
    context |= {
        "result": result,
        "filters": filters,
        "state_counts": _count_links(query, "state", result.state_counts, filters.state),
        "rag_counts": _count_links(query, "rag", result.rag_counts, filters.rag),
        "all_states_href": _link(query, state=""),
        "all_rags_href": _link(query, rag=""),
        "clear_href": _link(query, **dict.fromkeys(FILTERS, "")),
        "csv_query": _link(query),
        "late_label": _("Late"),
        **_action_url_parts(request.membership.partnership.slug),  # type: ignore[attr-defined]
    }
    return render(request, "progress/overview.html", context)


@require_GET
@partnership_view()
def overview_csv(request: HttpRequest, plan_pk: int) -> HttpResponse:
    overview, form, _query = _load(request, plan_pk)
    if not form.is_valid():
        raise Invalid(_("The filters are not valid. Go back to the overview and choose again."))
    result = overview_filter(overview, form.filters())
    period = overview.period.label if overview.period else ""
    filename = f"overview-{slugify(overview.plan.title)[:50]}-{slugify(period)}.csv"
    return csv_response(overview_csv_rows(overview, result), filename=filename)


P = "p/<slug:slug>/"

urlpatterns = [
    path(P + "plans/<int:plan_pk>/overview/", overview_page, name="overview"),
    path(P + "plans/<int:plan_pk>/overview/csv/", overview_csv, name="overview-csv"),
]
