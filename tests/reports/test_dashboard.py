"""The partnership dashboard, the first page after sign-in: who sees it, that each number
is right against hand-built data, that each number links to a page showing the same
count, that restricted statuses stay hidden, and that it costs the same at any size."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.conftest import Cast, signed_in
from tests.measures.factories import measure
from trellis.accounts.models import Group, Partnership, Person, Role
from trellis.plans.models import Action, Milestone, Plan
from trellis.progress.models import Comment, ProgressUpdate, ReportingPeriod
from trellis.reports.dashboard import Dashboard, PlanDashboard, RagCount, current_plan

TODAY = dt.date(2020, 10, 23)  # a week after the Q3 2020 updates fell due (14 October)
Q2, Q3 = 2, 3  # indexes of Q2 and Q3 2020 among the factory plan's periods
D = dt.date
# Eight low quarters then eight high: a sustained shift (tests/measures/test_pages.py).
SHIFT = [10, 11, 12, 13, 14, 15, 16, 17, 30, 31, 32, 33, 34, 35, 36, 37]


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2020, 10, 23, 12, tzinfo=dt.UTC), tick=False):
        yield


# The scene: an active plan of six aims, three under each outcome


@dataclass
class Scene:
    cast: Cast
    plan: Plan
    actions: list[Action]  # 0-2 under the first outcome, 3-5 under the second

    @property
    def slug(self) -> str:
        return self.cast.partnership.slug

    def home(self) -> str:
        return reverse("plans:partnership-home", args=[self.slug])

    def period(self, index: int) -> ReportingPeriod:
        return self.plan.periods.all()[index]

    def overview(self) -> str:
        return reverse("progress:overview", args=[self.slug, self.plan.pk])

    def action_url(self, action: Action) -> str:
        return reverse("plans:action-detail", args=[self.slug, action.pk])

    def milestones_page(self) -> str:
        return reverse("reports:plan-milestones", args=[self.slug, self.plan.pk])


def actions_of(plan: Plan) -> list[Action]:
    return list(
        Action.objects.filter(driver__outcome__plan=plan)
        .select_related("driver__outcome")
        .order_by("position")
    )


def active_plan(part: Partnership, *, actions: int, lead: Person) -> Plan:
    plan = factories.plan_tree(part, actions=actions, lead=lead)
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.ACTIVE)
    Milestone.objects.filter(action__driver__outcome__plan=plan).delete()
    plan.refresh_from_db()
    return plan


@pytest.fixture
def scene(cast: Cast) -> Scene:
    plan = active_plan(cast.partnership, actions=6, lead=cast.lead)
    return Scene(cast=cast, plan=plan, actions=actions_of(plan))


def updated(action: Action, index: int, state: str, rag: str, *, late: bool = False) -> Any:
    update = factories.update(action, state=state, rag=rag, period_index=index)
    if late:
        ProgressUpdate.objects.filter(pk=update.pk).update(late=True)
    return update


@pytest.fixture
def statuses(scene: Scene) -> Scene:
    """Q2 and Q3 2020 updates. By outcome and status, Q2 → Q3:
    first outcome: green 1 → 2, amber 1 → 1, red 1 → 0;
    second outcome: green 1 → 1, red 0 → 1, no update 2 → 1.
    Q3: one missing (a5); late: a2 (draft), a3 (submitted late), a4 (returned), a5."""
    a = scene.actions
    for action, state, rag in [
        (a[0], "submitted", "green"),
        (a[1], "accepted", "amber"),
        (a[2], "submitted", "red"),
        (a[3], "accepted", "green"),
    ]:
        updated(action, Q2, state, rag)
    updated(a[0], Q3, "submitted", "green")
    updated(a[1], Q3, "accepted", "green")
    updated(a[2], Q3, "draft", "amber")
    updated(a[3], Q3, "submitted", "green", late=True)
    updated(a[4], Q3, "returned", "red")
    return scene


# Reading the page


class Links(HTMLParser):
    """Every link of a page, with its attributes and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []
        self._open: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open = {k: v or "" for k, v in attrs} | {"text": ""}
            self.links.append(self._open)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open["text"] += data


def links(response: Any) -> list[dict[str, str]]:
    parser = Links()
    parser.feed(response.content.decode())
    return parser.links


def link(response: Any, **attrs: str) -> dict[str, str]:
    found = [a for a in links(response) if all(a.get(k) == v for k, v in attrs.items())]
    assert len(found) == 1, (attrs, found)
    return found[0]


def section(response: Any, start: str, end: str) -> str:
    content = response.content.decode()
    at = content.index(start)
    return content[at : content.index(end, at)]


def board_of(response: Any) -> PlanDashboard:
    dashboard: Dashboard = response.context["dashboard"]
    assert dashboard.current is not None
    return dashboard.current


def counts(board: PlanDashboard, outcome_index: int | None) -> dict[str, RagCount]:
    row = board.all_outcomes if outcome_index is None else board.outcomes[outcome_index]
    assert row is not None
    return {c.rag: c for c in row.counts}


def shown(board: PlanDashboard, outcome_index: int | None) -> dict[str, str]:
    """Each status's count as the page writes it: "2 (+1)"."""
    return {
        rag: f"{c.count} ({c.change_text})" if c.change_text else str(c.count)
        for rag, c in counts(board, outcome_index).items()
    }


def overview_count(client: Client, href: str) -> int:
    """How many actions the overview lists at this address."""
    response = client.get(html.unescape(href))
    assert response.status_code == 200
    return len(response.context["result"].rows)


# Who sees it


@pytest.mark.parametrize("role", ["board", "lead", "owner", "inspector", "admin", "analyst"])
def test_every_member_sees_the_dashboard_of_the_current_plan(scene: Scene, role: str) -> None:
    response = signed_in(scene.cast.by_role()[role]).get(scene.home())

    assert response.status_code == 200
    assert board_of(response).plan == scene.plan
    content = response.content.decode()
    assert scene.cast.partnership.name in content
    assert 'id="rag-by-outcome"' in content
    assert 'id="board"' in content


def test_an_outsider_is_told_the_dashboard_does_not_exist(scene: Scene) -> None:
    response = signed_in(scene.cast.outsider).get(scene.home())

    assert response.status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(scene: Scene) -> None:
    response = Client().get(scene.home())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))


def test_the_dashboard_only_reads(statuses: Scene) -> None:
    before = ProgressUpdate.objects.count(), Comment.objects.count(), Milestone.objects.count()

    signed_in(statuses.cast.board).get(statuses.home())

    after = ProgressUpdate.objects.count(), Comment.objects.count(), Milestone.objects.count()
    assert before == after


# The plan and the period


def test_the_current_plan_is_the_most_recent_active_one_and_the_others_are_linked(
    scene: Scene,
) -> None:
    older = factories.plan_tree(scene.cast.partnership, actions=1)
    Plan.objects.filter(pk=older.pk).update(
        status=Plan.Status.ACTIVE, starts=D(2018, 10, 1), ends=D(2019, 9, 30)
    )
    newer_draft = factories.plan_tree(scene.cast.partnership, actions=1)
    Plan.objects.filter(pk=newer_draft.pk).update(starts=D(2020, 10, 1), ends=D(2021, 9, 30))

    response = signed_in(scene.cast.board).get(scene.home())

    assert board_of(response).plan == scene.plan
    others = section(response, 'id="other-plans"', "</ul>")
    for plan in (older, newer_draft, scene.cast.plan):
        assert reverse("plans:plan-detail", args=[scene.slug, plan.pk]) in others


def test_with_no_active_plan_the_most_recent_draft_is_current(cast: Cast) -> None:
    later = factories.plan_tree(cast.partnership, actions=1)
    Plan.objects.filter(pk=later.pk).update(starts=D(2020, 10, 1), ends=D(2021, 9, 30))
    closed = factories.plan_tree(cast.partnership, actions=1)
    Plan.objects.filter(pk=closed.pk).update(
        status=Plan.Status.CLOSED, starts=D(2021, 10, 1), ends=D(2022, 9, 30)
    )

    assert current_plan(list(cast.partnership.plans.all())) == later


def test_a_partnership_with_only_closed_plans_has_no_current_plan(cast: Cast) -> None:
    Plan.objects.filter(pk=cast.plan.pk).update(status=Plan.Status.CLOSED)

    response = signed_in(cast.board).get(
        reverse("plans:partnership-home", args=[cast.partnership.slug])
    )

    assert response.status_code == 200
    assert response.context["dashboard"].current is None
    assert 'id="no-plan"' in response.content.decode()


def test_the_period_shown_is_the_overviews_and_links_to_the_periods_page(
    statuses: Scene,
) -> None:
    response = signed_in(statuses.cast.board).get(statuses.home())

    board = board_of(response)
    assert board.period == statuses.period(Q3)  # Q4 has begun but nobody has written for it
    assert board.previous == statuses.period(Q2)
    assert "Reporting period: Q3 2020" in section(response, 'id="current-period"', "</p>")
    href = link(response, id="periods-link")["href"]
    assert href == reverse("progress:period-list", args=[statuses.slug, statuses.plan.pk])
    assert signed_in(statuses.cast.board).get(href).status_code == 200


def test_a_plan_with_no_reporting_periods_shows_what_it_can(cast: Cast) -> None:
    plan = Plan.objects.create(
        partnership=cast.partnership,
        title="A plan still being set up",
        starts=D(2021, 1, 1),
        ends=D(2021, 12, 31),
        status=Plan.Status.ACTIVE,
    )

    response = signed_in(cast.board).get(
        reverse("plans:partnership-home", args=[cast.partnership.slug])
    )

    board = board_of(response)
    assert board.plan == plan
    assert board.period is None and board.missing is None and board.outcomes == []
    assert "This plan has no reporting periods yet." in response.content.decode()
    assert 'id="rag-by-outcome"' not in response.content.decode()


# RAG counts by outcome


def test_status_counts_by_outcome_show_the_change_since_the_previous_period(
    statuses: Scene,
) -> None:
    board = board_of(signed_in(statuses.cast.owner).get(statuses.home()))

    first, second = shown(board, 0), shown(board, 1)
    assert (first["green"], first["amber"], first["red"]) == ("2 (+1)", "1 (0)", "0 (−1)")
    assert (second["green"], second["red"], second["none"]) == ("1 (0)", "1 (+1)", "1 (−1)")
    every = shown(board, None)
    assert (every["green"], every["amber"], every["red"], every["none"]) == (
        "3 (+1)",
        "1 (0)",
        "1 (0)",
        "1 (−1)",
    )
    assert [o.total for o in board.outcomes] == [3, 3]
    assert "restricted" not in counts(board, None)  # no column when nothing is restricted


def test_the_page_writes_each_status_count_with_its_change(statuses: Scene) -> None:
    response = signed_in(statuses.cast.owner).get(statuses.home())

    outcome = statuses.actions[0].driver.outcome_id
    row = section(response, f'data-outcome="{outcome}"', "</tr>")
    green = row[row.index('data-rag="green"') :]
    cell = green[: green.index("</td>")]
    assert cell.split(">", 1)[1].startswith("2<")
    assert '>(+1<span class="govuk-visually-hidden"> since Q2 2020</span>)' in cell
    assert "Green</strong>" in section(response, 'id="rag-by-outcome"', "</thead>")


def test_in_the_first_period_there_is_no_change_to_show(scene: Scene) -> None:
    updated(scene.actions[0], 0, "submitted", "green")
    with time_machine.travel(dt.datetime(2020, 1, 20, 12, tzinfo=dt.UTC), tick=False):
        response = signed_in(scene.cast.board).get(scene.home())

    board = board_of(response)
    assert board.period == scene.period(0)
    assert board.previous is None
    assert shown(board, 0)["green"] == "1"
    assert "no change to show" in response.content.decode()


def test_each_status_count_links_to_the_overview_filtered_by_outcome_and_status(
    statuses: Scene,
) -> None:
    client = signed_in(statuses.cast.board)
    response = client.get(statuses.home())
    board = board_of(response)
    q3 = statuses.period(Q3).pk

    outcome = board.outcomes[0].outcome_id
    row_links = [
        a
        for a in links(response)
        if a.get("data-rag") and f"outcome={outcome}&" in html.unescape(a["href"])
    ]
    assert row_links, "the first outcome's counts link somewhere"
    green_href = next(a["href"] for a in row_links if a["data-rag"] == "green")
    assert html.unescape(green_href) == (
        f"{statuses.overview()}?period={q3}&outcome={outcome}&rag=green"
    )
    for outcome_row in [*board.outcomes, board.all_outcomes]:
        assert outcome_row is not None
        for c in outcome_row.counts:
            assert overview_count(client, f"{statuses.overview()}?{c.query}") == c.count
        assert overview_count(client, f"{statuses.overview()}?{outcome_row.query}") == (
            outcome_row.total
        )


def test_every_status_link_on_the_page_leads_to_the_count_it_shows(statuses: Scene) -> None:
    client = signed_in(statuses.cast.board)
    response = client.get(statuses.home())

    status_links = [a for a in links(response) if a.get("data-rag")]
    assert len(status_links) == 3 * (len(board_of(response).rag_columns) + 1)
    for a in status_links:
        assert overview_count(client, a["href"]) == int(a["text"].split()[0])


# Missing and late


def test_missing_and_late_updates_are_counted_for_the_current_period(statuses: Scene) -> None:
    board = board_of(signed_in(statuses.cast.owner).get(statuses.home()))

    assert board.missing is not None and board.late is not None
    assert board.missing.count == 1
    assert board.late.count == 4


def test_missing_and_late_link_to_the_overview_filtered_by_state(statuses: Scene) -> None:
    client = signed_in(statuses.cast.board)
    response = client.get(statuses.home())
    q3 = statuses.period(Q3).pk

    missing = link(response, **{"data-count": "missing"})
    late = link(response, **{"data-count": "late"})

    assert html.unescape(missing["href"]) == f"{statuses.overview()}?period={q3}&state=missing"
    assert html.unescape(late["href"]) == f"{statuses.overview()}?period={q3}&state=late"
    assert overview_count(client, missing["href"]) == 1 == int(missing["text"].split()[0])
    assert overview_count(client, late["href"]) == 4 == int(late["text"].split()[0])
    every = link(response, **{"data-count": "actions"})
    assert html.unescape(every["href"]) == f"{statuses.overview()}?period={q3}"
    assert overview_count(client, every["href"]) == 6 == int(every["text"].split()[0])


# Milestones


@pytest.fixture
def milestones(scene: Scene) -> dict[str, Milestone]:
    a = scene.actions

    def make(name: str, action: Action, due: dt.date, **extra: Any) -> tuple[str, Milestone]:
        return name, Milestone.objects.create(
            partnership=scene.cast.partnership, action=action, title=name, due=due, **extra
        )

    moved = {"revision_reason": "Workshop moved"}
    return dict(
        [
            make("overdue", a[0], D(2020, 10, 1)),
            make("moved later", a[1], D(2020, 10, 10), revised_due=D(2020, 11, 10), **moved),
            make("moved earlier", a[2], D(2020, 12, 31), revised_due=D(2020, 10, 20), **moved),
            make("moved out of reach", a[3], D(2020, 11, 1), revised_due=D(2021, 1, 31), **moved),
            make("done", a[3], D(2020, 10, 1), done=D(2020, 10, 2)),
            make("today", a[4], TODAY),
            make("last day of the window", a[4], D(2020, 11, 22)),
            make("a day too far", a[5], D(2020, 11, 23)),
        ]
    )


def test_milestones_are_due_or_overdue_by_their_current_due_date(
    scene: Scene, milestones: dict[str, Milestone]
) -> None:
    board = board_of(signed_in(scene.cast.board).get(scene.home()))

    assert [m.title for m in board.milestones_overdue] == ["overdue", "moved earlier"]
    assert [m.days for m in board.milestones_overdue] == [22, 3]
    assert [m.title for m in board.milestones_due] == [
        "today",
        "moved later",
        "last day of the window",
    ]
    assert [m.days for m in board.milestones_due] == [0, 18, 30]
    assert (board.milestones_overdue_total, board.milestones_due_total) == (2, 3)


def test_milestone_counts_link_to_the_lists_of_those_milestones(
    scene: Scene, milestones: dict[str, Milestone]
) -> None:
    response = signed_in(scene.cast.board).get(scene.home())

    overdue = link(response, **{"data-count": "milestones-overdue"})
    due = link(response, **{"data-count": "milestones-due"})

    assert overdue["href"] == "#milestones-overdue"
    assert due["href"] == "#milestones-due"
    overdue_list = section(response, 'id="milestones-overdue"', "</table>")
    due_list = section(response, 'id="milestones-due"', "</table>")
    assert overdue_list.count("data-milestone=") == 2 == int(overdue["text"].split()[0])
    assert due_list.count("data-milestone=") == 3 == int(due["text"].split()[0])
    assert f'data-milestone="{milestones["moved earlier"].pk}"' in overdue_list
    assert "revised from 31 December 2020" in overdue_list
    assert scene.action_url(scene.actions[2]) in overdue_list


def test_milestones_of_another_plan_are_not_counted(
    scene: Scene, milestones: dict[str, Milestone]
) -> None:
    elsewhere = Action.objects.filter(driver__outcome__plan=scene.cast.plan)[0]
    Milestone.objects.create(
        partnership=scene.cast.partnership, action=elsewhere, title="x", due=D(2020, 10, 1)
    )

    board = board_of(signed_in(scene.cast.board).get(scene.home()))

    assert len(board.milestones_overdue) == 2
    assert board.milestones_overdue_total == 2


def many_milestones(scene: Scene, *, overdue: int, due: int) -> None:
    """`overdue` milestones 1, 2, … days overdue and `due` milestones due in 0, 1, … days,
    spread over the plan's aims."""
    assert due <= 31  # the 30 days ahead, and today
    a = scene.actions
    part = scene.cast.partnership
    Milestone.objects.bulk_create(
        [
            Milestone(
                partnership=part,
                action=a[i % len(a)],
                title=f"Overdue by {i + 1}",
                due=TODAY - dt.timedelta(days=i + 1),
            )
            for i in range(overdue)
        ]
        + [
            Milestone(
                partnership=part,
                action=a[i % len(a)],
                title=f"Due in {i}",
                due=TODAY + dt.timedelta(days=i),
            )
            for i in range(due)
        ]
    )


def test_the_dashboard_lists_the_20_most_pressing_milestones_of_each_and_counts_them_all(
    scene: Scene,
) -> None:
    many_milestones(scene, overdue=25, due=23)

    response = signed_in(scene.cast.board).get(scene.home())

    board = board_of(response)
    assert [m.days for m in board.milestones_overdue] == list(range(25, 5, -1))
    assert [m.days for m in board.milestones_due] == list(range(20))
    assert (board.milestones_overdue_total, board.milestones_due_total) == (25, 23)
    overdue_list = section(response, 'id="milestones-overdue"', "</table>")
    due_list = section(response, 'id="milestones-due"', "</table>")
    assert overdue_list.count("data-milestone=") == 20 == due_list.count("data-milestone=")
    assert "25 milestones overdue</caption>" in overdue_list
    assert "23 milestones due in the next 30 days</caption>" in due_list
    overdue = link(response, **{"data-count": "milestones-overdue"})
    due = link(response, **{"data-count": "milestones-due"})
    assert (int(overdue["text"].split()[0]), int(due["text"].split()[0])) == (25, 23)


def test_when_the_dashboard_cuts_a_list_it_says_so_and_links_to_every_milestone(
    scene: Scene,
) -> None:
    many_milestones(scene, overdue=25, due=23)

    response = signed_in(scene.cast.board).get(scene.home())

    more_overdue = section(response, 'id="milestones-overdue-more"', "</p>")
    more_due = section(response, 'id="milestones-due-more"', "</p>")
    assert "Showing the 20 most overdue." in more_overdue
    assert "Showing the 20 due soonest." in more_due
    see_overdue = link(response, text="See all 25 overdue milestones")
    see_due = link(response, text="See all 23 milestones due in the next 30 days")
    assert see_overdue["href"] == f"{scene.milestones_page()}#milestones-overdue"
    assert see_due["href"] == f"{scene.milestones_page()}#milestones-due"


def test_the_see_all_links_open_a_page_listing_as_many_milestones_as_they_say(
    scene: Scene,
) -> None:
    many_milestones(scene, overdue=25, due=23)
    client = signed_in(scene.cast.board)
    response = client.get(scene.home())

    for text, table, total in [
        ("See all 25 overdue milestones", "milestones-overdue", 25),
        ("See all 23 milestones due in the next 30 days", "milestones-due", 23),
    ]:
        page = client.get(link(response, text=text)["href"].split("#")[0])
        assert page.status_code == 200
        assert section(page, f'id="{table}"', "</table>").count("data-milestone=") == total


@pytest.mark.parametrize(("overdue", "due"), [(20, 20), (2, 0)])
def test_no_line_links_to_the_full_list_when_every_milestone_is_on_the_dashboard(
    scene: Scene, overdue: int, due: int
) -> None:
    many_milestones(scene, overdue=overdue, due=due)

    response = signed_in(scene.cast.board).get(scene.home())

    content = response.content.decode()
    assert section(response, 'id="milestones-overdue"', "</table>").count("data-milestone=") == (
        overdue
    )
    assert section(response, 'id="milestones-due"', "</table>").count("data-milestone=") == due
    assert "milestones-overdue-more" not in content
    assert "milestones-due-more" not in content
    assert "See all" not in content
    assert scene.milestones_page() not in content


# Flags


@pytest.fixture
def flagged(statuses: Scene) -> Scene:
    """Two disagreements: a0 reports green in Q3 while its measure is off track and getting
    worse; a2's latest reported status is Q2's red (Q3's is a draft) while its measure
    improves. a1's measure agrees with its green."""
    a = statuses.actions
    off_track = dict(baseline=(D(2017, 12, 31), 10.0), targets=[(D(2021, 12, 31), 5.0)])
    measure(
        statuses.cast,
        title="Worsening",
        kind="count",
        direction="decrease",
        values=SHIFT,
        first=D(2018, 3, 31),
        actions=[a[0]],
        **off_track,  # type: ignore[arg-type]
    )
    measure(
        statuses.cast,
        title="Improving",
        kind="count",
        values=SHIFT,
        first=D(2018, 3, 31),
        actions=[a[2], a[1]],
    )
    return statuses


def test_flags_are_where_a_leads_status_and_the_data_disagree(flagged: Scene) -> None:
    board = board_of(signed_in(flagged.cast.board).get(flagged.home()))

    assert sorted((f.action.pk, f.measure.title) for f in board.flags) == sorted(
        [(flagged.actions[0].pk, "Worsening"), (flagged.actions[2].pk, "Improving")]
    )
    assert len(board.measures) == 2


def test_the_flag_count_links_to_the_flags_and_each_flag_to_its_action(flagged: Scene) -> None:
    response = signed_in(flagged.cast.board).get(flagged.home())

    count = link(response, **{"data-count": "flags"})
    assert count["href"] == "#flags"
    assert int(count["text"].split()[0]) == 2
    flags = section(response, 'id="flag-list"', "</ul>")
    assert flags.count("<li") == 2
    for action in (flagged.actions[0], flagged.actions[2]):
        assert f'href="{flagged.action_url(action)}"' in flags


def test_the_board_table_of_measures_is_shown(flagged: Scene) -> None:
    response = signed_in(flagged.cast.board).get(flagged.home())

    table = section(response, 'id="board"', "</table>")
    assert "Worsening" in table and "Improving" in table
    assert "Off track" in table


# Challenge threads


def comment(action: Action, author: Person, days_ago: int) -> Comment:
    made = Comment.objects.create(
        partnership_id=action.partnership_id, action=action, author=author, body="Why?"
    )
    when = timezone.now() - dt.timedelta(days=days_ago)
    Comment.objects.filter(pk=made.pk).update(created_at=when)
    return made


@pytest.fixture
def threads(scene: Scene) -> Scene:
    a, board, lead = scene.actions, scene.cast.board, scene.cast.lead
    deputy = a[2].deputies.get()
    comment(a[0], board, 10)
    comment(a[0], lead, 5)  # answered, recent: open
    comment(a[1], board, 200)  # unanswered, however old: open
    comment(a[2], board, 200)
    comment(a[2], deputy, 150)  # answered by a deputy long ago: closed
    comment(a[3], lead, 100)  # the lead's own note, old: closed
    comment(a[4], lead, 90)  # 90 days ago is still the last 90 days: open
    comment(a[5], lead, 91)  # closed
    comment(Action.objects.filter(driver__outcome__plan=scene.cast.plan)[0], board, 1)
    return scene


def test_open_threads_are_recent_or_waiting_for_the_lead(threads: Scene) -> None:
    board = board_of(signed_in(threads.cast.board).get(threads.home()))

    a = threads.actions
    assert [t.action_id for t in board.threads] == [a[1].pk, a[0].pk, a[4].pk]
    assert [t.awaiting_reply for t in board.threads] == [True, False, False]
    assert [t.comments for t in board.threads] == [1, 2, 1]


def test_the_thread_count_links_to_the_threads_and_each_to_its_actions_comments(
    threads: Scene,
) -> None:
    client = signed_in(threads.cast.board)
    response = client.get(threads.home())

    count = link(response, **{"data-count": "threads"})
    assert count["href"] == "#threads"
    table = section(response, 'id="thread-table"', "</table>")
    assert table.count("data-thread=") == 3 == int(count["text"].split()[0])
    assert "Waiting for the lead" in table
    href = f"{threads.action_url(threads.actions[1])}#comments"
    assert f'href="{href}"' in table
    thread_page = client.get(href.split("#")[0]).content.decode()
    assert 'id="comments"' in thread_page


# Restricted updates


@pytest.fixture
def restricted(statuses: Scene) -> Scene:
    """a4's red Q3 update is restricted to a group the board member is not on."""
    police = Group.objects.create(partnership=statuses.cast.partnership, name="Police operational")
    ProgressUpdate.objects.get(
        action=statuses.actions[4], period=statuses.period(Q3)
    ).restricted_to.add(police)
    return statuses


def test_a_restricted_status_is_counted_as_restricted_for_those_who_may_not_read_it(
    restricted: Scene,
) -> None:
    board = board_of(signed_in(restricted.cast.board).get(restricted.home()))

    second = shown(board, 1)
    assert (second["red"], second["restricted"]) == ("0 (0)", "1 (+1)")
    assert shown(board, None)["red"] == "0 (−1)"


def test_those_who_may_read_a_restricted_update_see_its_status(restricted: Scene) -> None:
    board = board_of(signed_in(restricted.cast.owner).get(restricted.home()))

    assert shown(board, 1)["red"] == "1 (+1)"
    assert "restricted" not in counts(board, 1)


def test_the_restricted_count_links_to_the_overviews_restricted_filter(restricted: Scene) -> None:
    client = signed_in(restricted.cast.board)
    response = client.get(restricted.home())

    outcome = board_of(response).outcomes[1].outcome_id
    found = [
        a
        for a in links(response)
        if a.get("data-rag") == "restricted" and f"outcome={outcome}&" in html.unescape(a["href"])
    ]
    assert len(found) == 1
    assert overview_count(client, found[0]["href"]) == 1
    assert "Restricted" in section(response, 'id="rag-by-outcome"', "</thead>")


# Cost


def busy_partnership(actions: int) -> tuple[Person, str]:
    """A partnership whose active plan has `actions` aims, each with updates in Q2 and Q3
    (a third restricted), a measure, an overdue and a due milestone, and a thread."""
    part = factories.partnership()
    lead = factories.person(part, Role.LEAD)
    board = factories.person(part, Role.BOARD)
    group = Group.objects.create(partnership=part, name="Police operational")
    plan = active_plan(part, actions=actions, lead=lead)
    rags = ["green", "amber", "red"]
    for i, action in enumerate(actions_of(plan)):
        updated(action, Q2, "accepted", rags[i % 3])
        update = updated(action, Q3, "submitted", rags[(i + 1) % 3])
        if i % 3 == 0:
            update.restricted_to.add(group)
        measure(part, kind="count", values=SHIFT[: 4 + i % 12], actions=[action])
        for due in (D(2020, 10, 1), D(2020, 11, 1)):
            Milestone.objects.create(partnership=part, action=action, title="M", due=due)
        comment(action, board, 3)
    return board, reverse("plans:partnership-home", args=[part.slug])


def queries_for(client: Client, url: str) -> tuple[int, Any]:
    client.get(url)  # warm per-process caches, so both measured requests start alike
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


def test_the_dashboard_costs_the_same_queries_for_3_and_30_actions(db: Any) -> None:
    small_board, small_url = busy_partnership(3)
    large_board, large_url = busy_partnership(30)

    small, _ = queries_for(signed_in(small_board), small_url)
    large, response = queries_for(signed_in(large_board), large_url)

    print(f"dashboard: {small} queries")
    assert small == large
    board = board_of(response)
    assert board.actions == 30
    assert len(board.measures) == 30
    assert len(board.milestones_overdue) == len(board.milestones_due) == 20  # of 30 each
    assert board.milestones_overdue_total == board.milestones_due_total == 30
    assert len(board.threads) == 30
