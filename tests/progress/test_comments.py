"""Challenge: board members and plan owners comment on an action or one of its updates, its
lead and deputies reply, edits are kept as earlier versions, and the people in the thread
are e-mailed once each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from trellis.accounts.models import Agency, Membership, Person, Role
from trellis.audit.models import AuditEntry
from trellis.errors import Forbidden
from trellis.plans.models import Action
from trellis.progress.comments import comment_add, comment_edit
from trellis.progress.models import Comment, CommentRevision, ProgressUpdate

LONDON = ZoneInfo("Europe/London")
Capture = Callable[..., Any]


@dataclass
class Scene:
    cast: Cast
    action: Action  # led by cast.lead, with one deputy
    deputy: Person
    update: ProgressUpdate  # the action's update for its plan's first period

    @property
    def slug(self) -> str:
        return self.cast.partnership.slug

    def membership(self, person: Person) -> Membership:
        return Membership.objects.select_related("partnership", "person").get(
            person=person, partnership=self.cast.partnership
        )

    def add_url(self, action: Action | None = None) -> str:
        return reverse("progress:comment-add", args=[self.slug, (action or self.action).pk])

    def action_url(self) -> str:
        return reverse("plans:action-detail", args=[self.slug, self.action.pk])

    def edit_url(self, comment: Comment) -> str:
        return reverse("progress:comment-edit", args=[self.slug, comment.pk])

    def history_url(self, comment: Comment) -> str:
        return reverse("progress:comment-history", args=[self.slug, comment.pk])

    def comment(self, person: Person, body: str = "Why is this amber?") -> Comment:
        """A comment written through the service, e-mails discarded."""
        return comment_add(membership=self.membership(person), action=self.action, body=body)


@pytest.fixture
def scene(cast: Cast) -> Scene:
    action = Action.objects.filter(partnership=cast.partnership, lead=cast.lead)[0]
    return Scene(
        cast=cast, action=action, deputy=action.deputies.get(), update=factories.update(action)
    )


# Adding: who may.


def test_a_board_member_comments_on_an_action(scene: Scene) -> None:
    response = signed_in(scene.cast.board).post(scene.add_url(), {"body": "Why is this amber?"})

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{scene.action_url()}#comment-{comment.pk}"
    assert (comment.author, comment.action, comment.update) == (
        scene.cast.board,
        scene.action,
        None,
    )
    assert comment.body == "Why is this amber?"
    assert comment.partnership_id == scene.cast.partnership.pk
    assert not comment.edited


def test_a_plan_owner_comments_on_one_of_the_actions_updates(scene: Scene) -> None:
    response = signed_in(scene.cast.owner).post(
        scene.add_url(), {"body": "Is the milestone still right?", "update": scene.update.pk}
    )

    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.author, comment.update) == (scene.cast.owner, scene.update)


def test_the_actions_lead_replies_in_the_thread(scene: Scene) -> None:
    scene.comment(scene.cast.board)

    response = signed_in(scene.cast.lead).post(scene.add_url(), {"body": "Recruitment slipped."})

    assert response.status_code == 302
    assert list(Comment.objects.values_list("author", flat=True)) == [
        scene.cast.board.pk,
        scene.cast.lead.pk,
    ]


def test_a_deputy_replies_in_the_thread(scene: Scene) -> None:
    response = signed_in(scene.deputy).post(scene.add_url(), {"body": "Covering for the lead."})

    assert response.status_code == 302
    assert Comment.objects.get().author == scene.deputy


def test_adding_a_comment_is_audited(scene: Scene) -> None:
    comment = scene.comment(scene.cast.board)

    entry = AuditEntry.objects.get(verb="comment.add")
    assert (entry.actor_id, entry.object_id) == (scene.cast.board.pk, str(comment.pk))
    assert entry.changes["body"] == "Why is this amber?"


@pytest.mark.parametrize("role", ["analyst", "inspector", "admin"])
def test_readers_may_not_comment(scene: Scene, role: str) -> None:
    person = getattr(scene.cast, role)

    response = signed_in(person).post(scene.add_url(), {"body": "Me too."})

    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_a_lead_of_another_action_may_not_comment_on_this_one(scene: Scene) -> None:
    other = Action.objects.filter(partnership=scene.cast.partnership).exclude(lead=scene.cast.lead)
    other_lead = factories.person(scene.cast.partnership, Role.LEAD)
    other.update(lead=other_lead)

    response = signed_in(other_lead).post(scene.add_url(), {"body": "Me too."})

    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_an_outsider_is_told_the_action_does_not_exist(scene: Scene) -> None:
    response = signed_in(scene.cast.outsider).post(scene.add_url(), {"body": "Hello"})

    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_anonymous_is_sent_to_sign_in(scene: Scene) -> None:
    response = signed_in(None).post(scene.add_url(), {"body": "Hello"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))
    assert not Comment.objects.exists()


def test_the_service_refuses_a_person_without_the_challenge_permission(scene: Scene) -> None:
    with pytest.raises(Forbidden):
        comment_add(membership=scene.membership(scene.cast.analyst), action=scene.action, body="x")
    assert not Comment.objects.exists()


# Adding: what is refused.


@pytest.mark.parametrize("body", ["", "   \n\t  "])
def test_an_empty_comment_is_refused_with_an_error_summary_and_nothing_saved(
    scene: Scene, body: str
) -> None:
    response = signed_in(scene.cast.board).post(scene.add_url(), {"body": body})

    assert response.status_code == 400
    assert response.context["form"].has_error("body", "required")
    assert b"govuk-error-summary" in response.content
    assert not Comment.objects.exists()
    assert not AuditEntry.objects.filter(verb="comment.add").exists()


def test_an_update_of_another_action_cannot_be_chosen(scene: Scene) -> None:
    other = Action.objects.filter(partnership=scene.cast.partnership).exclude(pk=scene.action.pk)[0]
    elsewhere = factories.update(other)

    response = signed_in(scene.cast.board).post(
        scene.add_url(), {"body": "Hello", "update": elsewhere.pk}
    )

    assert response.status_code == 400
    assert response.context["form"].has_error("update", "invalid_choice")
    assert not Comment.objects.exists()


def test_the_form_page_offers_the_actions_updates_by_period(scene: Scene) -> None:
    response = signed_in(scene.cast.board).get(scene.add_url())

    assert response.status_code == 200
    assert f"The update for {scene.update.period.label}" in response.content.decode()


# Showing the thread.


def test_the_thread_shows_author_agency_role_date_and_update_in_order(scene: Scene) -> None:
    agency = Agency.objects.create(partnership=scene.cast.partnership, name="Riverside NHS")
    Membership.objects.filter(person=scene.cast.board).update(agency=agency)
    with time_machine.travel(dt.datetime(2020, 9, 30, 14, 5, tzinfo=LONDON), tick=False):
        comment_add(
            membership=scene.membership(scene.cast.board),
            action=scene.action,
            update=scene.update,
            body="First question",
        )
    with time_machine.travel(dt.datetime(2020, 10, 1, 9, 30, tzinfo=LONDON), tick=False):
        scene.comment(scene.cast.lead, "The answer")

    page = signed_in(scene.cast.analyst).get(scene.action_url()).content.decode()

    assert page.index("First question") < page.index("The answer")
    assert f"{scene.cast.board}, Riverside NHS" in page
    assert "Board member" in page and "Lead</strong>" in page
    assert "30 September 2020 at 14:05" in page
    assert "1 October 2020 at 09:30" in page
    assert f"about the update for {scene.update.period.label}" in page


def test_a_comment_is_shown_escaped_with_its_line_breaks(scene: Scene) -> None:
    scene.comment(scene.cast.board, "<script>alert(1)</script>\nSecond line")

    page = signed_in(scene.cast.owner).get(scene.action_url()).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Second line" in page
    assert "<script>alert(1)" not in page


def test_the_add_form_shows_on_the_action_page_only_to_those_who_may_comment(
    scene: Scene,
) -> None:
    form = f'action="{scene.add_url()}"'

    assert form in signed_in(scene.cast.board).get(scene.action_url()).content.decode()
    assert form in signed_in(scene.cast.lead).get(scene.action_url()).content.decode()
    assert form not in signed_in(scene.cast.analyst).get(scene.action_url()).content.decode()


# Editing.


def test_an_edit_by_the_author_keeps_the_earlier_text_as_a_revision(scene: Scene) -> None:
    comment = scene.comment(scene.cast.board, "Why is this amber")

    response = signed_in(scene.cast.board).post(
        scene.edit_url(comment), {"body": "Why is this amber, not red?", "version": "1"}
    )

    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.body, comment.edited, comment.version) == (
        "Why is this amber, not red?",
        True,
        2,
    )
    revision = CommentRevision.objects.get(comment=comment)
    assert (revision.body, revision.by) == ("Why is this amber", scene.cast.board)
    entry = AuditEntry.objects.get(verb="comment.edit")
    assert entry.changes["body"] == ["Why is this amber", "Why is this amber, not red?"]


def test_the_history_lists_every_earlier_version_with_who_and_when(scene: Scene) -> None:
    board = scene.membership(scene.cast.board)
    with time_machine.travel(dt.datetime(2020, 9, 30, 14, 5, tzinfo=LONDON), tick=False):
        comment = scene.comment(scene.cast.board, "First words")
    with time_machine.travel(dt.datetime(2020, 10, 2, 8, 0, tzinfo=LONDON), tick=False):
        comment = comment_edit(
            membership=board, comment=comment, body="Second words", expected_version=1
        )
    comment = comment_edit(
        membership=board, comment=comment, body="Third words", expected_version=2
    )

    response = signed_in(scene.cast.inspector).get(scene.history_url(comment))

    page = response.content.decode()
    assert response.status_code == 200
    assert [r.body for r in CommentRevision.objects.filter(comment=comment)] == [
        "First words",
        "Second words",
    ]
    assert page.index("Third words") < page.index("Second words") < page.index("First words")
    assert f"Written by {scene.cast.board} on 30 September 2020 at 14:05" in page
    assert f"Written by {scene.cast.board} on 2 October 2020 at 08:00" in page


def test_an_edited_comment_shows_edited_with_a_link_to_its_history(scene: Scene) -> None:
    comment = scene.comment(scene.cast.board)
    comment_edit(
        membership=scene.membership(scene.cast.board),
        comment=comment,
        body="Better words",
        expected_version=1,
    )

    page = signed_in(scene.cast.analyst).get(scene.action_url()).content.decode()

    assert f'href="{scene.history_url(comment)}">Edited' in page


def test_saving_the_same_text_is_not_an_edit(scene: Scene) -> None:
    comment = scene.comment(scene.cast.board)

    signed_in(scene.cast.board).post(
        scene.edit_url(comment), {"body": comment.body, "version": "1"}
    )

    comment.refresh_from_db()
    assert (comment.edited, comment.version) == (False, 1)
    assert not CommentRevision.objects.exists()


@pytest.mark.parametrize("role", ["owner", "lead", "admin"])
def test_only_the_author_may_edit_a_comment(scene: Scene, role: str) -> None:
    comment = scene.comment(scene.cast.board)
    client = signed_in(getattr(scene.cast, role))

    assert client.get(scene.edit_url(comment)).status_code == 403
    response = client.post(scene.edit_url(comment), {"body": "Rewritten", "version": "1"})

    assert response.status_code == 403
    comment.refresh_from_db()
    assert (comment.body, comment.edited) == ("Why is this amber?", False)
    assert not CommentRevision.objects.exists()


def test_a_stale_version_is_refused_with_409_and_the_persons_text_kept(scene: Scene) -> None:
    comment = scene.comment(scene.cast.board, "Original")
    comment_edit(
        membership=scene.membership(scene.cast.board),
        comment=comment,
        body="Saved in another tab",
        expected_version=1,
    )

    response = signed_in(scene.cast.board).post(
        scene.edit_url(comment), {"body": "Typed in this tab", "version": "1"}
    )

    assert response.status_code == 409
    assert "Typed in this tab" in response.content.decode()
    comment.refresh_from_db()
    assert (comment.body, comment.version) == ("Saved in another tab", 2)
    assert list(CommentRevision.objects.values_list("body", flat=True)) == ["Original"]


def test_an_empty_edit_is_refused_and_nothing_changes(scene: Scene) -> None:
    comment = scene.comment(scene.cast.board)

    response = signed_in(scene.cast.board).post(
        scene.edit_url(comment), {"body": " ", "version": "1"}
    )

    assert response.status_code == 400
    comment.refresh_from_db()
    assert (comment.body, comment.version) == ("Why is this amber?", 1)


def test_an_outsider_cannot_see_a_comments_history(scene: Scene) -> None:
    comment = scene.comment(scene.cast.board)

    assert signed_in(scene.cast.outsider).get(scene.history_url(comment)).status_code == 404


# Notifications.


def test_the_lead_deputies_and_earlier_commenters_are_each_emailed_once(
    scene: Scene, django_capture_on_commit_callbacks: Capture
) -> None:
    scene.comment(scene.cast.owner, "An earlier question")
    scene.comment(scene.cast.owner, "A second earlier question")
    scene.comment(scene.cast.lead, "An earlier answer")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(scene.cast.board).post(scene.add_url(), {"body": "Still amber?"})

    assert response.status_code == 302
    assert sorted(to for m in mail.outbox for to in m.to) == sorted(
        [scene.cast.lead.email, scene.deputy.email, scene.cast.owner.email]
    )
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert scene.cast.board.email not in [m.to[0] for m in mail.outbox]


def test_the_email_names_the_action_and_links_back_to_it(
    scene: Scene, django_capture_on_commit_callbacks: Capture
) -> None:
    Action.objects.filter(pk=scene.action.pk).update(title="Improve " + "health " * 20)

    with django_capture_on_commit_callbacks(execute=True):
        signed_in(scene.cast.board).post(scene.add_url(), {"body": "Still amber?"})

    message = mail.outbox[0]
    assert message.subject.startswith("New challenge on: Improve health")
    assert len(message.subject) <= len("New challenge on: ") + 60
    assert f"http://testserver{scene.action_url()}#comments" in message.body
    assert "Still amber?" in message.body
    assert message.content_subtype == "plain"


def test_the_link_uses_the_base_url_when_there_is_no_request(
    scene: Scene, settings: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    settings.TRELLIS_BASE_URL = "https://trellis.example.org"

    with django_capture_on_commit_callbacks(execute=True):
        scene.comment(scene.cast.board)

    assert f"https://trellis.example.org{scene.action_url()}" in mail.outbox[0].body


def test_a_deactivated_member_and_a_leaver_are_not_emailed(
    scene: Scene, django_capture_on_commit_callbacks: Capture
) -> None:
    scene.comment(scene.cast.owner, "An earlier question")
    Membership.objects.filter(person=scene.cast.owner).update(is_active=False)
    Person.objects.filter(pk=scene.deputy.pk).update(is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        scene.comment(scene.cast.board)

    assert [m.to for m in mail.outbox] == [[scene.cast.lead.email]]


def test_no_email_is_sent_until_the_comment_is_committed(
    scene: Scene, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        scene.comment(scene.cast.board)

    assert mail.outbox == []
    assert len(callbacks) == 1


def test_an_edit_sends_no_email(scene: Scene, django_capture_on_commit_callbacks: Capture) -> None:
    comment = scene.comment(scene.cast.board)

    with django_capture_on_commit_callbacks(execute=True):
        comment_edit(
            membership=scene.membership(scene.cast.board),
            comment=comment,
            body="Better words",
            expected_version=1,
        )

    assert mail.outbox == []


# Cost.


def _add_comments(scene: Scene, count: int) -> None:
    authors = [scene.cast.board, scene.cast.owner, scene.cast.lead, scene.deputy]
    for i in range(count):
        comment = Comment.objects.create(
            partnership=scene.cast.partnership,
            action=scene.action,
            update=scene.update if i % 2 else None,
            author=authors[i % len(authors)],
            body=f"Comment {i}",
            edited=i % 3 == 0,
        )
        if i % 3 == 0:
            CommentRevision.objects.create(
                comment=comment, body="Before", by=comment.author, at=comment.created_at
            )


@pytest.mark.parametrize("role", ["board", "analyst"])
def test_the_action_page_costs_the_same_for_3_and_30_comments(
    scene: Scene, role: str, django_assert_num_queries: Capture
) -> None:
    client = signed_in(getattr(scene.cast, role))
    _add_comments(scene, 3)
    client.get(scene.action_url())  # warm per-process caches
    with CaptureQueriesContext(connection) as small:
        client.get(scene.action_url())
    _add_comments(scene, 27)

    with django_assert_num_queries(len(small)):
        response = client.get(scene.action_url())

    assert response.content.decode().count('class="app-comment"') == 30
