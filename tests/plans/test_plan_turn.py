"""The annual turn of the plan: a plan owner closes a plan and starts its successor; open
work is carried forward with a link back, finished work stays with the closed plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from trellis.accounts.models import Membership, Person
from trellis.audit.models import AuditEntry
from trellis.errors import Conflict, Forbidden, Invalid
from trellis.measures.models import Measure
from trellis.plans.models import Action, Driver, Milestone, Outcome, Plan
from trellis.plans.turn import plan_turn
from trellis.progress.models import ReportingPeriod

STARTS = dt.date(2020, 11, 1)
ENDS = dt.date(2021, 10, 31)
Status = Action.Status


@dataclass
class Turn:
    """A plan of six actions under two outcomes: on the first, one action complete, one in
    progress (its first milestone done) and one not started; on the second, every action
    complete or not applicable."""

    cast: Cast
    plan: Plan
    complete: Action
    in_progress: Action
    not_started: Action
    finished_driver: Driver

    def membership(self, person: Person) -> Membership:
        return Membership.objects.get(person=person, partnership=self.cast.partnership)

    def turn(self, person: Person | None = None, **overrides: Any) -> Plan:
        fields: dict[str, Any] = {
            "title": "Improvement plan 2020–2021",
            "starts": STARTS,
            "ends": ENDS,
            "expected_version": self.plan.version,
        }
        return plan_turn(
            membership=self.membership(person or self.cast.owner),
            plan=self.plan,
            **{**fields, **overrides},
        )

    def url(self, plan: Plan | None = None) -> str:
        slug = self.cast.partnership.slug
        return reverse("plans:plan-turn", args=[slug, (plan or self.plan).pk])


@pytest.fixture
def world(cast: Cast) -> Turn:
    plan = factories.plan_tree(cast.partnership, actions=6, lead=cast.lead)
    plan.theme = "Prosperous People: Children (LOIP)"
    plan.year_start_month = 4
    plan.save()
    actions = list(Action.objects.filter(driver__outcome__plan=plan).order_by("position"))
    statuses = [Status.COMPLETE, Status.IN_PROGRESS, Status.NOT_STARTED]
    statuses += [Status.COMPLETE, Status.NOT_APPLICABLE, Status.COMPLETE]
    for action, status in zip(actions, statuses, strict=True):
        action.status = status
        action.save()
    first = actions[1].milestones.order_by("due")[0]
    first.done = dt.date(2019, 12, 20)
    first.save()
    return Turn(
        cast=cast,
        plan=plan,
        complete=actions[0],
        in_progress=actions[1],
        not_started=actions[2],
        finished_driver=actions[3].driver,
    )


def carried(plan: Plan) -> list[Action]:
    return list(Action.objects.filter(driver__outcome__plan=plan).order_by("position"))


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Plan, Outcome, Driver, Action, Milestone, ReportingPeriod)
    }


# The service: what is carried and what stays.


def test_open_actions_move_to_the_new_plan_with_their_leads_deputies_and_measure(
    world: Turn,
) -> None:
    new = world.turn()
    copies = carried(new)
    assert [a.carried_from for a in copies] == [world.in_progress, world.not_started]
    for copy in copies:
        old = copy.carried_from
        assert copy.title == old.title
        assert copy.lead == old.lead == world.cast.lead
        assert set(copy.deputies.all()) == set(old.deputies.all()) != set()
        assert copy.key_measure == old.key_measure
        assert copy.status == old.status
        assert copy.partnership == world.cast.partnership


def test_completed_and_not_applicable_actions_stay_only_with_the_closed_plan(
    world: Turn,
) -> None:
    new = world.turn()
    assert not Action.objects.filter(carried_from=world.complete).exists()
    assert world.complete.driver.outcome.plan == world.plan
    assert len(carried(world.plan)) == 6
    assert Status.COMPLETE not in {a.status for a in carried(new)}


def test_milestones_not_done_are_carried_with_a_link_back_and_done_ones_stay(
    world: Turn,
) -> None:
    world.turn()
    done, open_ = world.in_progress.milestones.order_by("due")
    copy = Action.objects.get(carried_from=world.in_progress)
    assert [m.carried_from for m in copy.milestones.all()] == [open_]
    assert copy.milestones.get().due == open_.due
    assert not Milestone.objects.filter(carried_from=done).exists()
    assert world.in_progress.milestones.count() == 2


def test_carried_aims_evidence_the_same_measures_whose_figures_run_on(world: Turn) -> None:
    measure = Measure.objects.create(
        partnership=world.cast.partnership,
        code="IHA",
        title="Health assessments",
        kind="count",
        direction="increase",
        role="outcome",
        source="manual",
    )
    measure.actions.add(world.in_progress, world.complete)

    world.turn()

    copy = Action.objects.get(carried_from=world.in_progress)
    assert list(copy.measures.all()) == [measure]
    assert set(measure.actions.all()) == {world.in_progress, world.complete, copy}
    assert Measure.objects.count() == 1


def test_outcomes_and_drivers_are_copied_only_where_an_action_is_still_open(
    world: Turn,
) -> None:
    new = world.turn()
    outcomes = list(new.outcomes.all())
    assert [o.title for o in outcomes] == [world.in_progress.driver.outcome.title]
    drivers = list(Driver.objects.filter(outcome__plan=new))
    assert [d.title for d in drivers] == [world.in_progress.driver.title]
    assert world.finished_driver.title not in {d.title for d in drivers}


def test_carried_drivers_keep_the_areas_for_improvement_they_answer(world: Turn) -> None:
    new = world.turn()
    driver = Driver.objects.get(outcome__plan=new)
    old_areas = set(world.in_progress.driver.areas_for_improvement.all())
    assert set(driver.areas_for_improvement.all()) == old_areas != set()


def test_the_new_plan_keeps_the_inspection_theme_and_calendar_and_gets_its_periods(
    world: Turn,
) -> None:
    new = world.turn()
    assert (new.title, new.starts, new.ends) == ("Improvement plan 2020–2021", STARTS, ENDS)
    assert new.inspection == world.plan.inspection
    assert new.theme == world.plan.theme
    assert (new.period_kind, new.year_start_month) == ("quarter", 4)
    assert new.status == Plan.Status.ACTIVE
    labels = list(new.periods.values_list("label", flat=True))
    assert labels[0] == "Q3 2020/21"
    assert labels[-1] == "Q3 2021/22"


def test_the_old_plan_is_closed_and_each_links_to_the_other(world: Turn) -> None:
    new = world.turn()
    world.plan.refresh_from_db()
    assert world.plan.status == Plan.Status.CLOSED
    assert new.predecessor == world.plan
    assert list(world.plan.successors.all()) == [new]


def test_the_turn_leaves_one_audit_entry_with_its_counts(world: Turn) -> None:
    new = world.turn()
    entry = AuditEntry.objects.get(verb="plan.turn")
    assert entry.actor_id == world.cast.owner.pk
    assert entry.object_id == str(new.pk)
    assert entry.changes["predecessor"] == world.plan.pk
    assert entry.changes["actions"] == 2
    assert entry.changes["milestones"] == 3
    assert (entry.changes["outcomes"], entry.changes["drivers"]) == (1, 1)
    assert entry.changes["actions_left_with_closed_plan"] == 4
    assert AuditEntry.objects.filter(verb="plan.close", object_id=str(world.plan.pk)).count() == 1


def test_a_stale_version_is_a_conflict_and_nothing_changes(world: Turn) -> None:
    before = counts()
    with pytest.raises(Conflict):
        world.turn(expected_version=world.plan.version - 1)
    world.plan.refresh_from_db()
    assert world.plan.status != Plan.Status.CLOSED
    assert counts() == before
    assert not AuditEntry.objects.filter(verb="plan.turn").exists()


@pytest.mark.parametrize("role", ["admin", "lead", "analyst", "board", "inspector"])
def test_only_a_plan_owner_may_turn_a_plan(world: Turn, role: str) -> None:
    before = counts()
    with pytest.raises(Forbidden):
        world.turn(getattr(world.cast, role))
    assert counts() == before


def test_an_owner_of_another_partnership_may_not_turn_the_plan(world: Turn) -> None:
    outsider = Membership.objects.get(person=world.cast.outsider)
    with pytest.raises(Forbidden):
        plan_turn(
            membership=outsider,
            plan=world.plan,
            title="Taken over",
            starts=STARTS,
            ends=ENDS,
            expected_version=world.plan.version,
        )
    assert Plan.objects.filter(partnership=world.cast.other).count() == 0


def test_a_closed_plan_cannot_be_turned_again(world: Turn) -> None:
    world.turn()
    world.plan.refresh_from_db()
    with pytest.raises(Invalid):
        world.turn(expected_version=world.plan.version)
    assert world.plan.successors.count() == 1


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("title", {"title": "   "}),
        ("ends", {"ends": STARTS}),
        ("ends", {"ends": STARTS - dt.timedelta(days=1)}),
        ("starts", {"starts": dt.date(2019, 9, 30)}),
    ],
)
def test_the_service_refuses_a_successor_that_breaks_a_rule(
    world: Turn, field: str, overrides: dict[str, Any]
) -> None:
    before = counts()
    with pytest.raises(Invalid) as refused:
        world.turn(**overrides)
    assert field in refused.value.errors
    assert counts() == before


def test_two_plans_can_run_at_once_and_only_the_turned_one_closes(world: Turn) -> None:
    beside = factories.plan_tree(world.cast.partnership, actions=3)
    beside.status = Plan.Status.ACTIVE
    beside.save()
    world.turn()
    beside.refresh_from_db()
    assert beside.status == Plan.Status.ACTIVE
    assert Plan.objects.filter(status=Plan.Status.ACTIVE).count() == 2


# The page.


def post_data(world: Turn, **overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Improvement plan 2020–2021",
        "starts": STARTS.isoformat(),
        "ends": ENDS.isoformat(),
        "version": str(world.plan.version),
    }
    return {**data, **overrides}


def test_the_page_says_what_will_be_carried_and_suggests_the_next_year(world: Turn) -> None:
    response = signed_in(world.cast.owner).get(world.url())
    assert response.status_code == 200
    preview = response.context["preview"]
    assert (preview.open_actions, preview.open_milestones, preview.actions_left) == (2, 3, 4)
    form = response.context["form"]
    assert form["starts"].value() == dt.date(2020, 11, 1)
    assert form["ends"].value() == dt.date(2021, 10, 31)
    assert form["version"].value() == world.plan.version


def test_an_owner_turns_the_plan_and_lands_on_the_new_plan(world: Turn) -> None:
    response = signed_in(world.cast.owner).post(world.url(), post_data(world))
    new = Plan.objects.get(predecessor=world.plan)
    slug = world.cast.partnership.slug
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:plan-detail", args=[slug, new.pk])
    assert len(carried(new)) == 2


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("title", {"title": ""}),
        ("starts", {"starts": "not a date"}),
        ("starts", {"starts": "2019-09-30"}),
        ("ends", {"ends": "2020-11-01"}),
        ("ends", {"ends": "2020-10-01"}),
    ],
)
def test_invalid_input_is_shown_back_with_a_400_and_nothing_is_saved(
    world: Turn, field: str, overrides: dict[str, str]
) -> None:
    before = counts()
    response = signed_in(world.cast.owner).post(world.url(), post_data(world, **overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert b"govuk-error-summary" in response.content
    assert counts() == before
    world.plan.refresh_from_db()
    assert world.plan.status != Plan.Status.CLOSED


def test_a_stale_page_is_refused_with_a_409_and_nothing_is_saved(world: Turn) -> None:
    data = post_data(world)
    world.plan.title = "Renamed by someone else"
    world.plan.version += 1
    world.plan.save()
    before = counts()
    response = signed_in(world.cast.owner).post(world.url(), data)
    assert response.status_code == 409
    assert b'id="conflict-message"' in response.content
    assert counts() == before


@pytest.mark.parametrize(
    ("role", "status"),
    [("lead", 403), ("board", 403), ("admin", 403), ("outsider", 404)],
)
def test_people_who_are_not_its_owners_cannot_post_the_turn(
    world: Turn, role: str, status: int
) -> None:
    before = counts()
    response = signed_in(getattr(world.cast, role)).post(world.url(), post_data(world))
    assert response.status_code == status
    assert counts() == before


def test_anonymous_people_are_sent_to_sign_in(world: Turn) -> None:
    response = signed_in(None).post(world.url(), post_data(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))
    assert not Plan.objects.filter(predecessor=world.plan).exists()


def test_the_closed_plan_stays_readable_and_links_to_its_successor(world: Turn) -> None:
    new = world.turn()
    board = signed_in(world.cast.board)
    slug = world.cast.partnership.slug
    page = board.get(reverse("plans:plan-detail", args=[slug, world.plan.pk]))
    assert page.status_code == 200
    assert reverse("plans:plan-detail", args=[slug, new.pk]).encode() in page.content
    assert b"Continued in" in page.content
    finished = board.get(reverse("plans:action-detail", args=[slug, world.complete.pk]))
    assert finished.status_code == 200
    again = signed_in(world.cast.owner).get(world.url())
    assert b'id="plan-closed"' in again.content


def test_the_new_plan_and_its_actions_link_back(world: Turn) -> None:
    new = world.turn()
    board = signed_in(world.cast.board)
    slug = world.cast.partnership.slug
    page = board.get(reverse("plans:plan-detail", args=[slug, new.pk]))
    assert b'id="plan-predecessor"' in page.content
    assert reverse("plans:plan-detail", args=[slug, world.plan.pk]).encode() in page.content
    copy = Action.objects.get(carried_from=world.in_progress)
    action_page = board.get(reverse("plans:action-detail", args=[slug, copy.pk]))
    assert b'id="carried-from"' in action_page.content
    old_url = reverse("plans:action-detail", args=[slug, world.in_progress.pk])
    assert old_url.encode() in action_page.content


def test_only_owners_see_the_button_and_only_on_an_open_plan(world: Turn) -> None:
    slug = world.cast.partnership.slug
    detail = reverse("plans:plan-detail", args=[slug, world.plan.pk])
    turn_url = world.url().encode()
    assert turn_url in signed_in(world.cast.owner).get(detail).content
    assert turn_url not in signed_in(world.cast.lead).get(detail).content
    world.turn()
    assert turn_url not in signed_in(world.cast.owner).get(detail).content
