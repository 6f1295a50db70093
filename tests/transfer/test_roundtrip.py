"""Exporting a plan and importing the file gives the same plan, record by record, in every
format that carries it (xlsx, csv, docx and JSON)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Cast
from tests.transfer import councils
from trellis.accounts.policy import membership_for
from trellis.measures.models import Measure
from trellis.plans.models import Plan
from trellis.progress.models import ProgressUpdate
from trellis.transfer.exporting import export_document, export_tree
from trellis.transfer.parse import parse_file, parse_text
from trellis.transfer.saving import plan_import
from trellis.transfer.writers import write

STARTS, ENDS = dt.date(2019, 10, 1), dt.date(2021, 9, 30)
SOURCES: dict[str, Callable[[], Any]] = {
    "riverside": lambda: parse_file(councils.riverside_docx(), "riverside.docx"),
    "northshire": lambda: parse_file(councils.northshire_xlsx(), "northshire.xlsx"),
    "westmoor": lambda: parse_text(councils.WESTMOOR_TEXT),
}


def records(plan: Plan) -> list[Any]:
    """Every record of the plan that the six columns carry, in the plan's order."""
    tree: list[Any] = []
    for outcome in plan.outcomes.all():
        tree.append(("outcome", outcome.position, outcome.title))
        for driver in outcome.drivers.all():
            tree.append(("driver", driver.position, driver.title))
            for action in driver.actions.all():
                tree.append(
                    (
                        "action",
                        action.position,
                        action.title,
                        action.key_measure,
                        action.lead_responsibility,
                        action.latest_progress,
                    )
                )
                tree += sorted(("milestone", m.title, m.due) for m in action.milestones.all())
                for measure in Measure.objects.filter(actions=action):
                    tree.append(("measure", measure.title, measure.kind, measure.unit))
                    tree += [("target", t.due, t.value) for t in measure.targets.all()]
                tree += [
                    ("update", u.period.starts, u.rag, u.narrative, u.state)
                    for u in ProgressUpdate.objects.filter(action=action)
                    .select_related("period")
                    .order_by("period__starts")
                ]
    return tree


def imported(cast: Cast, parsed: Any, title: str) -> Plan:
    owner = membership_for(cast.owner, cast.partnership.slug)
    return plan_import(
        membership=owner,
        draft=parsed.draft(),
        title=title,
        starts=STARTS,
        ends=ENDS,
        source_name=title,
    )


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize("fmt", ["xlsx", "csv", "docx", "json"])
def test_export_then_import_gives_the_same_plan(cast: Cast, source: str, fmt: str) -> None:
    original = imported(cast, SOURCES[source](), "Original")
    owner = membership_for(cast.owner, cast.partnership.slug)
    data = write(export_document(owner, export_tree(owner, original.pk)), fmt)
    again = imported(cast, parse_file(data, f"export.{fmt}"), "Again")
    assert records(again) == records(original)
    assert len(records(original)) > 8  # the comparison covers a real plan


def test_a_round_trip_keeps_targets_updates_and_milestones(cast: Cast) -> None:
    plan = imported(cast, SOURCES["riverside"](), "Original")
    found = records(plan)
    kinds = {record[0] for record in found}
    assert kinds == {"outcome", "driver", "action", "milestone", "measure", "target", "update"}
    update = next(r for r in found if r[0] == "update" and r[1] == dt.date(2020, 7, 1))
    assert update[2:] == (
        "amber",
        "CPC – audit programme agreed\n\nCSW – health team recruited",
        "accepted",
    )


def test_the_json_export_describes_the_whole_plan(cast: Cast) -> None:
    owner = membership_for(cast.owner, cast.partnership.slug)
    document = export_document(owner, export_tree(owner, cast.plan.pk))
    assert document["format"] == "trellis-plan" and document["version"] == 1
    action = document["plan"]["outcomes"][0]["drivers"][0]["actions"][0]
    assert set(action) >= {
        "title",
        "status",
        "lead",
        "deputies",
        "milestones",
        "measures",
        "updates",
        "latest_progress",
    }
    assert action["lead"] == "lead@example.org"


def shape(plan: Plan) -> list[Any]:
    """The records without their positions (a hand-made plan numbers them with gaps)."""
    return [r[:1] + r[2:] if r[0] in ("outcome", "driver", "action") else r for r in records(plan)]


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "docx", "json"])
def test_a_plan_made_by_hand_comes_back_the_same(cast: Cast, fmt: str) -> None:
    from tests import factories
    from trellis.measures.models import Target
    from trellis.plans.models import Action

    action = Action.objects.filter(driver__outcome__plan=cast.plan).order_by("pk")[0]
    Action.objects.filter(pk=action.pk).update(
        key_measure="Workshop held by 30 Nov 2019\n75% seen within 4 weeks by 31 March 2020",
        lead_responsibility="CPC Chair; Head of Service",
        latest_progress="(Amber): Recruiting",
    )
    measure = Measure.objects.create(
        partnership=cast.partnership,
        code="IHA",
        title="Health assessments",
        kind="percentage",
        direction="increase",
        role="outcome",
        source="manual",
    )
    measure.actions.add(action)
    Target.objects.create(measure=measure, due=dt.date(2020, 9, 30), value=50)
    factories.update(action, state="accepted", rag="amber", period_index=1)
    owner = membership_for(cast.owner, cast.partnership.slug)
    data = write(export_document(owner, export_tree(owner, cast.plan.pk)), fmt)
    again = plan_import(
        membership=owner,
        draft=parse_file(data, f"plan.{fmt}").draft(),
        title="Again",
        starts=cast.plan.starts,
        ends=cast.plan.ends,
        source_name="again",
    )
    original = [r for r in shape(cast.plan) if r[0] != "measure"]
    assert [r for r in shape(again) if r[0] != "measure"] == original
    assert ("target", dt.date(2020, 9, 30), 50.0) in original


def test_a_json_export_keeps_a_dated_title_as_just_a_title(cast: Cast) -> None:
    from trellis.plans.models import Action

    action = Action.objects.filter(driver__outcome__plan=cast.plan).order_by("pk")[0]
    Action.objects.filter(pk=action.pk).update(title="50% of plans reviewed by 30 June 2020")
    owner = membership_for(cast.owner, cast.partnership.slug)
    data = write(export_document(owner, export_tree(owner, cast.plan.pk)), "json")
    draft = parse_file(data, "plan.json").draft()
    first = draft.actions()[0]
    assert first.title == "50% of plans reviewed by 30 June 2020"
    assert first.targets == [] and [m.title for m in first.milestones] == [
        "Milestone 0",
        "Milestone 1",
    ]
