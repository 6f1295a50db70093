"""The read endpoints: the caller's partnerships, and every collection as paged JSON and
as a flat CSV download. Both come from the same collection definition (trellis.api.fields)
and the same filters, so a spreadsheet and a script see the same rows."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from trellis.accounts.models import Membership
from trellis.api.fields import Collection, Query, page_of, positive_int
from trellis.api.framework import api_endpoint, json_response
from trellis.api.registry import COLLECTIONS
from trellis.csvsafe import csv_response
from trellis.errors import Invalid
from trellis.measures.models import Measure
from trellis.measures.selectors import viewer_thresholds
from trellis.plans.models import Inspection, Plan
from trellis.plans.selectors import get_scoped
from trellis.progress.models import ReportingPeriod

_FILTER_MODELS: dict[str, Any] = {
    "plan": Plan,
    "period": ReportingPeriod,
    "measure": Measure,
    "inspection": Inspection,
}


def query_of(request: HttpRequest, collection: Collection, paged: bool) -> Query:
    """The filters asked for, each naming a record of the caller's partnership (404 if not)."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    known = {*collection.filters, *(("page", "page_size") if paged else ())}
    unknown = sorted(set(request.GET) - known)
    if unknown:
        message = f"Unknown parameter: {unknown[0]}."
        raise Invalid(message, {name: ["Not a parameter of this collection."] for name in unknown})
    query = Query(membership=membership, thresholds=viewer_thresholds(membership))
    for name in collection.filters:
        pk = positive_int(request.GET, name)
        if pk is None:
            continue
        found = get_scoped(_FILTER_MODELS[name], membership.partnership, pk)
        setattr(query, name, found if name == "period" else pk)
    if query.plan and query.period is not None and query.period.plan_id != query.plan:
        message = "That period belongs to another plan."
        raise Invalid(message, {"period": [message]})
    return query


def _count(records: Any) -> int:
    return records.count() if isinstance(records, QuerySet) else len(records)


def _link(request: HttpRequest, page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    return f"{request.path}?{urlencode(sorted(params.items()))}"


def collection_page(request: HttpRequest, name: str) -> HttpResponse:
    """One page of a collection as JSON (the body of `collection_json`)."""
    collection = COLLECTIONS[name]
    query = query_of(request, collection, paged=True)
    page = page_of(request.GET)
    records = collection.records(query)
    total = _count(records)
    start = (page.number - 1) * page.size
    rows = [collection.row(r, query) for r in records[start : start + page.size]]
    pages = max(1, math.ceil(total / page.size))
    return json_response(
        {
            "data": rows,
            "meta": {"page": page.number, "page_size": page.size, "total": total, "pages": pages},
            "links": {
                "next": _link(request, page.number + 1) if page.number < pages else None,
                "prev": _link(request, page.number - 1) if 1 < page.number <= pages else None,
            },
        }
    )


collection_json = api_endpoint("GET")(collection_page)


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return value


@api_endpoint("GET")
def collection_csv(request: HttpRequest, name: str) -> HttpResponse:
    """The whole collection (filters apply, no pages) as one CSV, every text cell made safe
    from formula injection."""
    collection = COLLECTIONS[name]
    query = query_of(request, collection, paged=False)
    header = [x.name for x in collection.fields]
    rows = [header]
    for record in collection.records(query):
        row = collection.row(record, query)
        rows.append([_cell(row[h]) for h in header])
    slug = query.membership.partnership.slug
    return csv_response(rows, filename=f"{slug}-{name}.csv")


@api_endpoint("GET", partnership=False)
def partnerships(request: HttpRequest) -> HttpResponse:
    """The partnerships the caller is an active member of, with their roles there."""
    memberships = (
        Membership.objects.filter(person=request.api_person, is_active=True)  # type: ignore[attr-defined]
        .select_related("partnership")
        .order_by("partnership__name", "pk")
    )
    rows = [
        {
            "slug": m.partnership.slug,
            "name": m.partnership.name,
            "nation": m.partnership.nation,
            "roles": [r for r in m.roles],
        }
        for m in memberships
    ]
    return json_response(
        {
            "data": rows,
            "meta": {"page": 1, "page_size": len(rows), "total": len(rows), "pages": 1},
            "links": {"next": None, "prev": None},
        }
    )
