"""Recording decisions: who may, what is checked, what is audited, and stale edits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from tests import factories
from tests.conftest import Cast
from tests.measures.factories import measure as make_measure
from tests.meetings import factories as f
from trellis.accounts.models import Role
from trellis.audit.models import AuditEntry
from trellis.errors import Conflict, Forbidden, Invalid
from trellis.meetings.models import Decision, Subject
from trellis.meetings.services import decision_action_create, decision_record, decision_update
from trellis.plans.models import Action, Plan
from trellis.progress.models import Comment

pytestmark = pytest.mark.django_db
TODAY = dt.date(2020, 3, 1)


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2020, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        yield


def _aim(plan: Plan, index: int = 0) -> Action:
    return Action.objects.filter(driver__outcome__plan=plan).order_by("pk")[index]


def _record(cast: Cast, who: object = None, **overrides: object) -> Decision:
    fields: dict[str, object] = {
        "membership": f.member(cast.partnership, who or cast.board),  # type: ignore[arg-type]
        "plan": cast.plan,
        "group": overrides.pop("group", None) or f.group(cast.partnership),
        "decided_on": dt.date(2020, 2, 20),
        "subject": Subject.ACTION,
        "action": _aim(cast.plan),
        "text": "Agreed to fund two nurses",
    }
    fields.update(overrides)
    return decision_record(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("role", ["board", "owner", "admin"])
def test_board_members_owners_and_admins_record_decisions(cast: Cast, role: str) -> None:
    decision = _record(cast, getattr(cast, role))
    assert Decision.objects.get().text == "Agreed to fund two nurses"
    assert decision.recorded_by == getattr(cast, role)


@pytest.mark.parametrize("role", ["lead", "analyst", "inspector"])
def test_leads_analysts_and_inspectors_cannot_record_decisions(cast: Cast, role: str) -> None:
    with pytest.raises(Forbidden):
        _record(cast, getattr(cast, role))
    assert not Decision.objects.exists()


def test_recording_a_decision_is_audited(cast: Cast) -> None:
    decision = _record(cast)
    audit = AuditEntry.objects.get(verb="decision.record")
    assert audit.object_id == str(decision.pk)
    assert audit.changes["text"] == "Agreed to fund two nurses"


def test_a_decision_needs_its_text(cast: Cast) -> None:
    with pytest.raises(Invalid) as caught:
        _record(cast, text="  \r\n ")
    assert "text" in caught.value.errors
    assert not Decision.objects.exists()


def test_a_decision_cannot_be_dated_in_the_future(cast: Cast) -> None:
    with pytest.raises(Invalid) as caught:
        _record(cast, decided_on=TODAY + dt.timedelta(days=1))
    assert "decided_on" in caught.value.errors


def test_a_follow_up_date_needs_a_follow_up(cast: Cast) -> None:
    with pytest.raises(Invalid) as caught:
        _record(cast, follow_up_due=dt.date(2020, 4, 1))
    assert "follow_up" in caught.value.errors


def test_a_follow_up_cannot_be_due_before_the_decision(cast: Cast) -> None:
    with pytest.raises(Invalid) as caught:
        _record(cast, follow_up="Report back", follow_up_due=dt.date(2020, 1, 1))
    assert "follow_up_due" in caught.value.errors


def test_follow_up_owner_must_be_a_member_here(cast: Cast) -> None:
    with pytest.raises(Invalid) as caught:
        _record(cast, follow_up="Report back", follow_up_owner=cast.outsider)
    assert "follow_up_owner" in caught.value.errors


def test_group_of_another_partnership_is_refused(cast: Cast) -> None:
    with pytest.raises(Invalid) as caught:
        _record(cast, group=f.group(cast.other))
    assert "group" in caught.value.errors


def test_an_aim_of_another_plan_is_refused(cast: Cast) -> None:
    other = factories.plan_tree(cast.partnership, actions=1)
    with pytest.raises(Invalid):
        _record(cast, action=_aim(other))
    assert not Decision.objects.exists()


def test_a_plan_of_another_partnership_is_forbidden(cast: Cast) -> None:
    other_plan = factories.plan_tree(cast.other, actions=1)
    with pytest.raises(Forbidden):
        _record(cast, plan=other_plan, action=_aim(other_plan))


def test_a_decision_on_a_thread_names_a_challenge_in_it(cast: Cast) -> None:
    aim = _aim(cast.plan)
    challenge = Comment.objects.create(
        partnership=cast.partnership, action=aim, author=cast.board, body="Why amber?"
    )
    decision = _record(cast, subject=Subject.THREAD, comment=challenge)
    assert decision.comment == challenge
    elsewhere = Comment.objects.create(
        partnership=cast.partnership, action=_aim(cast.plan, 1), author=cast.board, body="And?"
    )
    with pytest.raises(Invalid) as caught:
        _record(cast, subject=Subject.THREAD, comment=elsewhere)
    assert "comment" in caught.value.errors


def test_a_decision_on_a_measure_names_no_aim(cast: Cast) -> None:
    sample = make_measure(cast, values=[10, 12])
    decision = _record(cast, subject=Subject.MEASURE, action=None, measure=sample)
    assert decision.measure == sample
    with pytest.raises(Invalid):
        _record(cast, subject=Subject.MEASURE, measure=sample)  # the aim is still given


def test_marking_the_follow_up_done_is_audited_as_a_change(cast: Cast) -> None:
    decision = _record(cast, follow_up="Report back", follow_up_due=dt.date(2020, 3, 31))
    owner = f.member(cast.partnership, cast.owner)
    decision_update(
        decision,
        membership=owner,
        expected_version=1,
        group=decision.group,
        decided_on=decision.decided_on,
        text=decision.text,
        follow_up=decision.follow_up,
        follow_up_due=decision.follow_up_due,
        follow_up_done=TODAY,
    )
    decision.refresh_from_db()
    assert (decision.follow_up_done, decision.version) == (TODAY, 2)
    audit = AuditEntry.objects.get(verb="decision.update")
    assert audit.changes == {"follow_up_done": [None, "2020-03-01"]}


def test_a_stale_edit_is_refused_and_nothing_changes(cast: Cast) -> None:
    decision = _record(cast)
    board = f.member(cast.partnership, cast.board)
    common = {"group": decision.group, "decided_on": decision.decided_on}
    decision_update(decision, membership=board, expected_version=1, text="First", **common)
    with pytest.raises(Conflict):
        decision_update(decision, membership=board, expected_version=1, text="Second", **common)
    assert Decision.objects.get().text == "First"


def test_a_lead_cannot_change_a_decision(cast: Cast) -> None:
    decision = _record(cast)
    with pytest.raises(Forbidden):
        decision_update(
            decision,
            membership=f.member(cast.partnership, cast.lead),
            expected_version=1,
            group=decision.group,
            decided_on=decision.decided_on,
            text="Changed",
        )


def _new_aim(cast: Cast, who: object) -> tuple[Decision, Action]:
    decision = _record(cast)
    driver = _aim(cast.plan).driver
    aim = decision_action_create(
        decision,
        membership=f.member(cast.partnership, who),  # type: ignore[arg-type]
        expected_version=1,
        driver=driver,
        fields={"title": "Recruit two health assessment nurses", "position": 9},
    )
    return decision, aim


def test_a_plan_owner_creates_the_aim_a_decision_asks_for(cast: Cast) -> None:
    decision, aim = _new_aim(cast, cast.owner)
    decision.refresh_from_db()
    assert decision.created_action == aim
    assert aim.driver.outcome.plan == cast.plan
    verbs = set(AuditEntry.objects.values_list("verb", flat=True))
    assert {"action.create", "decision.action-created"} <= verbs


def test_a_board_member_cannot_create_an_aim_the_plans_rule_applies(cast: Cast) -> None:
    before = Action.objects.count()
    with pytest.raises(Forbidden):
        _new_aim(cast, cast.board)
    assert Action.objects.count() == before
    assert Decision.objects.get().created_action is None


def test_a_stale_decision_creates_no_aim(cast: Cast) -> None:
    decision = _record(cast)
    Decision.objects.filter(pk=decision.pk).update(version=2)  # someone saved meanwhile
    before = Action.objects.count()
    with pytest.raises(Conflict):
        decision_action_create(
            decision,
            membership=f.member(cast.partnership, cast.owner),
            expected_version=1,
            driver=_aim(cast.plan).driver,
            fields={"title": "New aim", "position": 9},
        )
    assert Action.objects.count() == before  # both or neither


def test_a_decision_creates_one_aim_only(cast: Cast) -> None:
    decision, _aim_made = _new_aim(cast, cast.owner)
    decision.refresh_from_db()
    with pytest.raises(Invalid):
        decision_action_create(
            decision,
            membership=f.member(cast.partnership, cast.owner),
            expected_version=decision.version,
            driver=_aim(cast.plan).driver,
            fields={"title": "Another", "position": 10},
        )


def test_the_aim_goes_under_a_driver_of_the_decisions_plan(cast: Cast) -> None:
    decision = _record(cast)
    other = factories.plan_tree(cast.partnership, actions=1)
    with pytest.raises(Invalid) as caught:
        decision_action_create(
            decision,
            membership=f.member(cast.partnership, cast.owner),
            expected_version=1,
            driver=_aim(other).driver,
            fields={"title": "New aim", "position": 9},
        )
    assert "driver" in caught.value.errors


def test_roles_are_read_from_the_membership(cast: Cast) -> None:
    someone = factories.person(cast.partnership, Role.LEAD, Role.BOARD)
    assert _record(cast, someone).recorded_by == someone
