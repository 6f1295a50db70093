"""The plan page's six-column table (trellis.plans.plan_table), as a reader sees it."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from trellis.plans.models import Action, Milestone, Outcome, Plan


def table(cast: Cast, plan: Plan) -> str:
    response = signed_in(cast.board).get(
        reverse("plans:plan-detail", args=[cast.partnership.slug, plan.pk])
    )
    assert response.status_code == 200
    content = response.content.decode()
    return content[content.index('id="plan-table-caption"') : content.index("</table>")]


def row_of(html: str, text: str) -> str:
    start = html.rindex("<tr", 0, html.index(text))
    return html[start : html.index("</tr>", start)]


def cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)]


def test_an_outcome_with_no_drivers_shows_a_dash_in_each_empty_column(cast: Cast) -> None:
    plan = factories.plan_tree(cast.partnership, actions=3)
    Outcome.objects.create(partnership=cast.partnership, plan=plan, title="Empty", position=9)

    row = row_of(table(cast, plan), "Empty")

    assert cells(row) == ["Empty", "–", "–", "–", "–", "–"]


def test_a_not_applicable_outcome_says_so_and_gives_its_reason(cast: Cast) -> None:
    plan = factories.plan_tree(cast.partnership, actions=3)
    Outcome.objects.create(
        partnership=cast.partnership,
        plan=plan,
        title="Strength",
        position=9,
        not_applicable=True,
        not_applicable_reason="Found to be a strength.",
    )

    row = row_of(table(cast, plan), "Strength")

    assert cells(row) == ["Strength N/A", "N/A", "N/A", "–", "–", "Found to be a strength."]


def test_milestones_read_as_dates_with_their_revision_and_completion(cast: Cast) -> None:
    plan = factories.plan_tree(cast.partnership, actions=3)
    action = Action.objects.filter(driver__outcome__plan=plan).order_by("position")[0]
    Milestone.objects.filter(action=action, title="Milestone 0").update(
        revised_due=dt.date(2020, 9, 30), revision_reason="Staff away", done=dt.date(2020, 10, 2)
    )

    row = row_of(table(cast, plan), f">{action.title}<")

    assert (
        "<li>Milestone 0, by 1 January 2020 (revised to 30 September 2020) – done 2 October 2020"
        "</li><li>Milestone 1, by 2 January 2020</li>"
    ) in row


def test_the_table_escapes_text_and_keeps_line_breaks(cast: Cast) -> None:
    plan = factories.plan_tree(cast.partnership, actions=3)
    action = Action.objects.filter(driver__outcome__plan=plan).order_by("position")[0]
    Action.objects.filter(pk=action.pk).update(
        title="<script>alert(1)</script>", key_measure="First line\r\nSecond & last"
    )

    html = table(cast, plan)

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "First line<br>Second &amp; last" in html


def test_the_lead_and_deputies_are_named_under_the_lead_responsibility(cast: Cast) -> None:
    plan = factories.plan_tree(cast.partnership, actions=3, lead=cast.lead)
    action = Action.objects.filter(driver__outcome__plan=plan).order_by("position")[0]
    Action.objects.filter(pk=action.pk).update(lead_responsibility="Head of service")
    deputy = action.deputies.get()

    row = row_of(table(cast, plan), f">{action.title}<")

    assert cells(row)[-2] == f"Head of serviceLead: {cast.lead}Deputies: {deputy}"
