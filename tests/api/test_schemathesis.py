"""schemathesis against the OpenAPI document the app serves, in process (WSGI): every
operation, as every role (anonymous, each member's token, an outsider's), with generated
parameters and bodies. No answer may be a server error, and every answer must be one the
document declares, with the content type and the body schema it declares.

Examples are bounded (`EXAMPLES` per operation, roles drawn at random, plus one plain call
per role), so the module runs in about a minute; the counts are printed per operation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories
from tests.api.conftest import token_of
from tests.conftest import Cast
from tests.measures.factories import measure
from trellis.api.openapi import document
from trellis.plans.models import Action, Milestone
from trellis.wsgi import application

EXAMPLES = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
LABELS = [
    f"{method.upper()} {path}" for path, item in document()["paths"].items() for method in item
]


def samples(cast: Cast) -> dict[str, Any]:
    """Real records to aim at, so that many cases get past 404: an update, a manual
    measure with figures (counting children, so disclosure applies) and a milestone."""
    action = Action.objects.filter(partnership=cast.partnership, lead=cast.lead)[0]
    update = factories.update(action)
    made = measure(cast, kind="count", values=[3, 12, 14, 2], actions=[action])
    made.counts_children = True
    made.save()
    return {
        "update": update.pk,
        "measure": made.pk,
        "milestone": Milestone.objects.filter(action=action)[0].pk,
        "action": action.pk,
        "period": update.period_id,
    }


def aim(label: str, found: dict[str, Any]) -> dict[str, Any]:
    for word, key in (
        ("/submit", "update"),
        ("/observations", "measure"),
        ("/complete", "milestone"),
    ):
        if label.endswith(word):
            return {"pk": found[key]}
    return {}


@pytest.fixture
def in_process() -> Iterator[None]:
    """Django's WSGI handler closes the database connection after each request; the test
    client stops it doing so, and calling the handler directly needs the same, or the
    test's transaction would be closed under it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("label", LABELS)
def test_every_operation_answers_as_documented_for_every_role(
    cast: Cast, settings: Any, label: str, in_process: None
) -> None:
    settings.TRELLIS_API_RATE_LIMIT = 10**6  # the limit has its own test
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operation = schema.find_operation_by_label(label)
    assert operation is not None, label
    found = samples(cast)
    headers = {
        role: {"Authorization": f"Bearer {token_of(person, 'write')}"} if person else {}
        for role, person in cast.by_role().items()
    }
    real = {"slug": cast.partnership.slug, **aim(label, found)}
    statuses: Counter[int] = Counter()

    def check(case: Any, role: str) -> None:
        response = case.call(headers=headers[role])
        case.validate_response(response, checks=CHECKS)
        statuses[response.status_code] += 1

    @settings_for_examples
    @given(
        case=operation.as_strategy(),
        role=st.sampled_from(sorted(headers)),
        aimed=st.integers(0, 3).map(bool),  # mostly at the real partnership and records
    )
    def generated(case: Any, role: str, aimed: bool) -> None:
        if aimed and "{slug}" in label:
            case.path_parameters = {**(case.path_parameters or {}), **real}
            if label == "POST /api/v1/p/{slug}/updates" and isinstance(case.body, dict):
                case.body = {**case.body, "action": found["action"], "period": found["period"]}
        check(case, role)

    generated()
    if label.startswith("GET") and "{slug}" in label:
        for role in headers:
            check(operation.Case(path_parameters=real), role)
    print(f"{label}: {sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))}")
    assert statuses, label


settings_for_examples = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def test_the_served_document_is_the_one_built_and_lists_every_operation() -> None:
    served = Client().get("/api/v1/openapi.json").json()
    schema = schemathesis.openapi.from_dict(served)
    schema.validate()  # a valid OpenAPI 3.0 document

    assert served == document()
    # Your partnerships, each collection as JSON and CSV, and the four writes.
    assert len(LABELS) == 1 + 2 * 13 + 4
    assert set(served["paths"]["/api/v1/p/{slug}/updates"]) == {"get", "post"}
