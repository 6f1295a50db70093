"""The write endpoints: a progress update's draft and its submission, a manual measure's
figure, and a milestone's completion. Each parses the body and calls the very service the
web page calls, so permission, validation, audit and the stale-version check (409) are the
same; the answer is the written record as its collection lists it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse

from trellis.accounts.models import Membership
from trellis.accounts.policy import Perm, require
from trellis.api.collections_measures import observation_row
from trellis.api.collections_plans import MILESTONES
from trellis.api.collections_progress import update_row, updates_queryset
from trellis.api.fields import Query
from trellis.api.framework import api_endpoint, json_body, json_response
from trellis.api.views import collection_page
from trellis.errors import Conflict, Invalid, NotFound
from trellis.measures import services as measure_services
from trellis.measures.models import Observation
from trellis.measures.selectors import assess, measures_of_partnership, viewer_thresholds
from trellis.plans import services as plan_services
from trellis.plans.models import Action, Milestone
from trellis.plans.selectors import get_scoped
from trellis.progress import services as progress_services
from trellis.progress.models import ProgressUpdate, ReportingPeriod

NUMBER_MAX = 1e12  # no measure's figure is larger; keeps every sum finite
YEARS = (1900, 2100)


def _field(body: dict[str, Any], name: str, kind: type | tuple[type, ...], required: bool) -> Any:
    value = body.get(name)
    if value is None:
        if required:
            raise Invalid(f"Give {name}.", {name: ["This field is required."]})
        return None
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        raise Invalid(f"{name} has the wrong type.", {name: ["Wrong type."]})
    return value


def _int(body: dict[str, Any], name: str, required: bool = True) -> int | None:
    value = _field(body, name, int, required)
    if value is not None and value < 1:
        raise Invalid(f"{name} must be 1 or more.", {name: ["Must be 1 or more."]})
    return value


def _number(body: dict[str, Any], name: str) -> float | None:
    value = _field(body, name, (int, float), False)
    if value is not None and not -NUMBER_MAX <= value <= NUMBER_MAX:
        message = f"{name} must be between -{NUMBER_MAX:.0e} and {NUMBER_MAX:.0e}."
        raise Invalid(message, {name: [message]})
    return None if value is None else float(value)


def _date(body: dict[str, Any], name: str, required: bool = True) -> dt.date | None:
    value = _field(body, name, str, required)
    if value is None:
        return None
    try:
        when = dt.date.fromisoformat(value)
    except ValueError:
        when = None
    if when is None or not YEARS[0] <= when.year <= YEARS[1]:
        message = f"{name} must be a date such as 2026-03-31, from {YEARS[0]} to {YEARS[1]}."
        raise Invalid(message, {name: [message]})
    return when


def _query(membership: Membership) -> Query:
    return Query(membership=membership, thresholds=viewer_thresholds(membership))


def _stale(obj: Any) -> Conflict:
    return Conflict(
        "The record exists: send the version you read to change it.",
        changed_by=str(obj.updated_by) if obj.updated_by else "someone",
        changed_at=obj.updated_at,
        current=obj,
    )


@api_endpoint("GET", "POST")
def updates_endpoint(request: HttpRequest) -> HttpResponse:
    """GET lists the updates (as every collection); POST saves a draft."""
    if request.method == "POST":
        return update_save(request)
    return collection_page(request, "updates")


def update_save(request: HttpRequest) -> HttpResponse:
    """Write (or rewrite) the draft of an action's update for a period."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    body = json_body(request)
    action_pk, period_pk = _int(body, "action"), _int(body, "period")
    rag, narrative = _field(body, "rag", str, True), _field(body, "narrative", str, True)
    version = _int(body, "version", required=False)
    action = get_scoped(Action, membership.partnership, action_pk or 0)
    period = get_scoped(ReportingPeriod, membership.partnership, period_pk or 0)
    existing = ProgressUpdate.objects.filter(action=action, period=period).first()
    if existing is not None and version is None:
        raise _stale(existing)
    saved = progress_services.update_save(
        membership=membership,
        action=action,
        period=period,
        rag=rag,
        narrative=narrative,
        expected_version=version,
    )
    row = update_row(
        updates_queryset(membership.partnership_id).get(pk=saved.pk), _query(membership)
    )
    return json_response(row, status=201 if existing is None else 200)


@api_endpoint("POST")
def update_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit a draft (or returned) update for review."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    body = json_body(request)
    version = _int(body, "version")
    update = updates_queryset(membership.partnership_id).filter(pk=pk).first()
    if update is None:
        raise NotFound()
    progress_services.update_submit(
        membership=membership, update=update, expected_version=version or 0
    )
    row = update_row(updates_queryset(membership.partnership_id).get(pk=pk), _query(membership))
    return json_response(row)


@api_endpoint("POST")
def observation_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a manual measure's figure for a period. Without `version` the period must have
    no figure yet; with it, the figure is replaced if nobody changed it since."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    measure = measures_of_partnership(membership.partnership).filter(pk=pk).first()
    if measure is None:
        raise NotFound()
    body = json_body(request)
    period_ends = _date(body, "period_ends")
    version = _int(body, "version", required=False)
    note = _field(body, "note", str, False) or ""
    saved = measure_services.observation_save(
        measure,
        membership=membership,
        period_ends=period_ends or dt.date.min,
        numerator=_number(body, "numerator"),
        denominator=_number(body, "denominator"),
        value=_number(body, "value"),
        note=note,
        provisional=bool(_field(body, "provisional", bool, False)),
        source="api",
        expected_version=version,
        new=version is None,
    )
    created = saved.version == 1
    return json_response(_observation(membership, pk, saved), status=201 if created else 200)


def _observation(membership: Membership, measure_pk: int, saved: Observation) -> dict[str, Any]:
    """The saved figure as the observations collection lists it, analysed with the rest."""
    measure = measures_of_partnership(membership.partnership).get(pk=measure_pk)
    a = assess(measure, viewer_thresholds(membership))
    index = next(i for i, o in enumerate(a.observations) if o is not None and o.pk == saved.pk)
    return observation_row((a, index), _query(membership))


@api_endpoint("POST")
def milestone_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a milestone as delivered on `done` (null undoes it); its dates stay as they are."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    milestone = get_scoped(Milestone, membership.partnership, pk)
    # The service checks too, but only when something changes: ask first, so a caller who
    # may not change the milestone is told so whatever they send.
    require(membership, Perm.UPDATE_ACTION, milestone.action)
    body = json_body(request)
    if "done" not in body:
        raise Invalid("Give done.", {"done": ["This field is required (null undoes it)."]})
    done = _date(body, "done", required=False)
    version = _int(body, "version")
    plan_services.milestone_progress(
        milestone,
        membership=membership,
        expected_version=version or 0,
        done=done,
        revised_due=milestone.revised_due,
        reason="",
    )
    fresh = Milestone.objects.select_related("action__driver__outcome").get(pk=pk)
    return json_response(MILESTONES.row(fresh, _query(membership)))
