"""The API's own serializer definitions: each collection names its fields once, and the
JSON rows, the CSV columns and the OpenAPI schema are all made from that one list, so the
document cannot drift from what the endpoints return."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from trellis.accounts.models import Membership
from trellis.core.disclosure import Thresholds
from trellis.errors import Invalid

# Field types, as OpenAPI 3.0 schemas.
_TYPES: dict[str, dict[str, Any]] = {
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "string": {"type": "string"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "date-time": {"type": "string", "format": "date-time"},
    "integers": {"type": "array", "items": {"type": "integer"}},
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str = ""
    nullable: bool = False
    enum: tuple[str, ...] = ()

    def schema(self) -> dict[str, Any]:
        schema = dict(_TYPES[self.type])
        if self.enum:
            schema["enum"] = [*self.enum, *([None] if self.nullable else [])]
        if self.nullable:
            schema["nullable"] = True
        if self.description:
            schema["description"] = self.description
        return schema


def f(name: str, type_: str = "string", description: str = "", **kw: Any) -> Field:
    return Field(name, type_, description, **kw)


@dataclass
class Query:
    """Who asks, and the filters they gave (already checked to be of their partnership)."""

    membership: Membership
    thresholds: Thresholds | None
    plan: int | None = None
    period: Any = None  # the ReportingPeriod when filtered by period
    measure: int | None = None
    inspection: int | None = None


@dataclass(frozen=True)
class Collection:
    name: str  # the URL segment
    title: str
    description: str
    fields: tuple[Field, ...]
    # The records (a queryset, or a list when rows are computed), in a stable order.
    records: Callable[[Query], QuerySet[Any] | Sequence[Any]]
    # One record as a row: a dict with exactly `fields`' names.
    row: Callable[[Any, Query], dict[str, Any]]
    filters: tuple[str, ...] = ("plan",)
    notes: tuple[str, ...] = field(default=())

    def row_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "additionalProperties": False,
            "required": [x.name for x in self.fields],
            "properties": {x.name: x.schema() for x in self.fields},
        }


# Paging.

PAGE_SIZE = 50
PAGE_SIZE_MAX = 200
PAGE_MAX = 10**9


@dataclass(frozen=True)
class Page:
    number: int
    size: int


def positive_int(
    params: Any, name: str, default: int | None = None, most: int | None = None
) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or len(raw) > 12 or int(raw) < 1 or (most and int(raw) > most):
        message = f"{name} must be a whole number, 1 or more" + (
            f", {most} at most." if most else "."
        )
        raise Invalid(message, {name: [message]})
    return int(raw)


def page_of(params: Any) -> Page:
    number = positive_int(params, "page", 1, most=PAGE_MAX) or 1
    size = positive_int(params, "page_size", PAGE_SIZE) or PAGE_SIZE
    if size > PAGE_SIZE_MAX:
        message = f"page_size must be {PAGE_SIZE_MAX} or fewer."
        raise Invalid(message, {"page_size": [message]})
    return Page(number, size)


def iso(value: dt.date | dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()
