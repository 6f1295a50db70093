"""The driver diagram: an editable tree, drawn as SVG with a text alternative and given in
full as a nested list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import Cast, signed_in
from tests.improvement.helpers import cycle, project
from tests.measures.factories import member
from trellis.errors import Forbidden, Invalid
from trellis.improvement.models import DriverNode
from trellis.improvement.services import projects
from trellis.plans.models import Action

pytestmark = pytest.mark.django_db


def add(cast: Cast, p, kind: str, text: str, parent=None) -> DriverNode:  # type: ignore[no-untyped-def]
    fields = {"kind": kind, "text": text, "parent": parent}
    return projects.node_create(p, membership=member(cast, cast.lead), fields=fields)


@pytest.fixture
def tree(cast: Cast):  # type: ignore[no-untyped-def]
    p = project(cast)
    primary = add(cast, p, "primary", "Timely referral to health")
    secondary = add(cast, p, "secondary", "Nurses know the same day", primary)
    idea = add(cast, p, "change", "E-mail <the> nurse & team", secondary)
    return p, primary, secondary, idea


def page(cast: Cast, p) -> str:  # type: ignore[no-untyped-def]
    url = reverse("improvement:project-detail", args=[cast.partnership.slug, p.pk])
    return signed_in(cast.board).get(url).content.decode()


def test_the_page_draws_the_diagram_with_a_text_alternative_and_a_nested_list(
    cast: Cast,
    tree,  # type: ignore[no-untyped-def]
) -> None:
    p, *_ = tree
    html = page(cast, p)
    svg = html.split("<svg", 1)[1].split("</svg>")[0]
    assert 'role="img"' in svg
    assert "1 primary drivers, 1 secondary drivers and 1 change ideas" in svg
    assert "E-mail &lt;the&gt; nurse &amp; team" in svg  # escaped, never markup
    listed = html.split("The driver diagram as a list")[1]
    nested = listed.index("Timely referral") < listed.index("Nurses know") < listed.index("E-mail")
    assert nested and listed.count("<ul") >= 3


@pytest.mark.parametrize(
    ("kind", "parent_name"),
    [("primary", "primary"), ("secondary", None), ("secondary", "secondary"), ("change", "idea")],
)
def test_a_box_must_sit_under_the_right_kind_of_box(
    cast: Cast,
    tree,
    kind: str,
    parent_name: str | None,  # type: ignore[no-untyped-def]
) -> None:
    p, primary, secondary, idea = tree
    parent = {"primary": primary, "secondary": secondary, "idea": idea, None: None}[parent_name]
    with pytest.raises(Invalid) as caught:
        add(cast, p, kind, "Misplaced", parent)
    assert "parent" in caught.value.errors or "kind" in caught.value.errors
    assert DriverNode.objects.count() == 3


def test_a_box_cannot_sit_under_another_projects_box(cast: Cast, tree) -> None:  # type: ignore[no-untyped-def]
    _p, _primary, secondary, _idea = tree
    other_action = Action.objects.filter(partnership=cast.partnership).exclude(
        pk=secondary.project.action_id
    )[0]
    theirs = projects.project_create(
        membership=member(cast, cast.owner), action=other_action, fields={"aim": "x"}, m2m={}
    )
    foreign = projects.node_create(
        theirs, membership=member(cast, cast.owner), fields={"kind": "primary", "text": "Theirs"}
    )
    with pytest.raises(Invalid) as caught:
        projects.node_update(
            secondary,
            membership=member(cast, cast.lead),
            expected_version=secondary.version,
            fields={"kind": "secondary", "parent": foreign, "text": secondary.text},
        )
    assert "parent" in caught.value.errors


def test_a_box_with_boxes_under_it_or_cycles_is_not_removed(cast: Cast, tree) -> None:  # type: ignore[no-untyped-def]
    p, primary, _secondary, idea = tree
    with pytest.raises(Invalid):
        projects.node_delete(primary, membership=member(cast, cast.lead))
    cycle(cast, p, idea)
    with pytest.raises(Invalid):
        projects.node_delete(idea, membership=member(cast, cast.lead))
    assert DriverNode.objects.count() == 3


def test_the_lead_removes_a_leaf_and_it_is_audited(cast: Cast, tree) -> None:  # type: ignore[no-untyped-def]
    from trellis.audit.models import AuditEntry

    _p, _primary, _secondary, idea = tree
    url = reverse("improvement:node-delete", args=[cast.partnership.slug, idea.pk])
    assert signed_in(cast.lead).post(url).status_code == 302
    assert not DriverNode.objects.filter(pk=idea.pk).exists()
    assert AuditEntry.objects.filter(verb="drivernode.delete").count() == 1


def test_removing_a_box_with_children_on_the_page_explains_why_not(cast: Cast, tree) -> None:  # type: ignore[no-untyped-def]
    _p, primary, *_ = tree
    url = reverse("improvement:node-delete", args=[cast.partnership.slug, primary.pk])
    response = signed_in(cast.lead).post(url)
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()


def test_the_tree_is_edited_through_the_page(cast: Cast, tree) -> None:  # type: ignore[no-untyped-def]
    p, primary, *_ = tree
    url = reverse("improvement:node-create", args=[cast.partnership.slug, p.pk])
    response = signed_in(cast.lead).post(
        url, {"kind": "secondary", "parent": primary.pk, "text": "Clinic slots", "position": 2}
    )
    assert response.status_code == 302
    assert DriverNode.objects.get(text="Clinic slots").parent == primary


def test_the_board_may_read_but_not_edit_the_diagram(cast: Cast, tree) -> None:  # type: ignore[no-untyped-def]
    p, primary, *_ = tree
    url = reverse("improvement:node-edit", args=[cast.partnership.slug, primary.pk])
    assert signed_in(cast.board).get(url).status_code == 403
    with pytest.raises(Forbidden):
        projects.node_create(
            p, membership=member(cast, cast.board), fields={"kind": "primary", "text": "x"}
        )


def outcome_page(cast: Cast, outcome_pk: int) -> str:
    url = reverse("improvement:outcome-diagram", args=[cast.partnership.slug, outcome_pk])
    return signed_in(cast.inspector).get(url).content.decode()


def test_an_outcome_is_drawn_with_its_drivers_aims_and_projects_change_ideas(
    cast: Cast,
    tree,  # type: ignore[no-untyped-def]
) -> None:
    p, *_ = tree
    outcome = p.action.driver.outcome
    page = outcome_page(cast, outcome.pk)
    svg = page.split("<svg", 1)[1].split("</svg>")[0]
    assert p.action.driver.title in svg and "E-mail &lt;the&gt; nurse" in svg
    listed = page.split("The driver diagram as a list")[1]
    assert listed.index(p.action.driver.title) < listed.index(p.action.title[:20])
    assert "Change</a>" not in listed  # read-only here


def test_the_outcome_diagram_costs_the_same_for_3_and_30_aims(cast: Cast) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories

    def queries(plan_actions: int) -> int:
        plan = factories.plan_tree(cast.partnership, actions=plan_actions, lead=cast.lead)
        outcome = plan.outcomes.order_by("position")[0]
        for action in Action.objects.filter(driver__outcome=outcome):
            made = projects.project_create(
                membership=member(cast, cast.owner), action=action, fields={"aim": "x"}, m2m={}
            )
            add(cast, made, "change", f"Idea {action.pk}")
        client = signed_in(cast.board)
        url = reverse("improvement:outcome-diagram", args=[cast.partnership.slug, outcome.pk])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    assert queries(3) == queries(30)


def test_another_partnerships_outcome_is_not_found(cast: Cast) -> None:
    outcome = cast.plan.outcomes.all()[0]
    url = reverse("improvement:outcome-diagram", args=[cast.other.slug, outcome.pk])
    assert signed_in(cast.outsider).get(url).status_code == 404
