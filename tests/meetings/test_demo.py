"""The demo's decisions: one of each kind, an open follow-up, and the aim one created."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import signed_in
from trellis.accounts.models import Group, Person
from trellis.demo import build_demo
from trellis.meetings.models import Decision, Subject
from trellis.plans.models import Action


@pytest.mark.django_db
def test_the_demo_has_decisions_of_each_kind_and_a_meeting_to_show(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo = build_demo().partnership
    decisions = Decision.objects.filter(partnership=demo)
    assert set(decisions.values_list("subject", flat=True)) == set(Subject.values)
    assert decisions.filter(comment__isnull=False).count() == 1
    assert decisions.exclude(follow_up="").filter(follow_up_done__isnull=True).exists()
    made = decisions.get(created_action__isnull=False).created_action
    assert Action.objects.filter(partnership=demo, pk=made.pk).exists()
    cog = Group.objects.get(partnership=demo, short_name="COG")
    board = Person.objects.get(email="board@demo.example.org")
    url = reverse("meetings:meeting", args=[demo.slug, cog.pk])
    page = signed_in(board).get(url, {"scope": "plan"})
    assert page.status_code == 200
    assert "BIU to add the gap" in page.content.decode()  # an open follow-up of the COG
