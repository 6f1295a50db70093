"""The decision pages: recording against an aim, a thread and a measure; the links from
those pages; bad input; stale edits; the aim a decision creates; the decision log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from tests.measures.factories import measure as make_measure
from tests.meetings import factories as f
from trellis.meetings.models import Decision, Subject
from trellis.plans.models import Action
from trellis.progress.models import Comment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2020, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        yield


def _aim(cast: Cast, index: int = 0) -> Action:
    return Action.objects.filter(driver__outcome__plan=cast.plan).order_by("pk")[index]


def _url(cast: Cast, name: str, *args: Any) -> str:
    return reverse(name, args=[cast.partnership.slug, *args])


def _form(cast: Cast, **overrides: Any) -> dict[str, Any]:
    data = {
        "group": f.group(cast.partnership).pk,
        "decided_on": "2020-02-20",
        "text": "Agreed to fund two nurses",
        "follow_up": "Report back to the next meeting",
        "follow_up_owner": cast.owner.pk,
        "follow_up_due": "2020-04-15",
    }
    data.update(overrides)
    return data


def test_board_member_records_a_decision_about_an_aim(cast: Cast) -> None:
    aim = _aim(cast)
    response = signed_in(cast.board).post(
        _url(cast, "meetings:decision-on-action", aim.pk), _form(cast)
    )
    decision = Decision.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url(cast, "meetings:decision-detail", decision.pk)
    assert (decision.subject, decision.action, decision.plan) == (Subject.ACTION, aim, cast.plan)
    assert decision.follow_up_owner == cast.owner
    page = signed_in(cast.inspector).get(_url(cast, "plans:action-detail", aim.pk))
    assert f'data-decision="{decision.pk}"' in page.content.decode()


def test_the_aim_page_offers_recording_only_to_those_who_may(cast: Cast) -> None:
    aim = _aim(cast)
    record = _url(cast, "meetings:decision-on-action", aim.pk)
    assert (
        record
        in signed_in(cast.board).get(_url(cast, "plans:action-detail", aim.pk)).content.decode()
    )
    lead_page = signed_in(cast.lead).get(_url(cast, "plans:action-detail", aim.pk)).content.decode()
    assert record not in lead_page
    assert 'id="thread-decision"' not in lead_page


def test_a_decision_on_a_challenge_thread_names_the_challenge(cast: Cast) -> None:
    aim = _aim(cast)
    challenge = Comment.objects.create(
        partnership=cast.partnership, action=aim, author=cast.board, body="Why amber again?"
    )
    page = signed_in(cast.board).get(_url(cast, "plans:action-detail", aim.pk)).content.decode()
    assert _url(cast, "meetings:decision-on-thread", aim.pk) in page
    response = signed_in(cast.board).post(
        _url(cast, "meetings:decision-on-thread", aim.pk), _form(cast, comment=challenge.pk)
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.subject, decision.comment) == (Subject.THREAD, challenge)
    detail = signed_in(cast.lead).get(_url(cast, "meetings:decision-detail", decision.pk))
    assert "Why amber again?" in detail.content.decode()


def test_a_decision_on_a_measure_is_shown_on_the_measure(cast: Cast) -> None:
    sample = make_measure(cast, values=[10, 12], actions=[_aim(cast)])
    form = signed_in(cast.owner).get(_url(cast, "meetings:decision-on-measure", sample.pk))
    assert f'<option value="{cast.plan.pk}" selected>' in form.content.decode()
    response = signed_in(cast.owner).post(
        _url(cast, "meetings:decision-on-measure", sample.pk), _form(cast, plan=cast.plan.pk)
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.subject, decision.measure, decision.action) == (Subject.MEASURE, sample, None)
    page = signed_in(cast.analyst).get(_url(cast, "measures:measure-detail", sample.pk))
    assert f'data-decision="{decision.pk}"' in page.content.decode()


def test_bad_input_shows_errors_and_writes_nothing(cast: Cast) -> None:
    response = signed_in(cast.board).post(
        _url(cast, "meetings:decision-on-action", _aim(cast).pk),
        _form(cast, text="", decided_on="2020-03-02", follow_up=""),
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in body
    assert 'id="id_text-error"' in body or "Enter what was decided" in body
    assert not Decision.objects.exists()


def test_a_follow_up_owner_from_elsewhere_is_not_offered(cast: Cast) -> None:
    response = signed_in(cast.board).post(
        _url(cast, "meetings:decision-on-action", _aim(cast).pk),
        _form(cast, follow_up_owner=cast.outsider.pk),
    )
    assert response.status_code == 400
    assert not Decision.objects.exists()


def test_an_aim_of_another_partnership_is_not_found(cast: Cast) -> None:
    elsewhere = factories.plan_tree(cast.other, actions=1)
    aim = Action.objects.filter(driver__outcome__plan=elsewhere)[0]
    response = signed_in(cast.board).get(_url(cast, "meetings:decision-on-action", aim.pk))
    assert response.status_code == 404


def test_a_stale_edit_keeps_the_persons_text_and_saves_nothing(cast: Cast) -> None:
    decision = f.decision(cast.plan, f.group(cast.partnership), cast.board)
    url = _url(cast, "meetings:decision-edit", decision.pk)
    Decision.objects.filter(pk=decision.pk).update(version=2, text="Someone else's words")
    data = _form(cast, text="My words", version=1, follow_up_done="")
    response = signed_in(cast.board).post(url, data)
    assert response.status_code == 409
    assert "My words" in response.content.decode()
    assert Decision.objects.get().text == "Someone else's words"


def test_recording_the_follow_up_done(cast: Cast) -> None:
    decision = f.decision(cast.plan, f.group(cast.partnership), cast.board, follow_up="Report back")
    data = _form(cast, version=1, follow_up_done="2020-02-28")
    response = signed_in(cast.admin).post(_url(cast, "meetings:decision-edit", decision.pk), data)
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.follow_up_done == dt.date(2020, 2, 28)
    page = signed_in(cast.lead).get(_url(cast, "meetings:decision-detail", decision.pk))
    assert "govuk-tag--green" in page.content.decode()


def test_a_plan_owner_creates_the_aim_a_decision_asks_for(cast: Cast) -> None:
    decision = f.decision(
        cast.plan, f.group(cast.partnership), cast.board, follow_up="Recruit two nurses"
    )
    url = _url(cast, "meetings:decision-action", decision.pk)
    form = signed_in(cast.owner).get(url).content.decode()
    assert "Recruit two nurses" in form  # the follow-up starts the aim's title
    driver = _aim(cast).driver
    response = signed_in(cast.owner).post(
        url,
        {
            "key_driver": driver.pk,
            "decision_version": 1,
            "title": "Recruit two nurses",
            "position": 5,
            "status": "not-started",
        },
    )
    decision.refresh_from_db()
    assert decision.created_action is not None
    assert response["Location"] == _url(cast, "plans:action-detail", decision.created_action.pk)
    assert decision.created_action.driver == driver
    again = signed_in(cast.owner).get(url)
    assert again.status_code == 404  # one aim per decision


def test_the_decision_log_lists_the_periods_decisions(cast: Cast) -> None:
    cog = f.group(cast.partnership)
    in_q1 = f.decision(cast.plan, cog, cast.board, decided_on=dt.date(2020, 2, 1), text="In Q1")
    f.decision(cast.plan, cog, cast.board, decided_on=dt.date(2019, 11, 1), text="In Q4")
    period = cast.plan.periods.get(starts=dt.date(2020, 1, 1))
    response = signed_in(cast.inspector).get(
        _url(cast, "meetings:decision-log"), {"plan": cast.plan.pk, "period": period.pk}
    )
    body = response.content.decode()
    assert f'data-decision="{in_q1.pk}"' in body
    assert "In Q4" not in body


def test_the_decision_log_opens_on_every_decision_of_the_plan(cast: Cast) -> None:
    cog = f.group(cast.partnership)
    f.decision(cast.plan, cog, cast.board, decided_on=dt.date(2020, 2, 1), text="This quarter")
    f.decision(cast.plan, cog, cast.board, decided_on=dt.date(2026, 2, 1), text="Long after")
    body = signed_in(cast.lead).get(_url(cast, "meetings:decision-log")).content.decode()
    assert "This quarter" in body and "Long after" in body


@pytest.mark.parametrize("query", [{"plan": "x"}, {"period": "999999"}])
def test_the_decision_log_refuses_what_it_does_not_offer(cast: Cast, query: dict[str, str]) -> None:
    response = signed_in(cast.lead).get(_url(cast, "meetings:decision-log"), query)
    assert response.status_code in (400, 404)


def test_another_partnerships_decision_is_not_found(cast: Cast) -> None:
    elsewhere = factories.plan_tree(cast.other, actions=1)
    theirs = f.decision(elsewhere, f.group(cast.other), cast.outsider)
    assert (
        signed_in(cast.board).get(_url(cast, "meetings:decision-detail", theirs.pk)).status_code
        == 404
    )


def test_the_decision_log_costs_the_same_at_3_and_30_decisions(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    cog = f.group(cast.partnership)
    client = signed_in(cast.board)
    url = _url(cast, "meetings:decision-log")
    counts = []
    for n in (3, 27):
        for i in range(n):
            f.decision(
                cast.plan,
                cog,
                cast.board,
                decided_on=dt.date(2020, 1, 1 + i),
                follow_up="x",
                follow_up_owner=cast.owner,
                created_action=_aim(cast, 1),
            )
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[0]):
        client.get(url)


def test_the_aim_page_costs_one_more_query_for_its_decisions(cast: Cast) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    aim = _aim(cast)
    client = signed_in(cast.board)
    url = _url(cast, "plans:action-detail", aim.pk)
    cog = f.group(cast.partnership)
    counts = []
    for n in (3, 27):
        for _ in range(n):
            f.decision(cast.plan, cog, cast.board, action=aim, follow_up="x")
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_an_invalid_correction_changes_nothing(cast: Cast) -> None:
    decision = f.decision(cast.plan, f.group(cast.partnership), cast.board, follow_up="x")
    data = _form(cast, version=1, follow_up_done="2020-03-05")  # after today
    response = signed_in(cast.board).post(_url(cast, "meetings:decision-edit", decision.pk), data)
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    decision.refresh_from_db()
    assert (decision.follow_up_done, decision.version) == (None, 1)


def test_an_aim_without_a_driver_is_not_created(cast: Cast) -> None:
    decision = f.decision(cast.plan, f.group(cast.partnership), cast.board)
    before = Action.objects.count()
    response = signed_in(cast.owner).post(
        _url(cast, "meetings:decision-action", decision.pk),
        {"decision_version": 1, "title": "New aim", "position": 5, "status": "not-started"},
    )
    assert response.status_code == 400
    assert Action.objects.count() == before
    decision.refresh_from_db()
    assert decision.created_action is None


def test_a_driver_of_another_plan_is_not_offered(cast: Cast) -> None:
    decision = f.decision(cast.plan, f.group(cast.partnership), cast.board)
    other = factories.plan_tree(cast.partnership, actions=1)
    driver = Action.objects.filter(driver__outcome__plan=other)[0].driver
    response = signed_in(cast.owner).post(
        _url(cast, "meetings:decision-action", decision.pk),
        {
            "key_driver": driver.pk,
            "decision_version": 1,
            "title": "New aim",
            "position": 5,
            "status": "not-started",
        },
    )
    assert response.status_code == 400
    assert not Action.objects.filter(title="New aim").exists()
