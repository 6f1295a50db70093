"""The OpenAPI 3.0 document, built from the collection definitions and the write bodies
below, so it describes exactly what the endpoints do. Served at /api/v1/openapi.json and
read by the reference page and by the schemathesis tests."""

from __future__ import annotations

from typing import Any

from trellis.api.fields import PAGE_MAX, PAGE_SIZE, PAGE_SIZE_MAX, Collection
from trellis.api.registry import COLLECTIONS
from trellis.progress.models import Rag

BASE = "/api/v1"
_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
_FILTERS = {
    "plan": "Only records of this plan.",
    "period": "Only records of this reporting period (see each collection).",
    "measure": "Only this measure's records.",
    "inspection": "Only this inspection's findings.",
}
_ERRORS = {
    "400": "The request is not valid: `details.fields` names each problem.",
    "401": "No token, or a token that is unknown, expired or revoked.",
    "403": "The caller may not do this (role, scope, or a write without a token).",
    "404": "No such record in this partnership, or no such partnership for the caller.",
    "409": "Someone changed the record since the version sent: `details.current_version`.",
    "429": "The token's rate limit: wait `Retry-After` seconds.",
}

# Write bodies: name -> (schema, required).
WRITE_BODIES: dict[str, dict[str, Any]] = {
    "UpdateDraft": {
        "type": "object",
        "required": ["action", "period", "rag", "narrative"],
        "properties": {
            "action": {**_ID, "description": "The action the update is for."},
            "period": {**_ID, "description": "The reporting period."},
            "rag": {"type": "string", "enum": list(Rag.values)},
            "narrative": {"type": "string", "description": "Progress this period (plain text)."},
            "version": {**_ID, "description": "Required when the update exists already."},
        },
    },
    "UpdateSubmit": {
        "type": "object",
        "required": ["version"],
        "properties": {"version": {**_ID, "description": "The version you read."}},
    },
    "ObservationSave": {
        "type": "object",
        "required": ["period_ends"],
        "properties": {
            "period_ends": {"type": "string", "format": "date"},
            "numerator": {"type": "number", "description": "Percentages and rates."},
            "denominator": {"type": "number", "description": "Percentages and rates."},
            "value": {"type": "number", "description": "Counts, means and milestones."},
            "note": {"type": "string"},
            "provisional": {"type": "boolean"},
            "version": {**_ID, "description": "Send it to replace an existing figure."},
        },
    },
    "MilestoneComplete": {
        "type": "object",
        "required": ["done", "version"],
        "properties": {
            "done": {"type": "string", "format": "date", "nullable": True},
            "version": {**_ID, "description": "The version you read."},
        },
    },
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _schema_name(c: Collection) -> str:
    return c.name.capitalize()


def _errors(*codes: str) -> dict[str, Any]:
    return {
        code: {
            "description": _ERRORS[code],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
        for code in codes
    }


def _parameters(c: Collection, paged: bool) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [{"$ref": "#/components/parameters/slug"}]
    params += [
        {"name": n, "in": "query", "required": False, "description": _FILTERS[n], "schema": _ID}
        for n in c.filters
    ]
    if paged:
        params += [{"$ref": "#/components/parameters/page"}]
        params += [{"$ref": "#/components/parameters/page_size"}]
    return params


def _collection_paths(c: Collection) -> dict[str, Any]:
    notes = " ".join(c.notes)
    list_op = {
        "operationId": f"list_{c.name}",
        "summary": c.title,
        "description": c.description,
        "tags": [c.title],
        "parameters": _parameters(c, paged=True),
        "responses": {
            "200": {
                "description": f"A page of {c.title.lower()}.",
                "headers": {"ETag": {"schema": {"type": "string"}}},
                "content": {"application/json": {"schema": _ref(_schema_name(c) + "Page")}},
            },
            "304": {"description": "Unchanged since the ETag sent in If-None-Match."},
            **_errors("400", "401", "404", "429"),
        },
    }
    csv_op = {
        "operationId": f"csv_{c.name}",
        "summary": f"{c.title} as CSV",
        "description": f"Every row of {c.title.lower()} (filters apply, no pages), the "
        f"same columns as the JSON. Text cells that a spreadsheet would run as a formula "
        f"start with an apostrophe. {notes}".strip(),
        "tags": [c.title],
        "parameters": _parameters(c, paged=False),
        "responses": {
            "200": {
                "description": "A CSV file (UTF-8 with a byte-order mark).",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            },
            "304": {"description": "Unchanged since the ETag sent in If-None-Match."},
            **_errors("400", "401", "404", "429"),
        },
    }
    return {
        f"{BASE}/p/{{slug}}/{c.name}": {"get": list_op},
        f"{BASE}/p/{{slug}}/{c.name}.csv": {"get": csv_op},
    }


def _write(op_id: str, summary: str, body: str, answer: str, ok: tuple[str, ...]) -> dict[str, Any]:
    return {
        "post": {
            "operationId": op_id,
            "summary": summary,
            "tags": ["Writes"],
            "security": [{"bearerAuth": []}],
            "parameters": [{"$ref": "#/components/parameters/slug"}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref(body)}},
            },
            "responses": {
                **{
                    code: {
                        "description": "Written; the record as its collection lists it.",
                        "content": {"application/json": {"schema": _ref(answer)}},
                    }
                    for code in ok
                },
                **_errors("400", "401", "403", "404", "409", "429"),
            },
        }
    }


def _with_pk(item: dict[str, Any], what: str) -> dict[str, Any]:
    op = item["post"]
    op["parameters"] = [
        *op["parameters"],
        {"name": "pk", "in": "path", "required": True, "description": what, "schema": _ID},
    ]
    return item


def _write_paths() -> dict[str, Any]:
    p = f"{BASE}/p/{{slug}}"
    return {
        f"{p}/updates": _write(
            "save_update", "Save an update's draft", "UpdateDraft", "Updates", ("200", "201")
        ),
        f"{p}/updates/{{pk}}/submit": _with_pk(
            _write("submit_update", "Submit an update", "UpdateSubmit", "Updates", ("200",)),
            "The update.",
        ),
        f"{p}/measures/{{pk}}/observations": _with_pk(
            _write(
                "save_observation",
                "Record a manual measure's figure",
                "ObservationSave",
                "Observations",
                ("200", "201"),
            ),
            "The measure.",
        ),
        f"{p}/milestones/{{pk}}/complete": _with_pk(
            _write(
                "complete_milestone",
                "Record a milestone as done",
                "MilestoneComplete",
                "Milestones",
                ("200",),
            ),
            "The milestone.",
        ),
    }


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object",
            "additionalProperties": False,
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["code", "message", "details"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "details": {"type": "object"},
                    },
                }
            },
        },
        "Meta": {
            "type": "object",
            "additionalProperties": False,
            "required": ["page", "page_size", "total", "pages"],
            "properties": {k: {"type": "integer"} for k in ("page", "page_size", "total", "pages")},
        },
        "Links": {
            "type": "object",
            "additionalProperties": False,
            "required": ["next", "prev"],
            "properties": {
                "next": {"type": "string", "nullable": True},
                "prev": {"type": "string", "nullable": True},
            },
        },
        "Partnership": {
            "type": "object",
            "additionalProperties": False,
            "required": ["slug", "name", "nation", "roles"],
            "properties": {
                "slug": {"type": "string"},
                "name": {"type": "string"},
                "nation": {"type": "string"},
                "roles": {"type": "array", "items": {"type": "string"}},
            },
        },
        **WRITE_BODIES,
    }
    for c in [*COLLECTIONS.values()]:
        schemas[_schema_name(c)] = c.row_schema()
        schemas[_schema_name(c) + "Page"] = _page(_ref(_schema_name(c)))
    schemas["PartnershipPage"] = _page(_ref("Partnership"))
    return schemas


def _page(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["data", "meta", "links"],
        "properties": {
            "data": {"type": "array", "items": item},
            "meta": _ref("Meta"),
            "links": _ref("Links"),
        },
    }


DESCRIPTION = """Read a partnership's plans, progress and measures, and write progress
updates, manual measures' figures and milestones' completion.

Authenticate with a personal access token made on your account page:
`Authorization: Bearer <token>`. A token acts as you, never with more: it sees only the
partnerships you belong to and may do only what your roles there allow; a read-only token
cannot write. A signed-in browser may read (for CSV downloads) but never write.

Every figure about children is shown to non-analysts only when it passes the partnership's
disclosure control; a withheld figure is null with `suppressed: true`. Errors are
`{"error": {"code", "message", "details"}}`. Lists are paged (`page`, `page_size`, at most
200) and carry an ETag; send it back in If-None-Match to get 304 when nothing changed.
"""


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {
        f"{BASE}/partnerships": {
            "get": {
                "operationId": "list_partnerships",
                "summary": "Your partnerships",
                "tags": ["Partnerships"],
                "responses": {
                    "200": {
                        "description": "The partnerships you are a member of, and your roles.",
                        "content": {"application/json": {"schema": _ref("PartnershipPage")}},
                    },
                    "304": {"description": "Unchanged since the ETag sent."},
                    **_errors("401", "429"),
                },
            }
        }
    }
    for c in COLLECTIONS.values():
        paths.update(_collection_paths(c))
    for path, item in _write_paths().items():
        paths[path] = {**paths.get(path, {}), **item}  # GET and POST share /updates
    return {
        "openapi": "3.0.3",
        "info": {"title": "Trellis API", "version": "1.0.0", "description": DESCRIPTION},
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "parameters": {
                "slug": {
                    "name": "slug",
                    "in": "path",
                    "required": True,
                    "description": "The partnership's short name, as in its web address.",
                    "schema": {"type": "string", "pattern": "^[-a-zA-Z0-9_]{1,60}$"},
                },
                "page": {
                    "name": "page",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_MAX},
                },
                "page_size": {
                    "name": "page_size",
                    "in": "query",
                    "required": False,
                    "description": f"Rows a page, {PAGE_SIZE} unless given.",
                    "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_SIZE_MAX},
                },
            },
            "schemas": _schemas(),
        },
    }
