"""Output encoding over the whole site (SECURITY-BAR row 26): script payloads are written
into every free-text field of the URL walk's sample data (and people's names, agencies,
groups, the partnership's name, an import waiting for review), then every page is fetched
by a member who may read it, and no HTML page may carry a payload as markup.

The fields are found from the models, so a new text field is seeded without anyone
remembering to; `NOT_USER_TEXT` lists the ones that are not a person's words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import cycle
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils.html import escape

from tests.api.conftest import token_of
from tests.conftest import signed_in
from tests.test_url_matrix import (  # noqa: F401 (world is a fixture)
    EXPECTED,
    World,
    url_patterns,
    world,
)
from trellis.accounts.policy import membership_for
from trellis.progress.templatetags.progress_evidence import web_link
from trellis.transfer.services import pending_import_create

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><svg onload=alert(1)>",
    "'><svg onload=alert(1)>",
    "<i onclick=alert(1)>",  # fits a 20-character field
    "<a onblur=1>",  # fits a 12-character code
)
JS_URL = "javascript:alert(1)"

# Markup a payload becomes when it is not escaped: its own tag with its handler (escaped,
# the same words inside an attribute or text are harmless), or a link or source that runs
# script.
UNESCAPED = re.compile(
    rb"<script>alert\(1\)|<img src=x onerror=|<svg onload=|<i onclick=|<a onblur="
    rb"|\b(?:href|src|action|formaction)\s*=\s*[\"']?\s*javascript:",
    re.IGNORECASE,
)

# Text fields that are not a person's words: set by Trellis (hashes, keys, statuses and
# built-in definition names, request paths, generated period labels), or secrets.
NOT_USER_TEXT = {
    "audit.*": "the audit log, written by services",
    "accounts.Person.password": "a hash",
    "accounts.SignInFailure.*": "throttle records",
    "accounts.RateEvent.*": "throttle records",
    "accounts.MfaDevice.*": "a secret",
    "accounts.RecoveryCode.*": "digests",
    "accounts.SsoProvider.client_secret": "a secret",
    "progress.ReportingPeriod.label": "made from the calendar",
    "progress.Evidence.stored_name": "a UUID",
    "progress.Evidence.content_type": "found by sniffing the file",
    "progress.Evidence.sha256": "a hash",
    "progress.ReminderSent.*": "reminder bookkeeping",
    "measures.Measure.definition": "a built-in definition's name",
    "measures.Measure.definition_group": "a built-in definition's group",
    "measures.Observation.source": "how the figure was recorded",
    "measures.Observation.definition": "a built-in definition's name",
    "casedata.Snapshot.key": "a hash",
    "casedata.Snapshot.fingerprint": "a hash",
    "casedata.Snapshot.failure": "Trellis's own message",
    "casedata.ComputedFigure.*": "computed",
    "reports.IssuedReport.kind": "one of the report kinds",
    "reports.IssuedReport.format": "one of the formats",
    "reports.IssuedReport.sha256": "a hash",
    "reports.IssuedReport.failure": "Trellis's own message",
    "transfer.PendingImport.source_format": "found by the reader",
    "api.ApiToken.prefix": "generated",
    "api.ApiToken.digest": "a hash",
    "api.TokenUse.*": "request bookkeeping",
    "improvement.SampledCase.pseudonym": "a keyed hash",
}

# Who reads each page: the plan owner, or else the first member who may.
READERS = ("owner", "admin", "analyst", "lead", "board", "inspector")


def _listed(label: str, name: str) -> bool:
    app = label.split(".")[0]
    return bool({f"{app}.*", f"{label}.*", f"{label}.{name}"} & NOT_USER_TEXT.keys())


def _user_text(field: models.Field[Any, Any], label: str) -> bool:
    if _listed(label, field.name):
        return False
    if field.choices or not field.editable:
        return False
    if isinstance(field, models.EmailField | models.SlugField | models.URLField):
        return False  # validated by their form fields; links get JS_URL instead
    return isinstance(field, models.CharField | models.TextField)


def _fitting(payloads: Iterator[str], most: int | None) -> str | None:
    fits = [p for p in PAYLOADS if most is None or len(p) <= most]
    if not fits:
        return None
    for payload in payloads:
        if payload in fits:
            return payload
    return None  # unreachable: payloads cycles for ever


def seed_payloads() -> list[str]:
    """Write a payload into every user text field of every row; return what was seeded."""
    payloads = cycle(PAYLOADS)
    seeded = []
    for model in apps.get_models():
        if not model.__module__.startswith("trellis."):
            continue
        label = model._meta.label
        fields = [f for f in model._meta.concrete_fields if _user_text(f, label)]
        urls = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.URLField) and f.editable and not _listed(label, f.name)
        ]
        if not fields and not urls:
            continue
        for pk in model._default_manager.values_list("pk", flat=True):
            values: dict[str, str] = {f.name: JS_URL for f in urls}
            for field in fields:
                payload = _fitting(payloads, field.max_length)
                if payload is not None:
                    values[field.name] = payload
            model._default_manager.filter(pk=pk).update(**values)
            seeded += [f"{label}.{name}" for name in values]
    return seeded


@pytest.fixture
def hostile(world: World) -> World:  # noqa: F811
    cast = world.cast
    token_of(cast.owner, "read", name="owner's token")  # listed on the tokens page
    owner = membership_for(cast.owner, cast.partnership.slug)
    text = "Outcome\tKey driver\tAction\n" + "\t".join(PAYLOADS[:3]) + "\n"
    world.pending_import = pending_import_create(
        membership=owner, data=None, name=f"{PAYLOADS[1]}.txt", text=text
    )
    seed_payloads()
    return world


def pages(sample: World) -> Iterator[tuple[str, str, Any]]:
    """Each HTML page of the walk, fetched once, by the first reader who gets it."""
    clients = {role: signed_in(getattr(sample.cast, role)) for role in READERS}
    for name, _route in url_patterns():
        row = EXPECTED.get(name)
        api_json = name.startswith("api:") and name not in ("api:tokens", "api:reference")
        if row is None or api_json:
            continue
        reader = next((r for r in READERS if row.expect[r] == 200), None)
        if reader is None:
            continue
        url = reverse(name, kwargs=row.kwargs(sample))
        response = clients[reader].get(url)
        if response.get("Content-Type", "").startswith("text/html"):
            yield f"{name} as {reader}", url, response


def test_the_seeding_reaches_the_text_people_write(hostile: World) -> None:
    seeded = set(seed_payloads())
    for field in (
        "accounts.Person.full_name",
        "accounts.Agency.name",
        "plans.Action.title",
        "plans.Milestone.title",
        "plans.Finding.text",
        "progress.ProgressUpdate.narrative",
        "progress.Comment.body",
        "progress.Evidence.url",
        "measures.Measure.title",
        "measures.Annotation.text",
        "meetings.Decision.text",
        "improvement.Project.aim",
        "improvement.DriverNode.text",
        "casedata.Snapshot.source_name",
    ):
        assert field in seeded, field


def test_no_page_shows_a_seeded_payload_unescaped(hostile: World) -> None:
    found, visited, shown = [], 0, 0
    for name, url, response in pages(hostile):
        visited += 1
        body = response.content
        shown += any(p.encode() in body or _escaped(p) in body for p in PAYLOADS)
        for match in UNESCAPED.finditer(body):
            context = body[max(0, match.start() - 60) : match.end() + 20]
            found.append(f"{name} ({url}): {context!r}")
    print(f"{visited} pages, {shown} showing a payload as text, {len(found)} unescaped")
    assert visited > 100
    assert shown > 60  # the payloads really were on the pages, escaped
    assert not found, "\n".join(found)


def _escaped(payload: str) -> bytes:
    return escape(payload).encode()


def test_the_detector_catches_each_payload_unescaped() -> None:
    for payload in (*PAYLOADS[1:], f'<a href="{JS_URL}">x</a>'):
        assert UNESCAPED.search(f"<p>{payload}</p>".encode()), payload
    assert UNESCAPED.search(b"<script>alert(1)</script>")
    assert not UNESCAPED.search(b'<a class="govuk-link" title="&lt;a onblur=1&gt;">')
    for payload in (*PAYLOADS, JS_URL):
        assert not UNESCAPED.search(_escaped(payload)), payload


def test_an_evidence_link_is_a_link_only_when_it_is_a_web_address() -> None:
    assert web_link("https://example.org/notes") == "https://example.org/notes"
    for address in (JS_URL, " JavaScript:alert(1)", "data:text/html,x", "vbscript:x", "notes"):
        assert web_link(address) == "", address
