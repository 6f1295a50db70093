"""The meeting page: what is due to a group, for the aims its people lead or the whole
plan, with restricted statuses kept hidden, at the same cost whatever the plan's size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.conftest import Cast, signed_in
from tests.measures.factories import measure as make_measure
from tests.meetings import factories as f
from trellis.accounts.models import Group
from trellis.meetings.agenda import GROUP, PLAN, Agenda, agenda_load
from trellis.plans.models import Action
from trellis.progress.models import Comment, ProgressUpdate

pytestmark = pytest.mark.django_db
TODAY = dt.date(2020, 3, 1)
D = dt.date


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2020, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        yield


def _aims(cast: Cast) -> list[Action]:
    return list(Action.objects.filter(driver__outcome__plan=cast.plan).order_by("pk"))


@pytest.fixture
def cog(cast: Cast) -> Group:
    """The group: its one member leads aims 0 and 1; aim 2 is led by the plan owner."""
    group = f.group(cast.partnership)
    group.members.add(cast.lead)
    Action.objects.filter(pk=_aims(cast)[2].pk).update(lead=cast.owner)
    return group


def _submitted(aim: Action, **fields: Any) -> ProgressUpdate:
    update = factories.update(aim, state="submitted", rag="amber")
    ProgressUpdate.objects.filter(pk=update.pk).update(submitted_at=timezone.now(), **fields)
    return update


def _load(cast: Cast, group: Group, who: Any = None, scope: str = GROUP) -> Agenda:
    membership = f.member(cast.partnership, who or cast.board)
    return agenda_load(membership, group, scope=scope, today=TODAY)


def test_updates_waiting_are_those_of_the_groups_aims(cast: Cast, cog: Group) -> None:
    aims = _aims(cast)
    waiting = _submitted(aims[0])
    factories.update(aims[1], state="accepted")
    _submitted(aims[2])  # the owner's aim: not the group's
    agenda = _load(cast, cog)
    assert [u.update_id for u in agenda.updates] == [waiting.pk]
    assert agenda.updates[0].rag_label == "Amber"
    assert agenda.aims == 2


def test_the_whole_plan_when_asked(cast: Cast, cog: Group) -> None:
    aims = _aims(cast)
    _submitted(aims[0])
    _submitted(aims[2])
    agenda = _load(cast, cog, scope=PLAN)
    assert len(agenda.updates) == 2
    assert agenda.aims == 3
    assert len(agenda.milestones_overdue) == 6  # two each, all due in January


def test_a_restricted_status_stays_hidden_from_those_who_may_not_read_it(
    cast: Cast, cog: Group
) -> None:
    update = _submitted(_aims(cast)[0])
    update.restricted_to.add(f.group(cast.partnership, "Police only"))
    assert _load(cast, cog, cast.inspector).updates[0].rag == ""
    assert _load(cast, cog, cast.owner).updates[0].rag == "amber"
    page = signed_in(cast.inspector).get(
        reverse("meetings:meeting", args=[cast.partnership.slug, cog.pk])
    )
    assert "Amber" not in page.content.decode()


def test_milestones_overdue_and_due_are_the_groups(cast: Cast, cog: Group) -> None:
    aims = _aims(cast)
    soon = aims[1].milestones.all()[0]
    soon.revised_due, soon.revision_reason = D(2020, 3, 20), "Workshop moved"
    soon.save()
    agenda = _load(cast, cog)
    assert {m.action_id for m in agenda.milestones_overdue} == {aims[0].pk, aims[1].pk}
    assert len(agenda.milestones_overdue) == 3
    assert [m.milestone_id for m in agenda.milestones_due] == [soon.pk]


def test_measures_that_need_attention(cast: Cast, cog: Group) -> None:
    aims = _aims(cast)
    off_track = {"baseline": (D(2017, 12, 31), 10.0), "targets": [(D(2021, 12, 31), 5.0)]}
    worse = make_measure(
        cast,
        kind="count",
        direction="decrease",
        values=[10, 12, 14, 16],
        actions=[aims[0]],
        **off_track,  # type: ignore[arg-type]
    )
    make_measure(  # off track too, but evidences the owner's aim only
        cast,
        kind="count",
        direction="decrease",
        values=[10, 12, 14, 16],
        actions=[aims[2]],
        **off_track,  # type: ignore[arg-type]
    )
    make_measure(cast, kind="count", values=[10, 11, 12], actions=[aims[1]])  # no target
    agenda = _load(cast, cog)
    assert [c.assessment.measure for c in agenda.measures] == [worse]
    assert agenda.measures[0].off_track


def test_open_threads_of_the_groups_aims(cast: Cast, cog: Group) -> None:
    aims = _aims(cast)
    for aim in (aims[1], aims[2]):
        Comment.objects.create(
            partnership=cast.partnership, action=aim, author=cast.board, body="Why?"
        )
    agenda = _load(cast, cog)
    assert [(t.action_id, t.awaiting_reply) for t in agenda.threads] == [(aims[1].pk, True)]


def test_follow_ups_due_are_the_groups_own_open_ones(cast: Cast, cog: Group) -> None:
    other = f.group(cast.partnership, "Child Protection Committee")
    soon = f.decision(cast.plan, cog, cast.board, follow_up="a", follow_up_due=D(2020, 3, 15))
    late = f.decision(cast.plan, cog, cast.board, follow_up="b", follow_up_due=D(2020, 2, 15))
    undated = f.decision(cast.plan, cog, cast.board, follow_up="c")
    f.decision(cast.plan, cog, cast.board, follow_up="d", follow_up_due=D(2020, 6, 1))
    f.decision(
        cast.plan,
        cog,
        cast.board,
        follow_up="e",
        follow_up_due=D(2020, 3, 2),
        follow_up_done=D(2020, 2, 25),
    )
    f.decision(cast.plan, cog, cast.board)  # nothing follows
    f.decision(cast.plan, other, cast.board, follow_up="f", follow_up_due=D(2020, 3, 2))
    agenda = _load(cast, cog)
    assert [e.id for e in agenda.follow_ups] == [late.pk, soon.pk, undated.pk]
    assert [e.status for e in agenda.follow_ups] == ["overdue", "open", "open"]


def test_the_page_lists_the_groups_with_a_link_each(cast: Cast, cog: Group) -> None:
    page = signed_in(cast.lead).get(reverse("meetings:meeting-list", args=[cast.partnership.slug]))
    assert (
        reverse("meetings:meeting", args=[cast.partnership.slug, cog.pk]) in page.content.decode()
    )


def test_a_group_of_another_partnership_is_not_found(cast: Cast) -> None:
    theirs = f.group(cast.other)
    url = reverse("meetings:meeting", args=[cast.partnership.slug, theirs.pk])
    assert signed_in(cast.board).get(url).status_code == 404


@pytest.mark.parametrize("query", [{"scope": "everything"}, {"plan": "x"}])
def test_the_page_refuses_choices_it_does_not_offer(cast: Cast, cog: Group, query: Any) -> None:
    url = reverse("meetings:meeting", args=[cast.partnership.slug, cog.pk])
    assert signed_in(cast.board).get(url, query).status_code == 400


def test_a_plan_of_another_partnership_is_not_found(cast: Cast, cog: Group) -> None:
    theirs = factories.plan_tree(cast.other, actions=1)
    url = reverse("meetings:meeting", args=[cast.partnership.slug, cog.pk])
    assert signed_in(cast.board).get(url, {"plan": theirs.pk}).status_code == 404


def _fill(cast: Cast, group: Group, aims: list[Action]) -> None:
    """Something in every list for every aim: a submitted update, an open thread, a
    measure off track and a follow-up due."""
    off_track = {"baseline": (D(2017, 12, 31), 10.0), "targets": [(D(2021, 12, 31), 5.0)]}
    for aim in aims:
        update = _submitted(aim)
        update.restricted_to.add(group)
        Comment.objects.create(
            partnership=cast.partnership, action=aim, author=cast.board, body="Why?"
        )
        make_measure(
            cast,
            kind="count",
            direction="decrease",
            values=[10, 12, 14],
            actions=[aim],
            **off_track,  # type: ignore[arg-type]
        )
        f.decision(
            cast.plan, group, cast.board, action=aim, follow_up="x", follow_up_owner=cast.owner
        )


def test_the_page_costs_the_same_at_3_and_30_aims(cast: Cast) -> None:
    counts = []
    for size in (3, 30):
        plan = factories.plan_tree(cast.partnership, actions=size, lead=cast.lead)
        cast.plan.status = "closed"
        cast.plan.save()
        cast.plan = plan
        group = f.group(cast.partnership, f"Group {size}")
        group.members.add(cast.lead)
        _fill(cast, group, _aims(cast))
        url = reverse("meetings:meeting", args=[cast.partnership.slug, group.pk])
        client = signed_in(cast.inspector)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"plan": plan.pk})
        assert response.status_code == 200
        assert response.content.decode().count("data-update=") == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_page_offers_recording_a_decision_only_to_those_who_may(cast: Cast, cog: Group) -> None:
    aim = _aims(cast)[0]
    _submitted(aim)
    Comment.objects.create(partnership=cast.partnership, action=aim, author=cast.board, body="?")
    url = reverse("meetings:meeting", args=[cast.partnership.slug, cog.pk])
    on_aim = reverse("meetings:decision-on-action", args=[cast.partnership.slug, aim.pk])
    on_thread = reverse("meetings:decision-on-thread", args=[cast.partnership.slug, aim.pk])
    board = signed_in(cast.board).get(url).content.decode()
    assert on_aim in board and on_thread in board
    lead = signed_in(cast.lead).get(url).content.decode()
    assert on_aim not in lead and on_thread not in lead
