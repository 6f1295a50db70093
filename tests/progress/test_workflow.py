"""The update workflow as a state machine: every state × verb × role, allowed exactly when
the transition exists and the role holds its permission; refused steps change nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine

from tests import factories
from tests.conftest import Cast
from trellis.accounts.models import Membership, Person, Role
from trellis.audit.models import AuditEntry
from trellis.errors import Forbidden, Invalid
from trellis.plans.models import Action
from trellis.progress.models import ProgressUpdate, ReportingPeriod, UpdateRevision
from trellis.progress.services import (
    TRANSITIONS,
    period_close,
    period_reopen,
    update_accept,
    update_return,
    update_save,
    update_submit,
)

STATES = (None, "draft", "submitted", "accepted", "returned")
VERBS = ("save", "submit", "accept", "return")
ROLES = ("admin", "owner", "lead", "deputy", "other-lead", "analyst", "board", "inspector")

# Written out by hand (not read from TRANSITIONS) so that the table is checked, not copied.
WRITE, REVIEW = "write", "review"
ALLOWED: dict[tuple[str | None, str], tuple[str, str]] = {
    (None, "save"): ("draft", WRITE),
    ("draft", "save"): ("draft", WRITE),
    ("returned", "save"): ("draft", WRITE),
    ("draft", "submit"): ("submitted", WRITE),
    ("returned", "submit"): ("submitted", WRITE),
    ("submitted", "accept"): ("accepted", REVIEW),
    ("submitted", "return"): ("returned", REVIEW),
}
HOLDS = {
    "admin": set(),
    "owner": {WRITE, REVIEW},
    "lead": {WRITE},  # of this action
    "deputy": {WRITE},  # of this action
    "other-lead": set(),
    "analyst": set(),
    "board": set(),
    "inspector": set(),
}


@dataclass
class Scene:
    cast: Cast
    action: Action
    period: ReportingPeriod
    people: dict[str, Person]

    def membership(self, role: str) -> Membership:
        return Membership.objects.select_related("partnership", "person").get(
            person=self.people[role], partnership=self.cast.partnership
        )


@pytest.fixture
def scene(cast: Cast) -> Scene:
    action = Action.objects.filter(partnership=cast.partnership, lead=cast.lead).order_by("id")[0]
    people = {
        "admin": cast.admin,
        "owner": cast.owner,
        "lead": cast.lead,
        "deputy": action.deputies.get(),
        "other-lead": factories.person(cast.partnership, Role.LEAD),
        "analyst": cast.analyst,
        "board": cast.board,
        "inspector": cast.inspector,
    }
    period = action.driver.outcome.plan.periods.all()[0]
    return Scene(cast=cast, action=action, period=period, people=people)


def act(
    verb: str, membership: Membership, scene: Scene, update: ProgressUpdate | None
) -> ProgressUpdate:
    if verb == "save":
        return update_save(
            membership=membership,
            action=scene.action,
            period=scene.period,
            rag="amber",
            narrative="Rewritten by the test",
            expected_version=update.version if update else None,
        )
    assert update is not None
    if verb == "submit":
        return update_submit(membership=membership, update=update, expected_version=update.version)
    if verb == "accept":
        return update_accept(membership=membership, update=update, expected_version=update.version)
    return update_return(
        membership=membership, update=update, expected_version=update.version, reason="Add figures"
    )


def snapshot(scene: Scene) -> dict[str, Any]:
    update = ProgressUpdate.objects.filter(action=scene.action, period=scene.period).first()
    return {
        "update": None
        if update is None
        else (update.state, update.version, update.rag, update.narrative, update.return_reason),
        "revisions": UpdateRevision.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_the_transition_table_is_the_documented_workflow() -> None:
    documented = {key: state for key, (state, _) in ALLOWED.items()}
    assert {key: str(state) for key, (state, _) in TRANSITIONS.items()} == documented


def test_only_saving_can_start_an_update() -> None:
    assert [key for key in TRANSITIONS if key[0] is None] == [(None, "save")]


CASES = [(state, verb, role) for state in STATES for verb in VERBS for role in ROLES]


@pytest.mark.parametrize(("state", "verb", "role"), CASES)
def test_each_step_is_allowed_exactly_by_the_table_and_the_role(
    scene: Scene, state: str | None, verb: str, role: str
) -> None:
    update = factories.update(scene.action, state=state) if state else None
    membership = scene.membership(role)
    step = ALLOWED.get((state, verb))
    if state is None and verb != "save":
        assert (None, verb) not in TRANSITIONS  # nothing exists to act on
        return
    before = snapshot(scene)

    if step is None or step[1] not in HOLDS[role]:
        with pytest.raises(Invalid if step is None else Forbidden):
            act(verb, membership, scene, update)
        assert snapshot(scene) == before
        return

    moved = act(verb, membership, scene, update)

    moved.refresh_from_db()
    assert moved.state == step[0]
    assert UpdateRevision.objects.filter(update=moved).latest("version").version == moved.version
    assert UpdateRevision.objects.count() == before["revisions"] + 1
    assert AuditEntry.objects.count() == before["audit"] + 1
    assert AuditEntry.objects.latest("id").verb == f"update.{verb}"


def test_a_deputy_writes_on_behalf_of_the_lead(scene: Scene) -> None:
    update = act("save", scene.membership("deputy"), scene, None)

    assert update.author == scene.people["deputy"]
    assert update.on_behalf_of == scene.cast.lead


def test_an_owner_writing_is_not_attributed_to_the_lead(scene: Scene) -> None:
    update = act("save", scene.membership("owner"), scene, None)

    assert update.author == scene.cast.owner
    assert update.on_behalf_of is None


def test_a_submission_after_the_due_date_is_marked_late(scene: Scene) -> None:
    update = factories.update(scene.action, state="draft")
    after_due = dt.datetime.combine(scene.period.due + dt.timedelta(days=1), dt.time(12))

    with time_machine.travel(after_due.replace(tzinfo=dt.UTC), tick=False):
        submitted = act("submit", scene.membership("lead"), scene, update)

    assert submitted.late is True


def test_a_submission_on_the_due_date_is_not_late(scene: Scene) -> None:
    update = factories.update(scene.action, state="draft")
    on_due = dt.datetime.combine(scene.period.due, dt.time(12))

    with time_machine.travel(on_due.replace(tzinfo=dt.UTC), tick=False):
        submitted = act("submit", scene.membership("lead"), scene, update)

    assert submitted.late is False
    assert submitted.submitted_at is not None


@pytest.mark.parametrize(
    ("state", "verb"),
    [
        (None, "save"),
        ("draft", "save"),
        ("draft", "submit"),
        ("submitted", "accept"),
        ("submitted", "return"),
        ("returned", "save"),
        ("returned", "submit"),
    ],
)
def test_a_closed_period_refuses_every_step(scene: Scene, state: str | None, verb: str) -> None:
    update = factories.update(scene.action, state=state) if state else None
    period_close(membership=scene.membership("owner"), period=scene.period)
    if update is not None:
        update.period.refresh_from_db()
    before = snapshot(scene)

    with pytest.raises(Forbidden):
        act(verb, scene.membership("owner"), scene, update)

    assert snapshot(scene) == before


def test_a_plan_owner_closes_a_period_and_it_is_audited(scene: Scene) -> None:
    period_close(membership=scene.membership("owner"), period=scene.period)

    scene.period.refresh_from_db()
    assert scene.period.is_closed
    assert scene.period.closed_by == scene.cast.owner
    entry = AuditEntry.objects.latest("id")
    assert (entry.verb, entry.actor_id) == ("period.close", scene.cast.owner.pk)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "owner"])
def test_only_a_plan_owner_may_close_a_period(scene: Scene, role: str) -> None:
    audit = AuditEntry.objects.count()

    with pytest.raises(Forbidden):
        period_close(membership=scene.membership(role), period=scene.period)

    scene.period.refresh_from_db()
    assert not scene.period.is_closed
    assert AuditEntry.objects.count() == audit


def test_an_admin_reopens_a_closed_period_and_it_is_audited(scene: Scene) -> None:
    period_close(membership=scene.membership("owner"), period=scene.period)

    period_reopen(membership=scene.membership("admin"), period=scene.period)

    scene.period.refresh_from_db()
    assert not scene.period.is_closed
    entry = AuditEntry.objects.latest("id")
    assert (entry.verb, entry.actor_id) == ("period.reopen", scene.cast.admin.pk)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_an_admin_may_reopen_a_period(scene: Scene, role: str) -> None:
    period_close(membership=scene.membership("owner"), period=scene.period)
    audit = AuditEntry.objects.count()

    with pytest.raises(Forbidden):
        period_reopen(membership=scene.membership(role), period=scene.period)

    scene.period.refresh_from_db()
    assert scene.period.is_closed
    assert AuditEntry.objects.count() == audit


def test_a_reopened_period_accepts_updates_again(scene: Scene) -> None:
    period_close(membership=scene.membership("owner"), period=scene.period)
    period_reopen(membership=scene.membership("admin"), period=scene.period)

    update = act("save", scene.membership("lead"), scene, None)

    assert update.state == "draft"
