"""Two people editing the same action: the second save is refused with a conflict page that
keeps their text and names who got there first; saving again overwrites knowingly."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from trellis.accounts.models import Person, Role
from trellis.audit.models import AuditEntry
from trellis.errors import Conflict
from trellis.plans.models import Action
from trellis.writes import record_update

FIRST_TEXT = "Training plan agreed by the first owner"
SECOND_TEXT = "Second owner drafted this while the first was saving"


def form_data(response: Any) -> dict[str, Any]:
    """The values the page's form would post back unchanged."""
    form = response.context["form"]
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if isinstance(value, list):
            data[name] = [str(v) for v in value]
        elif isinstance(value, dt.date):
            data[name] = value.isoformat()
        elif value is True:
            data[name] = "on"
        else:
            data[name] = str(value)
    return data


def version_shown(body: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', body)
    assert match, "the form carries no version"
    return match.group(1)


def conflict_banner(body: str) -> str:
    match = re.search(r'id="conflict-message">(.*?)</p>', body, re.S)
    assert match, "the page shows no conflict"
    return html.unescape(match.group(1))


@dataclass
class Clash:
    action: Action
    first: Person
    second: Person
    second_client: Client
    second_data: dict[str, Any]
    response: Any

    @property
    def body(self) -> str:
        return str(self.response.content.decode())


@pytest.fixture
def clash(cast: Cast) -> Clash:
    """Both owners open the edit page; the first saves, then the second saves."""
    action = Action.objects.filter(partnership=cast.partnership).order_by("id")[0]
    second = factories.person(cast.partnership, Role.OWNER, email="owner2@example.org")
    url = reverse("plans:action-edit", args=[cast.partnership.slug, action.pk])
    first_client, second_client = signed_in(cast.owner), signed_in(second)
    first_data = form_data(first_client.get(url))
    second_data = form_data(second_client.get(url))

    first_data["latest_progress"] = FIRST_TEXT
    assert first_client.post(url, first_data).status_code == 302
    second_data["latest_progress"] = SECOND_TEXT
    response = second_client.post(url, second_data)
    return Clash(action, cast.owner, second, second_client, second_data, response)


def test_a_save_over_a_newer_version_is_refused_as_a_conflict(clash: Clash) -> None:
    assert clash.response.status_code == 409


def test_the_conflict_page_names_who_saved_first(clash: Clash) -> None:
    assert clash.first.full_name in conflict_banner(clash.body)


def test_the_conflict_page_keeps_the_second_persons_text(clash: Clash) -> None:
    assert clash.response.context["form"]["latest_progress"].value() == SECOND_TEXT
    assert SECOND_TEXT in clash.body


def test_the_database_keeps_the_first_persons_text_after_a_conflict(clash: Clash) -> None:
    clash.action.refresh_from_db()

    assert clash.action.latest_progress == FIRST_TEXT
    assert clash.action.version == 2
    assert clash.action.updated_by == clash.first


def test_saving_again_from_the_conflict_page_overwrites_knowingly(clash: Clash) -> None:
    data = {**clash.second_data, "version": version_shown(clash.body)}

    response = clash.second_client.post(clash.response.request["PATH_INFO"], data)

    clash.action.refresh_from_db()
    assert response.status_code == 302
    assert clash.action.latest_progress == SECOND_TEXT
    assert clash.action.version == 3
    assert clash.action.updated_by == clash.second


def test_a_stale_version_at_the_service_raises_conflict_and_writes_nothing(cast: Cast) -> None:
    action = Action.objects.filter(partnership=cast.partnership).order_by("id")[0]
    stale = Action.objects.get(pk=action.pk)
    record_update(action, actor=cast.owner, expected_version=1, latest_progress=FIRST_TEXT)
    entries = AuditEntry.objects.count()

    with pytest.raises(Conflict) as raised:
        record_update(stale, actor=cast.admin, expected_version=1, latest_progress=SECOND_TEXT)

    action.refresh_from_db()
    assert raised.value.code == "conflict"
    assert raised.value.changed_by == str(cast.owner)
    assert action.latest_progress == FIRST_TEXT
    assert action.version == 2
    assert AuditEntry.objects.count() == entries
