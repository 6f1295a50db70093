"""The update form's optional parts: restricting the update to named groups, and recording
the action's milestones as done or moving their due dates with a reason, all saved with the
update or not at all."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from tests.conftest import Cast, signed_in
from trellis.accounts.models import Group, Membership
from trellis.audit.models import AuditEntry
from trellis.errors import Forbidden, Invalid
from trellis.plans.models import Action, Milestone
from trellis.plans.services import milestone_progress
from trellis.progress.models import ProgressUpdate, ReportingPeriod

TODAY = dt.datetime(2020, 4, 3, 10, tzinfo=dt.UTC)


@dataclass
class Scene:
    cast: Cast
    action: Action
    period: ReportingPeriod
    police: Group

    @property
    def write_url(self) -> str:
        slug = self.cast.partnership.slug
        return reverse("progress:update-write", args=[slug, self.action.pk, self.period.pk])

    def milestones(self) -> list[Milestone]:
        return list(Milestone.objects.filter(action=self.action).order_by("due"))

    def update(self) -> ProgressUpdate | None:
        return ProgressUpdate.objects.filter(action=self.action, period=self.period).first()


@pytest.fixture
def scene(cast: Cast) -> Any:
    action = Action.objects.filter(partnership=cast.partnership, lead=cast.lead).order_by("id")[0]
    period = action.driver.outcome.plan.periods.all()[1]
    police = Group.objects.create(partnership=cast.partnership, name="Police")
    with time_machine.travel(TODAY, tick=False):
        yield Scene(cast=cast, action=action, period=period, police=police)


def posted(**extra: Any) -> dict[str, Any]:
    return {"rag": "amber", "narrative": "Training began.", "intent": "draft", **extra}


# Restriction


def test_the_lead_restricts_an_update_to_a_group(scene: Scene) -> None:
    response = signed_in(scene.cast.lead).post(
        scene.write_url, posted(restricted_to=[scene.police.pk])
    )

    assert response.status_code == 302
    update = scene.update()
    assert update is not None
    assert list(update.restricted_to.all()) == [scene.police]


def test_a_board_member_outside_the_group_sees_that_a_restricted_update_exists_not_its_text(
    scene: Scene,
) -> None:
    signed_in(scene.cast.lead).post(
        scene.write_url, posted(narrative="Operation Fern detail", restricted_to=[scene.police.pk])
    )
    update = scene.update()
    assert update is not None
    url = reverse("progress:update-detail", args=[scene.cast.partnership.slug, update.pk])

    board_page = signed_in(scene.cast.board).get(url).content.decode()
    lead_page = signed_in(scene.cast.lead).get(url).content.decode()

    assert "Operation Fern detail" not in board_page
    assert "Police" in board_page  # who it is restricted to
    assert "Operation Fern detail" in lead_page


def test_saving_without_ticking_a_group_lifts_the_restriction(scene: Scene) -> None:
    client = signed_in(scene.cast.lead)
    client.post(scene.write_url, posted(restricted_to=[scene.police.pk]))
    update = scene.update()
    assert update is not None

    client.post(scene.write_url, posted(version=update.version))

    assert not update.restricted_to.exists()


def test_a_group_of_another_partnership_is_refused_and_nothing_is_saved(scene: Scene) -> None:
    theirs = Group.objects.create(partnership=scene.cast.other, name="Theirs")

    response = signed_in(scene.cast.lead).post(scene.write_url, posted(restricted_to=[theirs.pk]))

    assert response.status_code == 400
    assert 'id="id_restricted_to-error"' in response.content.decode()
    assert scene.update() is None


# Milestones


def test_the_form_offers_only_open_milestones(scene: Scene) -> None:
    first, second = scene.milestones()
    first.done = dt.date(2020, 1, 1)
    first.save()

    page = signed_in(scene.cast.lead).get(scene.write_url).content.decode()

    assert f'name="m{first.pk}-done"' not in page
    assert f'name="m{second.pk}-done"' in page
    assert f'name="m{second.pk}-revised_due"' in page


def test_a_milestone_is_recorded_as_done_with_the_update(scene: Scene) -> None:
    first, second = scene.milestones()

    response = signed_in(scene.cast.lead).post(
        scene.write_url, posted(**{f"m{first.pk}-done": "2020-03-30"})
    )

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.done == dt.date(2020, 3, 30)
    assert second.done is None
    assert second.version == 1  # untouched milestones are not rewritten
    assert AuditEntry.objects.filter(verb="milestone.update", object_id=str(first.pk)).exists()


def test_a_revised_due_date_is_kept_beside_the_original_with_its_reason(scene: Scene) -> None:
    first, _ = scene.milestones()

    signed_in(scene.cast.lead).post(
        scene.write_url,
        posted(
            **{
                f"m{first.pk}-revised_due": "2020-06-30",
                f"m{first.pk}-revision_reason": "Waiting for the new system",
            }
        ),
    )

    first.refresh_from_db()
    assert first.due == dt.date(2020, 1, 1)
    assert first.revised_due == dt.date(2020, 6, 30)
    assert first.revision_reason == "Waiting for the new system"
    action_page = signed_in(scene.cast.board).get(
        reverse("plans:action-detail", args=[scene.cast.partnership.slug, scene.action.pk])
    )
    assert "revised to 30 June 2020 (Waiting for the new system)" in action_page.content.decode()


def test_a_revised_date_without_a_reason_is_refused_and_neither_update_nor_milestone_saved(
    scene: Scene,
) -> None:
    first, _ = scene.milestones()

    response = signed_in(scene.cast.lead).post(
        scene.write_url, posted(**{f"m{first.pk}-revised_due": "2020-06-30"})
    )

    assert response.status_code == 400
    assert f'id="id_m{first.pk}-revision_reason-error"' in response.content.decode()
    first.refresh_from_db()
    assert first.revised_due is None
    assert scene.update() is None  # all or nothing


def test_a_done_date_in_the_future_is_refused(scene: Scene) -> None:
    first, _ = scene.milestones()

    response = signed_in(scene.cast.lead).post(
        scene.write_url, posted(**{f"m{first.pk}-done": "2020-04-04"})
    )

    assert response.status_code == 400
    assert f'id="id_m{first.pk}-done-error"' in response.content.decode()
    first.refresh_from_db()
    assert first.done is None


def test_a_milestone_changed_by_someone_else_meanwhile_is_a_conflict(scene: Scene) -> None:
    first, _ = scene.milestones()
    loaded_version = first.version
    Milestone.objects.filter(pk=first.pk).update(version=loaded_version + 1, title="Renamed")

    response = signed_in(scene.cast.lead).post(
        scene.write_url,
        posted(**{f"m{first.pk}-done": "2020-03-30", f"m{first.pk}-version": loaded_version}),
    )

    assert response.status_code == 409
    first.refresh_from_db()
    assert first.done is None
    assert scene.update() is None
    assert "Training began." in response.content.decode()  # their text is kept


def test_the_service_leaves_an_unchanged_milestone_alone(scene: Scene) -> None:
    first, _ = scene.milestones()
    member = Membership.objects.get(person=scene.cast.lead, partnership=scene.cast.partnership)

    same = milestone_progress(
        first, membership=member, expected_version=first.version, done=None, revised_due=None
    )

    assert same.version == first.version


def test_the_service_refuses_a_board_member(scene: Scene) -> None:
    first, _ = scene.milestones()
    member = Membership.objects.get(person=scene.cast.board, partnership=scene.cast.partnership)

    with pytest.raises(Forbidden):
        milestone_progress(
            first,
            membership=member,
            expected_version=first.version,
            done=dt.date(2020, 3, 1),
            revised_due=None,
        )

    first.refresh_from_db()
    assert first.done is None


def test_the_service_names_the_missing_reason(scene: Scene) -> None:
    first, _ = scene.milestones()
    member = Membership.objects.get(person=scene.cast.lead, partnership=scene.cast.partnership)

    with pytest.raises(Invalid) as refused:
        milestone_progress(
            first,
            membership=member,
            expected_version=first.version,
            done=None,
            revised_due=dt.date(2020, 9, 1),
            reason="  ",
        )

    assert set(refused.value.errors) == {"revision_reason"}
