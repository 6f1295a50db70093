"""The measures' pages: the board table, the measure with its chart, defining a measure and
its targets, recording figures one at a time or pasted, their history, chart notes and
comparison series — by role, across partnerships, with bad input and concurrent saves."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.conftest import Cast, signed_in
from tests.measures.factories import measure, member
from trellis.accounts.models import Person, Role
from trellis.measures import services
from trellis.measures.models import (
    Annotation,
    Comparator,
    Measure,
    Observation,
    ObservationRevision,
    Target,
)
from trellis.plans.models import Action

D = dt.date
Q1, Q2, Q3 = D(2020, 3, 31), D(2020, 6, 30), D(2020, 9, 30)
SIGN_IN = reverse("accounts:sign-in")


def body(response: Any) -> str:
    return str(response.content.decode())


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def errors(response: Any) -> dict[str, list[str]]:
    return {k: [str(e) for e in v] for k, v in response.context["form"].errors.items()}


@dataclass
class Scene:
    cast: Cast
    action: Action  # led by cast.lead
    measure: Measure  # a percentage evidencing that action, with one figure for Q1 2020
    observation: Observation
    note: Annotation
    comparator: Comparator

    @property
    def slug(self) -> str:
        return self.cast.partnership.slug

    def url(self, name: str, *args: Any) -> str:
        return reverse(f"measures:{name}", args=[self.slug, *args])

    def client(self, role: str) -> Client:
        return signed_in(self.cast.by_role()[role])

    def stored(self) -> Measure:
        return Measure.objects.get(pk=self.measure.pk)


@pytest.fixture
def scene(cast: Cast) -> Scene:
    action = Action.objects.filter(partnership=cast.partnership, lead=cast.lead).order_by("id")[0]
    made = measure(
        cast,
        code="LAC-IHA",
        title="Initial health assessments within 4 weeks",
        values=[12],
        denominators=[30],
        first=Q1,
        actions=[action],
        notes=[(D(2020, 2, 1), "New triage began")],
        comparators={"Scotland": [55]},
    )
    return Scene(
        cast=cast,
        action=action,
        measure=made,
        observation=made.observations.get(),
        note=made.annotations.get(),
        comparator=made.comparators.get(),
    )


def urls(s: Scene) -> dict[str, str]:
    """Every measures page, for the scene's objects."""
    m, o = s.measure.pk, s.observation.pk
    return {
        "measure-list": s.url("measure-list"),
        "plan-board": s.url("plan-board", s.cast.plan.pk),
        "measure-detail": s.url("measure-detail", m),
        "measure-create": s.url("measure-create"),
        "measure-edit": s.url("measure-edit", m),
        "targets-edit": s.url("targets-edit", m),
        "annotation-add": s.url("annotation-add", m),
        "comparator-add": s.url("comparator-add", m),
        "annotation-remove": s.url("annotation-remove", s.note.pk),
        "comparator-remove": s.url("comparator-remove", s.comparator.pk),
        "observation-add": s.url("observation-add", m),
        "paste": s.url("paste", m),
        "observation-edit": s.url("observation-edit", o),
        "observation-history": s.url("observation-history", o),
    }


PAGES = [
    "measure-list",
    "plan-board",
    "measure-detail",
    "measure-create",
    "measure-edit",
    "targets-edit",
    "annotation-add",
    "comparator-add",
    "annotation-remove",
    "comparator-remove",
    "observation-add",
    "paste",
    "observation-edit",
    "observation-history",
]


# Who may reach the pages at all


@pytest.mark.parametrize("name", PAGES)
def test_an_anonymous_visitor_is_sent_to_sign_in(scene: Scene, name: str) -> None:
    response = Client().get(urls(scene)[name])

    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)


@pytest.mark.parametrize("name", PAGES)
def test_a_member_of_another_partnership_is_told_the_page_does_not_exist(
    scene: Scene, name: str
) -> None:
    response = scene.client("outsider").get(urls(scene)[name])

    assert response.status_code == 404


@pytest.fixture
def theirs(cast: Cast) -> Scene:
    """The same objects in the other partnership."""
    plan = factories.plan_tree(cast.other, actions=1)
    action = Action.objects.get(driver__outcome__plan=plan)
    author = factories.person(cast.other, Role.ANALYST)
    made = measure(
        cast.other,
        values=[1],
        denominators=[2],
        first=Q1,
        actions=[action],
        notes=[(Q1, "Theirs")],
        comparators={"Theirs": [1]},
        by=author,
    )
    return Scene(
        cast=Cast(**{**cast.__dict__, "plan": plan}),  # still addressed by the home slug
        action=action,
        measure=made,
        observation=made.observations.get(),
        note=made.annotations.get(),
        comparator=made.comparators.get(),
    )


@pytest.mark.parametrize("name", [p for p in PAGES if p not in ("measure-list", "measure-create")])
def test_an_id_from_another_partnership_is_not_found(
    scene: Scene, theirs: Scene, name: str
) -> None:
    url = urls(theirs)[name]  # the other partnership's ids, under this partnership's address

    response = scene.client("owner").get(url)

    assert response.status_code == 404


def test_posting_to_another_partnerships_figure_changes_nothing(
    scene: Scene, theirs: Scene
) -> None:
    response = scene.client("owner").post(
        scene.url("observation-edit", theirs.observation.pk),
        {"numerator": "2", "denominator": "2", "version": "1"},
    )

    assert response.status_code == 404
    assert Observation.objects.get(pk=theirs.observation.pk).value == 50.0


# The board table


def board_row(response: Any, m: Measure) -> str:
    content = body(response)
    start = content.index(f'id="measure-{m.pk}"')
    return text_of(content[start : content.index("</tr>", start)])


@dataclass
class Board:
    achieved_improving: Measure
    off_track_deteriorating: Measure
    too_few: Measure
    wobbling: Measure


# Sixteen quarters: eight low then eight high. On a run chart the longest run (8) is over
# the Anhøj limit for 16 points (7) and the line crosses its median once: a signal.
SHIFT = [10, 11, 12, 13, 14, 15, 16, 17, 30, 31, 32, 33, 34, 35, 36, 37]
ALTERNATING = [10, 12] * 6  # crosses the median at every step: no signal


@pytest.fixture
def board(scene: Scene) -> Board:
    linked: dict[str, Any] = {"actions": [scene.action], "first": D(2018, 3, 31)}
    return Board(
        achieved_improving=measure(
            scene.cast,
            title="Shifting up",
            kind="count",
            values=SHIFT,
            baseline=(D(2017, 12, 31), 10.0),
            targets=[(D(2021, 12, 31), 30.0)],
            **linked,
        ),
        off_track_deteriorating=measure(
            scene.cast,
            title="Shifting the wrong way",
            kind="count",
            direction="decrease",
            values=SHIFT,
            baseline=(D(2017, 12, 31), 10.0),
            targets=[(D(2021, 12, 31), 5.0)],
            **linked,
        ),
        too_few=measure(
            scene.cast, title="Three quarters", values=[12, 15, 18], denominators=[30] * 3, **linked
        ),
        wobbling=measure(scene.cast, title="Wobbling", kind="count", values=ALTERNATING, **linked),
    )


@pytest.mark.parametrize("page", ["measure-list", "plan-board"])
def test_the_board_shows_each_measures_latest_value_status_and_verdict(
    scene: Scene, board: Board, page: str
) -> None:
    response = scene.client("board").get(urls(scene)[page])

    assert response.status_code == 200
    achieved = board_row(response, board.achieved_improving)
    assert "Shifting up" in achieved
    assert "37 Q4 2021" in achieved
    assert "Up from 36" in achieved
    assert "Target achieved" in achieved
    assert "Improving" in achieved
    behind = board_row(response, board.off_track_deteriorating)
    assert "Off track" in behind
    assert "expected 5" in behind
    assert "Deteriorating" in behind
    few = board_row(response, board.too_few)
    assert "60% Q3 2018" in few
    assert few.count("Not enough data") == 2  # no trajectory, and too few figures
    wobbling = board_row(response, board.wobbling)
    assert "No signal" in wobbling
    assert "Up from 10" in wobbling


def test_the_plan_board_lists_only_measures_of_the_plans_aims(scene: Scene) -> None:
    elsewhere = factories.plan_tree(scene.cast.partnership, actions=1)
    unrelated = measure(
        scene.cast,
        title="Evidence of another plan",
        actions=[Action.objects.get(driver__outcome__plan=elsewhere)],
    )
    unlinked = measure(scene.cast, title="Linked to nothing")
    second_aim = Action.objects.filter(driver__outcome__plan=scene.cast.plan).exclude(
        pk=scene.action.pk
    )[0]
    scene.measure.actions.add(second_aim)  # evidences two of the plan's aims

    board_page = scene.client("board").get(scene.url("plan-board", scene.cast.plan.pk))
    list_page = scene.client("board").get(scene.url("measure-list"))

    assert f'id="measure-{scene.measure.pk}"' in body(board_page)
    for other in (unrelated, unlinked):
        assert f'id="measure-{other.pk}"' not in body(board_page)
        assert f'id="measure-{other.pk}"' in body(list_page)
    assert body(board_page).count(f'id="measure-{scene.measure.pk}"') == 1  # once, not once per aim


def test_the_board_flags_a_green_aim_whose_measure_is_off_track_and_worsening(
    scene: Scene, board: Board
) -> None:
    factories.update(scene.action, state="accepted", rag="green")

    response = scene.client("board").get(scene.url("plan-board", scene.cast.plan.pk))

    content = body(response)
    assert 'id="flags"' in content
    flags = text_of(
        content[content.index('id="flags"') : content.index("</div>", content.index('id="flags"'))]
    )
    assert "Shifting the wrong way is off track" in flags
    assert "Shifting up" not in flags


def test_a_draft_status_raises_no_flag(scene: Scene, board: Board) -> None:
    factories.update(scene.action, state="draft", rag="green")

    response = scene.client("board").get(scene.url("plan-board", scene.cast.plan.pk))

    assert 'id="flags"' not in body(response)


@pytest.mark.parametrize(
    ("role", "offered"), [("analyst", True), ("owner", True), ("board", False), ("lead", False)]
)
def test_only_those_who_define_measures_are_offered_to_add_one(
    scene: Scene, role: str, offered: bool
) -> None:
    response = scene.client(role).get(scene.url("measure-list"))

    assert (scene.url("measure-create") in body(response)) is offered


def count_queries(client: Client, url: str) -> tuple[int, str]:
    """The queries a page costs, and the page."""
    client.get(url)  # warm per-process caches, so both measured requests start alike
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), body(response)


def fill_board(cast: Cast, count: int) -> None:
    """`count` measures with figures, a trajectory, a note and a series, spread over the
    aims of the cast's plan."""
    aims = list(Action.objects.filter(driver__outcome__plan=cast.plan).order_by("id"))
    for n in range(count):
        measure(
            cast,
            kind="percentage" if n % 2 else "count",
            values=[10 + n % 15, 12, 14],
            denominators=[30, 30, 30] if n % 2 else None,
            first=D(2019, 3, 31),
            actions=aims[n % len(aims) :],
            baseline=(D(2018, 12, 31), 10.0),
            targets=[(D(2021, 3, 31), 40.0)],
            notes=[(D(2019, 4, 1), f"Note {n}")],
            comparators={"Scotland": [11, 12, 13]},
        )


@pytest.mark.parametrize("page", ["measure-list", "plan-board"])
def test_the_board_costs_the_same_for_3_and_30_measures(scene: Scene, page: str) -> None:
    for action in Action.objects.filter(driver__outcome__plan=scene.cast.plan):
        factories.update(action, state="accepted", rag="green")
    client = scene.client("board")
    Measure.objects.all().delete()
    fill_board(scene.cast, 3)
    small, _page = count_queries(client, urls(scene)[page])

    fill_board(scene.cast, 27)
    large, content = count_queries(client, urls(scene)[page])

    assert len(re.findall(r'<tr class="govuk-table__row" id="measure-', content)) == 30
    assert large == small


def test_the_measure_page_costs_the_same_for_3_and_30_figures(scene: Scene) -> None:
    def with_figures(count: int) -> Measure:
        return measure(
            scene.cast,
            values=[10 + n % 7 for n in range(count)],
            denominators=[30] * count,
            actions=[scene.action],
            notes=[(D(2018, 6, 1 + n % 28), f"Note {n}") for n in range(count)],
            comparators={"Scotland": [50] * count, "Family": [40] * count},
            targets=[(D(2030, 3, 31), 90.0)],
        )

    client = scene.client("lead")
    small, _page = count_queries(client, scene.url("measure-detail", with_figures(3).pk))
    large, content = count_queries(client, scene.url("measure-detail", with_figures(30).pk))

    assert content.count("/history/") == 30  # every figure is on the page
    assert large == small


# One measure: its chart, summary and figures


def test_the_measure_page_shows_the_chart_the_summary_and_the_figures(scene: Scene) -> None:
    services.observation_save(
        scene.measure,
        membership=member(scene.cast, scene.cast.analyst),
        period_ends=Q2,
        numerator=15,
        denominator=30,
    )

    response = scene.client("board").get(scene.url("measure-detail", scene.measure.pk))

    content = body(response)
    assert response.status_code == 200
    chart = content[content.index('id="chart"') :]
    assert re.match(r'id="chart">\s*<svg[^>]*\brole="img"', chart)
    assert "<title" in chart[: chart.index("</svg>")]
    summary = re.search(r'<p[^>]*id="summary">(.*?)</p>', content, re.S)
    assert summary is not None
    assert text_of(summary[1]).startswith("Rose from 40% to 50% over 2 quarters")
    table = content[
        content.index('id="figures"') : content.index("</table>", content.index('id="figures"'))
    ]
    rows = [text_of(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]
    assert rows[1].startswith("Q1 2020 40%")
    assert rows[2].startswith("Q2 2020 50%")
    assert "Scotland" in rows[0]
    assert "New triage began" in text_of(content[content.index('id="notes"') :])


def test_the_measure_page_offers_recording_to_the_lead_of_its_aim_only(scene: Scene) -> None:
    lead = body(scene.client("lead").get(scene.url("measure-detail", scene.measure.pk)))
    reader = body(scene.client("board").get(scene.url("measure-detail", scene.measure.pk)))

    for url in (
        scene.url("observation-add", scene.measure.pk),
        scene.url("paste", scene.measure.pk),
        scene.url("observation-edit", scene.observation.pk),
    ):
        assert url in lead
        assert url not in reader
    assert scene.url("measure-edit", scene.measure.pk) not in lead
    assert scene.url("observation-history", scene.observation.pk) in reader


def test_a_computed_measure_page_offers_no_figure_entry(scene: Scene) -> None:
    computed = measure(scene.cast, kind="count", source="computed", values=[5], first=Q1)

    content = body(scene.client("analyst").get(scene.url("measure-detail", computed.pk)))

    assert scene.url("observation-add", computed.pk) not in content
    assert scene.url("paste", computed.pk) not in content
    assert scene.url("annotation-add", computed.pk) in content


def test_a_measure_with_no_figures_says_so(scene: Scene) -> None:
    empty = measure(scene.cast, title="Nothing yet")

    response = scene.client("board").get(scene.url("measure-detail", empty.pk))

    assert response.status_code == 200
    assert "No figures yet" in text_of(body(response))
    assert 'role="img"' in body(response)


# Defining a measure


def definition(**overrides: Any) -> dict[str, Any]:
    return {
        "code": "CL-TOUCH",
        "title": "Care leavers in touch",
        "description": "",
        "kind": "percentage",
        "rate_per": "",
        "unit": "",
        "decimals": "0",
        "direction": "increase",
        "role": "outcome",
        "source": "manual",
        "frequency": "quarter",
        "chart": "p",
        "rules": "anhoej",
        "baseline_value": "",
        "baseline_date": "",
        "version": "",
        **overrides,
    }


def test_an_analyst_defines_a_measure_and_sees_it(scene: Scene) -> None:
    response = scene.client("analyst").post(
        scene.url("measure-create"), definition(actions=[scene.action.pk])
    )

    made = Measure.objects.get(code="CL-TOUCH")
    assert response.status_code == 302
    assert response["Location"] == scene.url("measure-detail", made.pk)
    assert (made.partnership, made.unit, made.updated_by) == (
        scene.cast.partnership,
        "%",
        scene.cast.analyst,
    )
    assert list(made.actions.all()) == [scene.action]


@pytest.mark.parametrize("role", ["admin", "lead", "board", "inspector"])
def test_other_members_cannot_define_a_measure(scene: Scene, role: str) -> None:
    client = scene.client(role)

    shown = client.get(scene.url("measure-create"))
    posted = client.post(scene.url("measure-create"), definition())

    assert (shown.status_code, posted.status_code) == (403, 403)
    assert not Measure.objects.filter(code="CL-TOUCH").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"kind": "ratio"}, "kind"),
        ({"kind": "rate", "chart": "run"}, "rate_per"),
        ({"baseline_date": "30/02/2020"}, "baseline_date"),
    ],
)
def test_bad_input_defining_a_measure_shows_the_error_summary_and_saves_nothing(
    scene: Scene, data: dict[str, str], field: str
) -> None:
    response = scene.client("analyst").post(scene.url("measure-create"), definition(**data))

    assert response.status_code == 400
    assert "govuk-error-summary" in body(response)
    assert field in errors(response)
    assert not Measure.objects.filter(code="CL-TOUCH").exists()


def test_an_aim_of_another_partnership_cannot_be_linked(scene: Scene, theirs: Scene) -> None:
    response = scene.client("analyst").post(
        scene.url("measure-create"), definition(actions=[theirs.action.pk])
    )

    assert response.status_code == 400
    assert "actions" in errors(response)
    assert not Measure.objects.filter(code="CL-TOUCH").exists()


def test_a_code_already_used_is_refused(scene: Scene) -> None:
    response = scene.client("analyst").post(scene.url("measure-create"), definition(code="LAC-IHA"))

    assert response.status_code == 400
    assert "govuk-error-summary" in body(response)
    assert Measure.objects.filter(code="LAC-IHA").count() == 1


def edit_form(m: Measure, **overrides: Any) -> dict[str, Any]:
    loaded = {
        "code": m.code,
        "title": m.title,
        "kind": m.kind,
        "chart": m.chart,
        "actions": [a.pk for a in m.actions.all()],
        "version": str(m.version),
    }
    return definition(**{**loaded, **overrides})


def test_an_owner_changes_a_measure(scene: Scene) -> None:
    response = scene.client("owner").post(
        scene.url("measure-edit", scene.measure.pk),
        edit_form(scene.measure, title="Health assessments in 28 days", actions=[]),
    )

    stored = scene.stored()
    assert response.status_code == 302
    assert (stored.title, stored.version) == ("Health assessments in 28 days", 2)
    assert not stored.actions.exists()


def test_a_bad_change_to_a_measure_shows_the_error_summary_and_changes_nothing(
    scene: Scene,
) -> None:
    response = scene.client("owner").post(
        scene.url("measure-edit", scene.measure.pk),
        edit_form(scene.measure, title="", kind="rate", chart="run"),
    )

    assert response.status_code == 400
    assert "govuk-error-summary" in body(response)
    assert "title" in errors(response)
    stored = scene.stored()
    assert (stored.title, stored.kind, stored.version) == (scene.measure.title, "percentage", 1)


def test_the_edit_form_carries_the_version_loaded(scene: Scene) -> None:
    response = scene.client("analyst").get(scene.url("measure-edit", scene.measure.pk))

    assert 'name="version" value="1"' in body(response)


def test_two_people_changing_a_measure_the_second_is_shown_a_conflict(scene: Scene) -> None:
    owner, analyst = scene.client("owner"), scene.client("analyst")
    url = scene.url("measure-edit", scene.measure.pk)
    owner.post(url, edit_form(scene.measure, title="The owner's title"))

    response = analyst.post(url, edit_form(scene.measure, title="The analyst's title"))

    assert response.status_code == 409
    assert 'id="conflict-message"' in body(response)
    assert "The analyst&#x27;s title" in body(response)
    assert scene.stored().title == "The owner's title"


def test_the_lead_of_its_aim_cannot_change_a_measure(scene: Scene) -> None:
    response = scene.client("lead").post(
        scene.url("measure-edit", scene.measure.pk), edit_form(scene.measure, title="Mine")
    )

    assert response.status_code == 403
    assert scene.stored().title == scene.measure.title


# Targets


def test_the_targets_form_shows_the_current_targets_one_per_line(scene: Scene) -> None:
    Target.objects.create(measure=scene.measure, due=D(2021, 9, 30), value=75)

    response = scene.client("analyst").get(scene.url("targets-edit", scene.measure.pk))

    assert "2021-09-30, 75" in body(response)


def test_targets_are_saved_from_lines_of_a_date_and_a_value(scene: Scene) -> None:
    response = scene.client("analyst").post(
        scene.url("targets-edit", scene.measure.pk),
        {"targets": "2021-09-30, 75\n\n2022-09-30\t90.5\n"},
    )

    assert response.status_code == 302
    assert list(scene.measure.targets.values_list("due", "value")) == [
        (D(2021, 9, 30), 75.0),
        (D(2022, 9, 30), 90.5),
    ]


def test_bad_target_lines_are_refused_by_line_number_and_nothing_saved(scene: Scene) -> None:
    Target.objects.create(measure=scene.measure, due=D(2021, 9, 30), value=75)

    response = scene.client("analyst").post(
        scene.url("targets-edit", scene.measure.pk),
        {"targets": "2022-09-30, 80\n30/09/2023, 90\n2024-09-30\n2025-09-30, lots"},
    )

    assert response.status_code == 400
    assert "govuk-error-summary" in body(response)
    found = errors(response)["targets"]
    assert [e.split(":")[0] for e in found] == ["Line 2", "Line 3", "Line 4"]
    assert list(scene.measure.targets.values_list("due", "value")) == [(D(2021, 9, 30), 75.0)]


def test_a_target_before_the_baseline_is_refused_on_the_page(scene: Scene) -> None:
    Measure.objects.filter(pk=scene.measure.pk).update(
        baseline_value=31, baseline_date=D(2019, 9, 30)
    )

    response = scene.client("analyst").post(
        scene.url("targets-edit", scene.measure.pk), {"targets": "2019-06-30, 40"}
    )

    assert response.status_code == 400
    assert "after the baseline" in " ".join(errors(response)["targets"])
    assert not scene.measure.targets.exists()


@pytest.mark.parametrize("role", ["lead", "board", "admin"])
def test_other_members_cannot_set_targets_on_the_page(scene: Scene, role: str) -> None:
    response = scene.client(role).post(
        scene.url("targets-edit", scene.measure.pk), {"targets": "2021-09-30, 75"}
    )

    assert response.status_code == 403
    assert not scene.measure.targets.exists()


# Recording figures


def figure(**fields: str) -> dict[str, str]:
    return {"period_ends": "2020-05-14", "numerator": "15", "denominator": "30", **fields}


def test_the_lead_of_its_aim_records_a_figure_on_the_periods_last_day(scene: Scene) -> None:
    response = scene.client("lead").post(
        scene.url("observation-add", scene.measure.pk), figure(note="From the health board")
    )

    assert response.status_code == 302
    assert response["Location"] == scene.url("measure-detail", scene.measure.pk)
    stored = Observation.objects.get(measure=scene.measure, period_ends=Q2)
    assert (stored.numerator, stored.denominator, stored.value) == (15, 30, 50.0)
    assert (stored.note, stored.updated_by) == ("From the health board", scene.cast.lead)


def test_the_form_asks_a_count_for_its_value_not_its_parts(scene: Scene) -> None:
    count = measure(scene.cast, kind="count", actions=[scene.action])

    content = body(scene.client("lead").get(scene.url("observation-add", count.pk)))

    assert 'name="value"' in content
    assert 'name="numerator"' not in content


def test_a_count_is_recorded_from_its_value(scene: Scene) -> None:
    count = measure(scene.cast, kind="count", actions=[scene.action])

    scene.client("lead").post(
        scene.url("observation-add", count.pk), {"period_ends": "2020-02-01", "value": "17"}
    )

    assert list(count.observations.values_list("period_ends", "value")) == [(Q1, 17.0)]


@pytest.mark.parametrize("role", ["admin", "board", "inspector"])
def test_readers_cannot_record_a_figure_on_the_page(scene: Scene, role: str) -> None:
    client = scene.client(role)

    shown = client.get(scene.url("observation-add", scene.measure.pk))
    posted = client.post(scene.url("observation-add", scene.measure.pk), figure())

    assert (shown.status_code, posted.status_code) == (403, 403)
    assert not Observation.objects.filter(period_ends=Q2).exists()


def test_a_lead_of_an_unlinked_aim_cannot_record_a_figure_on_the_page(scene: Scene) -> None:
    unlinked = measure(scene.cast, title="Linked to nothing")

    response = scene.client("lead").post(scene.url("observation-add", unlinked.pk), figure())

    assert response.status_code == 403
    assert not unlinked.observations.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"numerator": "31"},
        {"numerator": ""},
        {"numerator": "many"},
        {"period_ends": ""},
        {"period_ends": "2020-02-30"},
    ],
)
def test_a_bad_figure_shows_the_error_summary_and_saves_nothing(
    scene: Scene, data: dict[str, str]
) -> None:
    response = scene.client("lead").post(
        scene.url("observation-add", scene.measure.pk), figure(**data)
    )

    assert response.status_code == 400
    assert "govuk-error-summary" in body(response)
    assert scene.measure.observations.count() == 1


def test_a_figure_for_a_period_not_yet_begun_is_refused_on_the_page(scene: Scene) -> None:
    later = timezone.localdate() + dt.timedelta(days=200)

    response = scene.client("lead").post(
        scene.url("observation-add", scene.measure.pk), figure(period_ends=later.isoformat())
    )

    assert response.status_code == 400
    assert "period_ends" in errors(response)
    assert scene.measure.observations.count() == 1


@pytest.mark.parametrize("page", ["observation-add", "paste"])
def test_the_figure_pages_of_a_computed_measure_are_refused(scene: Scene, page: str) -> None:
    computed = measure(scene.cast, kind="count", source="computed")

    response = scene.client("analyst").get(scene.url(page, computed.pk))

    assert response.status_code == 403


def test_posting_a_figure_to_a_computed_measure_is_refused(scene: Scene) -> None:
    computed = measure(scene.cast, kind="count", source="computed")

    response = scene.client("analyst").post(
        scene.url("observation-add", computed.pk), {"period_ends": "2020-02-01", "value": "5"}
    )

    assert response.status_code == 403
    assert not computed.observations.exists()


def test_changing_a_figure_keeps_its_period_and_its_history(scene: Scene) -> None:
    response = scene.client("analyst").post(
        scene.url("observation-edit", scene.observation.pk),
        figure(period_ends="2020-09-30", numerator="18", version="1"),
    )

    assert response.status_code == 302
    stored = Observation.objects.get(pk=scene.observation.pk)
    assert (stored.period_ends, stored.value, stored.version) == (Q1, 60.0, 2)
    assert not Observation.objects.filter(period_ends=Q3).exists()
    assert list(stored.revisions.values_list("version", "value")) == [(1, 40.0), (2, 60.0)]


def test_two_people_saving_the_same_figure_the_second_is_shown_a_conflict(scene: Scene) -> None:
    url = scene.url("observation-edit", scene.observation.pk)
    lead, analyst = scene.client("lead"), scene.client("analyst")
    assert 'name="version" value="1"' in body(lead.get(url))
    assert 'name="version" value="1"' in body(analyst.get(url))
    lead.post(url, figure(numerator="15", version="1"))

    response = analyst.post(url, figure(numerator="21", version="1"))

    assert response.status_code == 409
    assert 'id="conflict-message"' in body(response)
    assert scene.cast.lead.full_name in text_of(body(response))
    assert re.search(
        r'name="numerator"[^>]*value="21"|value="21"[^>]*name="numerator"', body(response)
    )
    assert 'name="version" value="2"' in body(response)  # saving again replaces knowingly
    stored = Observation.objects.get(pk=scene.observation.pk)
    assert (stored.value, stored.version) == (50.0, 2)
    assert stored.revisions.count() == 2


@pytest.mark.parametrize("role", ["admin", "board", "inspector"])
def test_readers_cannot_change_a_figure(scene: Scene, role: str) -> None:
    response = scene.client(role).post(
        scene.url("observation-edit", scene.observation.pk), figure(numerator="1", version="1")
    )

    assert response.status_code == 403
    assert Observation.objects.get(pk=scene.observation.pk).version == 1


# Pasting figures


def test_pasted_lines_are_all_saved(scene: Scene) -> None:
    response = scene.client("lead").post(
        scene.url("paste", scene.measure.pk),
        {"text": "Quarter\tSeen\tAll\nQ2 2020\t15\t30\nQ3 2020\t18\t30\nQ4 2020\t21\t30\n"},
    )

    assert response.status_code == 302
    assert list(
        scene.measure.observations.order_by("period_ends").values_list("period_ends", "value")
    ) == [(Q1, 40.0), (Q2, 50.0), (Q3, 60.0), (D(2020, 12, 31), 70.0)]


def test_a_paste_with_bad_lines_lists_every_one_and_saves_nothing(scene: Scene) -> None:
    response = scene.client("lead").post(
        scene.url("paste", scene.measure.pk),
        {"text": "Q2 2020\t15\t30\nSpring 2020\t18\t30\nQ4 2020\t21\nQ1 2021\t40\t30"},
    )

    assert response.status_code == 400
    assert "govuk-error-summary" in body(response)
    page = text_of(body(response))
    assert "Line 2, column 1" in page
    assert "Line 3: expected 3 columns" in page
    assert "Line 4: The numerator cannot be more than the denominator" in page
    assert scene.measure.observations.count() == 1


def test_a_pasted_year_nought_is_refused_by_its_line_not_a_server_error(scene: Scene) -> None:
    response = scene.client("lead").post(
        scene.url("paste", scene.measure.pk), {"text": "Q2 2020\t15\t30\nQ3 0000\t18\t30"}
    )

    assert response.status_code == 400
    assert "Line 2, column 1" in text_of(body(response))
    assert scene.measure.observations.count() == 1


def test_a_pasted_figure_too_large_to_hold_is_refused_not_a_server_error(scene: Scene) -> None:
    count = measure(scene.cast, kind="count", actions=[scene.action])

    response = scene.client("lead").post(
        scene.url("paste", count.pk), {"text": "Q2 2020\t1" + "0" * 400}
    )

    assert response.status_code == 400
    assert "Line 1, column 2" in text_of(body(response))
    assert not count.observations.exists()


def test_an_empty_paste_is_refused(scene: Scene) -> None:
    response = scene.client("lead").post(scene.url("paste", scene.measure.pk), {"text": ""})

    assert response.status_code == 400
    assert "text" in errors(response)


@pytest.mark.parametrize("role", ["admin", "board", "inspector"])
def test_readers_cannot_paste_figures(scene: Scene, role: str) -> None:
    response = scene.client(role).post(
        scene.url("paste", scene.measure.pk), {"text": "Q2 2020\t15\t30"}
    )

    assert response.status_code == 403
    assert scene.measure.observations.count() == 1


# The history of a figure


def test_the_history_lists_every_version_newest_first_with_who_saved_it(scene: Scene) -> None:
    services.observation_save(
        scene.measure,
        membership=member(scene.cast, scene.cast.lead),
        period_ends=Q1,
        numerator=15,
        denominator=30,
        note="Corrected after validation",
    )

    response = scene.client("board").get(scene.url("observation-history", scene.observation.pk))

    content = body(response)
    assert response.status_code == 200
    table = content[content.index('id="history"') : content.index("</table>")]
    rows = [text_of(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)][1:]
    assert len(rows) == 2
    assert rows[0].startswith(f"2 {scene.cast.lead.full_name}")
    assert "15 30 50 Corrected after validation" in rows[0]
    assert rows[1].startswith(f"1 {scene.cast.analyst.full_name}")
    assert "12 30 40" in rows[1]


def test_every_member_may_read_a_figures_history(scene: Scene) -> None:
    for role in ("admin", "owner", "lead", "analyst", "board", "inspector"):
        response = scene.client(role).get(scene.url("observation-history", scene.observation.pk))
        assert response.status_code == 200, role


# Notes on the chart


def test_the_lead_of_its_aim_adds_a_note_to_the_chart(scene: Scene) -> None:
    response = scene.client("lead").post(
        scene.url("annotation-add", scene.measure.pk),
        {"when": "2020-04-01", "text": "Clinic moved", "process_change": "on"},
    )

    assert response.status_code == 302
    note = scene.measure.annotations.get(text="Clinic moved")
    assert (note.when, note.process_change, note.added_by) == (D(2020, 4, 1), True, scene.cast.lead)


@pytest.mark.parametrize(
    ("data", "field"),
    [({"text": ""}, "text"), ({"when": "soon"}, "when"), ({"text": "x" * 201}, "text")],
)
def test_a_bad_note_shows_the_error_summary_and_saves_nothing(
    scene: Scene, data: dict[str, str], field: str
) -> None:
    response = scene.client("lead").post(
        scene.url("annotation-add", scene.measure.pk),
        {"when": "2020-04-01", "text": "Clinic moved", **data},
    )

    assert response.status_code == 400
    assert "govuk-error-summary" in body(response)
    assert field in errors(response)
    assert scene.measure.annotations.count() == 1


@pytest.mark.parametrize("role", ["admin", "board", "inspector"])
def test_readers_cannot_add_a_note(scene: Scene, role: str) -> None:
    response = scene.client(role).post(
        scene.url("annotation-add", scene.measure.pk), {"when": "2020-04-01", "text": "Mine"}
    )

    assert response.status_code == 403
    assert scene.measure.annotations.count() == 1


# Comparison series


def test_a_comparison_series_is_added_from_pasted_text(scene: Scene) -> None:
    response = scene.client("analyst").post(
        scene.url("comparator-add", scene.measure.pk),
        {"name": "Family group", "text": "Q1 2020\t50\nQ2 2020\t52"},
    )

    assert response.status_code == 302
    added = scene.measure.comparators.get(name="Family group")
    assert list(added.values.values_list("period_ends", "value")) == [(Q1, 50.0), (Q2, 52.0)]


@pytest.mark.parametrize(
    "raw",
    [
        b"Period,Value\nQ1 2020,55\nQ2 2020,56\n",
        b"\xef\xbb\xbfPeriod,Value\r\nQ1 2020,55\r\nQ2 2020,56\r\n",  # Excel's UTF-8 CSV
        "Period\tValue\r\nQ1 2020\t55\r\nQ2 2020\t56\r\n".encode("utf-16"),  # Unicode text
    ],
)
def test_a_comparison_series_is_added_from_a_csv_file(scene: Scene, raw: bytes) -> None:
    upload = SimpleUploadedFile("scotland.csv", raw, content_type="text/csv")

    response = scene.client("owner").post(
        scene.url("comparator-add", scene.measure.pk), {"name": "Wales", "text": "", "file": upload}
    )

    assert response.status_code == 302
    added = scene.measure.comparators.get(name="Wales")
    assert list(added.values.values_list("period_ends", "value")) == [(Q1, 55.0), (Q2, 56.0)]


def test_a_series_saved_again_under_its_name_replaces_its_figures(scene: Scene) -> None:
    scene.client("analyst").post(
        scene.url("comparator-add", scene.measure.pk), {"name": "Scotland", "text": "Q3 2020\t60"}
    )

    assert list(
        scene.measure.comparators.get(name="Scotland").values.values_list("period_ends", "value")
    ) == [(Q3, 60.0)]
    assert scene.measure.comparators.count() == 1


def test_a_file_over_2_mb_is_refused_and_nothing_saved(scene: Scene) -> None:
    raw = b"Q1 2020,55\n" * (2_000_000 // 11 + 1)
    assert len(raw) > 2_000_000
    upload = SimpleUploadedFile("big.csv", raw, content_type="text/csv")

    response = scene.client("analyst").post(
        scene.url("comparator-add", scene.measure.pk), {"name": "Big", "file": upload}
    )

    assert response.status_code == 400
    assert "2 MB" in " ".join(errors(response)["file"])
    assert not scene.measure.comparators.filter(name="Big").exists()


def test_a_file_over_the_upload_limit_is_refused_as_too_large_not_as_missing(
    scene: Scene,
) -> None:
    upload = SimpleUploadedFile("huge.csv", b"Q1 2020,55\n" * 1_000_000, content_type="text/csv")

    response = scene.client("analyst").post(
        scene.url("comparator-add", scene.measure.pk), {"name": "Huge", "file": upload}
    )

    assert response.status_code == 400
    assert "file" in errors(response)
    assert not scene.measure.comparators.filter(name="Huge").exists()


def test_a_binary_file_is_refused_and_nothing_saved(scene: Scene) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    upload = SimpleUploadedFile("chart.csv", png, content_type="text/csv")

    response = scene.client("analyst").post(
        scene.url("comparator-add", scene.measure.pk), {"name": "Picture", "file": upload}
    )

    assert response.status_code == 400
    assert "not text" in " ".join(errors(response)["file"])
    assert not scene.measure.comparators.filter(name="Picture").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "Wales", "text": ""}, "text"),
        ({"name": "", "text": "Q1 2020\t50"}, "name"),
        ({"name": "Wales", "text": "Q1 2020\t50\nQ2 2020\tfifty"}, "text"),
    ],
)
def test_a_bad_series_shows_the_error_summary_and_saves_nothing(
    scene: Scene, data: dict[str, str], field: str
) -> None:
    response = scene.client("analyst").post(scene.url("comparator-add", scene.measure.pk), data)

    assert response.status_code == 400
    assert "govuk-error-summary" in body(response)
    assert field in errors(response)
    assert scene.measure.comparators.count() == 1


def test_a_bad_series_line_is_named_by_its_line(scene: Scene) -> None:
    response = scene.client("analyst").post(
        scene.url("comparator-add", scene.measure.pk),
        {"name": "Wales", "text": "Q1 2020\t50\nQ2 2020\tfifty"},
    )

    assert errors(response)["text"] == ["Line 2, column 2: 'fifty' is not a number."]


@pytest.mark.parametrize("role", ["lead", "board", "admin"])
def test_other_members_cannot_add_a_series(scene: Scene, role: str) -> None:
    response = scene.client(role).post(
        scene.url("comparator-add", scene.measure.pk), {"name": "Wales", "text": "Q1 2020\t50"}
    )

    assert response.status_code == 403
    assert not scene.measure.comparators.filter(name="Wales").exists()


# Removing a note or a series


@pytest.mark.parametrize("kind", ["annotation", "comparator"])
def test_removing_asks_for_confirmation_first(scene: Scene, kind: str) -> None:
    item = scene.note if kind == "annotation" else scene.comparator

    response = scene.client("analyst").get(scene.url(f"{kind}-remove", item.pk))

    assert response.status_code == 200
    assert 'method="post"' in body(response)
    assert type(item).objects.filter(pk=item.pk).exists()


def test_a_note_is_removed_on_confirmation(scene: Scene) -> None:
    response = scene.client("analyst").post(scene.url("annotation-remove", scene.note.pk))

    assert response.status_code == 302
    assert response["Location"] == scene.url("measure-detail", scene.measure.pk)
    assert not Annotation.objects.filter(pk=scene.note.pk).exists()


def test_a_series_is_removed_on_confirmation(scene: Scene) -> None:
    response = scene.client("owner").post(scene.url("comparator-remove", scene.comparator.pk))

    assert response.status_code == 302
    assert not Comparator.objects.filter(pk=scene.comparator.pk).exists()


@pytest.mark.parametrize("kind", ["annotation", "comparator"])
@pytest.mark.parametrize("role", ["lead", "board", "admin"])
def test_only_those_who_define_measures_may_remove(scene: Scene, kind: str, role: str) -> None:
    item = scene.note if kind == "annotation" else scene.comparator

    response = scene.client(role).post(scene.url(f"{kind}-remove", item.pk))

    assert response.status_code == 403
    assert type(item).objects.filter(pk=item.pk).exists()


def test_nothing_is_written_by_reading_every_measures_page(scene: Scene) -> None:
    before = (
        Observation.objects.count(),
        ObservationRevision.objects.count(),
        Annotation.objects.count(),
        Comparator.objects.count(),
        Target.objects.count(),
        Measure.objects.count(),
    )
    people: list[Person | None] = list(scene.cast.by_role().values())
    for person in people:
        client = signed_in(person)
        for url in urls(scene).values():
            client.get(url)

    assert (
        Observation.objects.count(),
        ObservationRevision.objects.count(),
        Annotation.objects.count(),
        Comparator.objects.count(),
        Target.objects.count(),
        Measure.objects.count(),
    ) == before
