"""The update pages: writing (draft or submit), reading, accepting and returning, the
history of changes, the action page's list of updates and the plan table's latest
progress, by role, with bad input, concurrent saves and a session that timed out."""

from __future__ import annotations

import datetime as dt
import html
import re
import time
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from trellis.accounts.middleware import SIGNED_IN_AT
from trellis.accounts.models import Group, Membership, Person, Role
from trellis.plans.models import Action
from trellis.plans.selectors import plan_tree
from trellis.progress.models import (
    RAG_MEANINGS,
    ProgressUpdate,
    ReportingPeriod,
    UpdateRevision,
)
from trellis.progress.services import period_close, update_save, update_submit

SIGN_IN = reverse("accounts:sign-in")


@dataclass
class Page:
    cast: Cast
    action: Action
    period: ReportingPeriod
    deputy: Person

    @property
    def slug(self) -> str:
        return self.cast.partnership.slug

    @property
    def write_url(self) -> str:
        return reverse("progress:update-write", args=[self.slug, self.action.pk, self.period.pk])

    def url(self, name: str, *args: Any) -> str:
        return reverse(name, args=[self.slug, *args])

    def update(self) -> ProgressUpdate | None:
        return ProgressUpdate.objects.filter(action=self.action, period=self.period).first()

    def membership(self, person: Person) -> Membership:
        return Membership.objects.select_related("partnership", "person").get(
            person=person, partnership=self.cast.partnership
        )


@pytest.fixture
def page(cast: Cast) -> Page:
    action = Action.objects.filter(partnership=cast.partnership, lead=cast.lead).order_by("id")[0]
    period = action.driver.outcome.plan.periods.all()[1]  # Q1 2020: Q4 2019 is "last period"
    return Page(cast=cast, action=action, period=period, deputy=action.deputies.get())


def posted(rag: str = "amber", narrative: str = "Training began.", **extra: str) -> dict[str, str]:
    return {"rag": rag, "narrative": narrative, "version": "", "intent": "draft", **extra}


def body(response: Any) -> str:
    return str(response.content.decode())


def text_of(response: Any) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", body(response)))


# Writing


def test_the_lead_saves_a_draft(page: Page) -> None:
    client = signed_in(page.cast.lead)

    response = client.post(page.write_url, posted())

    update = page.update()
    assert update is not None
    assert response.status_code == 302
    assert response["Location"] == page.url("progress:update-detail", update.pk)
    assert (update.state, update.rag, update.narrative) == ("draft", "amber", "Training began.")
    assert update.author == page.cast.lead
    assert update.revisions.count() == 1


def test_the_lead_submits_for_sign_off_in_one_step(page: Page) -> None:
    response = signed_in(page.cast.lead).post(page.write_url, posted(intent="submit"))

    update = page.update()
    assert response.status_code == 302
    assert update is not None
    assert update.state == "submitted"
    assert update.submitted_at is not None
    assert [r.state for r in update.revisions.all()] == ["draft", "submitted"]


def test_the_lead_continues_a_draft_and_its_version_moves_on(page: Page) -> None:
    client = signed_in(page.cast.lead)
    client.post(page.write_url, posted(narrative="First go"))
    form = client.get(page.write_url)

    client.post(page.write_url, posted(narrative="Second go", version="1"))

    assert 'name="version" value="1"' in body(form)
    update = page.update()
    assert update is not None
    assert (update.narrative, update.version) == ("Second go", 2)


def test_the_form_gives_every_status_its_meaning_in_words(page: Page) -> None:
    response = signed_in(page.cast.lead).get(page.write_url)

    assert response.status_code == 200
    content = body(response)
    for value, meaning in RAG_MEANINGS.items():
        assert f'value="{value}"' in content
        assert html.escape(str(meaning)) in content
    assert 'id="id_rag"' in content  # the first radio, where the error summary links
    assert 'aria-describedby="id_rag-item-hint"' in content
    assert 'id="id_rag-item-hint"' in content
    assert 'aria-describedby="id_rag_1-item-hint"' in content
    assert 'class="govuk-radios__input"' in content
    assert content.count('name="intent"') == 2


def test_the_form_shows_last_periods_update_and_the_milestones(page: Page) -> None:
    factories.update(page.action, state="accepted", rag="red", period_index=0)

    response = signed_in(page.cast.lead).get(page.write_url)

    text = text_of(response)
    assert f"Progress on {page.action.title}" in text
    assert "Red" in text
    for milestone in page.action.milestones.all():
        assert milestone.title in text
    assert "1 January 2020" in text


def test_the_form_says_when_there_was_no_update_last_period(page: Page) -> None:
    response = signed_in(page.cast.lead).get(page.write_url)

    assert "No update last period." in text_of(response)


ACCESS = {
    "anonymous": 302,
    "admin": 403,
    "owner": 200,
    "lead": 200,
    "deputy": 200,
    "other-lead": 403,
    "analyst": 403,
    "board": 403,
    "inspector": 403,
    "outsider": 404,
}


@pytest.mark.parametrize(("role", "status"), ACCESS.items())
def test_only_the_lead_deputies_and_owners_open_the_form(
    page: Page, role: str, status: int
) -> None:
    people: dict[str, Person | None] = {
        **page.cast.by_role(),
        "deputy": page.deputy,
        "other-lead": factories.person(page.cast.partnership, Role.LEAD),
    }

    response = signed_in(people[role]).get(page.write_url)

    assert response.status_code == status
    if role == "anonymous":
        assert response["Location"].startswith(SIGN_IN)


@pytest.mark.parametrize("role", ["admin", "analyst", "board", "inspector"])
def test_a_reader_posting_the_form_is_refused_and_nothing_is_saved(page: Page, role: str) -> None:
    response = signed_in(page.cast.by_role()[role]).post(page.write_url, posted())

    assert response.status_code == 403
    assert page.update() is None


def test_a_period_of_another_plan_is_not_found(page: Page) -> None:
    other = factories.plan_tree(page.cast.partnership, actions=1)
    url = reverse(
        "progress:update-write", args=[page.slug, page.action.pk, other.periods.all()[0].pk]
    )

    assert signed_in(page.cast.lead).get(url).status_code == 404


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"rag": ""}, "rag"),
        ({"narrative": "   \n  "}, "narrative"),
        ({"rag": "purple"}, "rag"),
    ],
)
def test_bad_input_shows_the_error_summary_and_saves_nothing(
    page: Page, data: dict[str, str], field: str
) -> None:
    response = signed_in(page.cast.lead).post(page.write_url, {**posted(), **data})

    assert response.status_code == 400
    assert "govuk-error-summary" in body(response)
    assert field in response.context["form"].errors
    assert page.update() is None
    assert UpdateRevision.objects.count() == 0


def test_a_stale_save_is_refused_and_keeps_the_second_persons_text(page: Page) -> None:
    factories.update(page.action, period_index=1)
    lead, deputy = signed_in(page.cast.lead), signed_in(page.deputy)
    lead.get(page.write_url)
    deputy.get(page.write_url)
    lead.post(page.write_url, posted(narrative="The lead got there first", version="1"))

    response = deputy.post(page.write_url, posted(narrative="The deputy's own words", version="1"))

    assert response.status_code == 409
    assert "The deputy&#x27;s own words" in body(response)
    assert page.cast.lead.full_name in text_of(response)
    assert 'id="conflict-message"' in body(response)
    update = page.update()
    assert update is not None
    assert (update.narrative, update.version) == ("The lead got there first", 2)


def test_saving_again_after_a_conflict_replaces_the_other_version_knowingly(page: Page) -> None:
    factories.update(page.action, period_index=1)
    lead, deputy = signed_in(page.cast.lead), signed_in(page.deputy)
    lead.post(page.write_url, posted(narrative="The lead got there first", version="1"))
    conflict = deputy.post(page.write_url, posted(narrative="The deputy's words", version="1"))

    deputy.post(page.write_url, posted(narrative="The deputy's words", version="2"))

    assert 'name="version" value="2"' in body(conflict)
    update = page.update()
    assert update is not None
    assert update.narrative == "The deputy's words"


def test_a_closed_period_shows_the_update_read_only(page: Page) -> None:
    factories.update(page.action, period_index=1)
    period_close(membership=page.membership(page.cast.owner), period=page.period)

    response = signed_in(page.cast.lead).get(page.write_url)

    assert response.status_code == 200
    assert 'id="read-only-reason"' in body(response)
    assert "is closed" in text_of(response)
    assert 'name="intent"' not in body(response)


def test_posting_to_a_closed_period_is_refused_and_changes_nothing(page: Page) -> None:
    factories.update(page.action, period_index=1)
    period_close(membership=page.membership(page.cast.owner), period=page.period)

    response = signed_in(page.cast.lead).post(page.write_url, posted(version="1"))

    assert response.status_code == 403
    update = page.update()
    assert update is not None
    assert (update.narrative, update.version) == (f"Progress on {page.action.title}", 1)


def test_a_submitted_update_is_read_only_on_the_form(page: Page) -> None:
    factories.update(page.action, state="submitted", period_index=1)

    response = signed_in(page.cast.lead).get(page.write_url)

    assert 'id="read-only-reason"' in body(response)
    assert 'name="intent"' not in body(response)


def test_a_deputys_update_is_attributed_to_them_on_behalf_of_the_lead(page: Page) -> None:
    client = signed_in(page.deputy)
    form = client.get(page.write_url)

    client.post(page.write_url, posted())

    update = page.update()
    assert update is not None
    assert (update.author, update.on_behalf_of) == (page.deputy, page.cast.lead)
    assert 'id="on-behalf"' in body(form)
    detail = signed_in(page.cast.board).get(page.url("progress:update-detail", update.pk))
    assert f"{page.deputy.full_name} on behalf of {page.cast.lead.full_name}" in text_of(detail)


# Reading


def test_the_detail_page_shows_state_status_and_escaped_text(page: Page) -> None:
    update = factories.update(page.action, state="submitted", rag="amber", period_index=1)
    update.narrative = "<script>alert(1)</script>\n\nSecond paragraph"
    update.late = True
    update.save()

    response = signed_in(page.cast.board).get(page.url("progress:update-detail", update.pk))

    content = body(response)
    assert response.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<script>alert" not in content
    assert "<p>Second paragraph</p>" in content
    text = text_of(response)
    for words in ("Submitted", "Amber", str(RAG_MEANINGS["amber"]), "Late"):
        assert words in text


def test_a_returned_update_shows_why(page: Page) -> None:
    update = factories.update(page.action, state="returned", period_index=1)
    update.return_reason = "Add the attendance figures"
    update.save()

    response = signed_in(page.cast.lead).get(page.url("progress:update-detail", update.pk))

    assert "Add the attendance figures" in text_of(response)


def test_a_resubmitted_update_does_not_claim_to_be_reviewed_until_it_is(page: Page) -> None:
    update = factories.update(page.action, state="returned", period_index=1)
    update.return_reason = "Add the attendance figures"
    update.reviewed_by = page.cast.owner
    update.save()
    url = page.url("progress:update-detail", update.pk)
    assert 'id="update-reviewed"' in signed_in(page.cast.lead).get(url).content.decode()

    update_submit(
        membership=page.membership(page.cast.lead), update=update, expected_version=update.version
    )

    assert 'id="update-reviewed"' not in signed_in(page.cast.lead).get(url).content.decode()


def test_an_update_of_another_partnership_is_not_found(page: Page) -> None:
    update = factories.update(page.action, period_index=1)

    response = signed_in(page.cast.outsider).get(page.url("progress:update-detail", update.pk))

    assert response.status_code == 404


@dataclass
class Restricted:
    update: ProgressUpdate
    member: Person
    group: Group


@pytest.fixture
def restricted(page: Page) -> Restricted:
    update = factories.update(page.action, state="accepted", period_index=1)
    update.narrative = "Operational detail for the police only"
    update.save()
    group = Group.objects.create(partnership=page.cast.partnership, name="Police Scotland group")
    member = factories.person(page.cast.partnership, Role.BOARD)
    group.members.add(member)
    update.restricted_to.add(group)
    return Restricted(update=update, member=member, group=group)


def test_a_restricted_update_is_hidden_from_a_board_member_outside_the_group(
    page: Page, restricted: Restricted
) -> None:
    client = signed_in(page.cast.board)
    detail = client.get(page.url("progress:update-detail", restricted.update.pk))
    history = client.get(page.url("progress:update-history", restricted.update.pk))
    action = client.get(page.url("plans:action-detail", page.action.pk))

    assert detail.status_code == history.status_code == 200
    assert "This update is restricted to Police Scotland group" in text_of(detail)
    for response in (detail, history, action):
        assert "Operational detail" not in body(response)
    assert "Restricted" in text_of(action)


def test_a_restricted_update_is_visible_to_a_member_of_the_group(
    page: Page, restricted: Restricted
) -> None:
    response = signed_in(restricted.member).get(
        page.url("progress:update-detail", restricted.update.pk)
    )

    assert "Operational detail for the police only" in text_of(response)
    assert 'id="restricted"' not in body(response)


# Accepting and returning


@pytest.fixture
def submitted(page: Page) -> ProgressUpdate:
    return factories.update(page.action, state="submitted", period_index=1)


def test_a_plan_owner_sees_accept_and_return_on_a_submitted_update(
    page: Page, submitted: ProgressUpdate
) -> None:
    owner = signed_in(page.cast.owner).get(page.url("progress:update-detail", submitted.pk))
    lead = signed_in(page.cast.lead).get(page.url("progress:update-detail", submitted.pk))

    accept = page.url("progress:update-accept", submitted.pk)
    assert f'action="{accept}"' in body(owner)
    assert 'name="reason"' in body(owner)
    assert f'action="{accept}"' not in body(lead)


def test_a_plan_owner_accepts_a_submitted_update(page: Page, submitted: ProgressUpdate) -> None:
    response = signed_in(page.cast.owner).post(
        page.url("progress:update-accept", submitted.pk), {"version": "1"}
    )

    submitted.refresh_from_db()
    assert response.status_code == 302
    assert (submitted.state, submitted.reviewed_by) == ("accepted", page.cast.owner)


def test_a_plan_owner_returns_an_update_with_a_reason(
    page: Page, submitted: ProgressUpdate
) -> None:
    response = signed_in(page.cast.owner).post(
        page.url("progress:update-return", submitted.pk),
        {"version": "1", "reason": "Say how many staff were trained"},
    )

    submitted.refresh_from_db()
    assert response.status_code == 302
    assert (submitted.state, submitted.return_reason) == (
        "returned",
        "Say how many staff were trained",
    )


def test_returning_without_a_reason_shows_the_error_and_changes_nothing(
    page: Page, submitted: ProgressUpdate
) -> None:
    response = signed_in(page.cast.owner).post(
        page.url("progress:update-return", submitted.pk), {"version": "1", "reason": "  "}
    )

    submitted.refresh_from_db()
    assert response.status_code == 400
    assert "govuk-error-summary" in body(response)
    assert "reason" in response.context["form"].errors
    assert (submitted.state, submitted.version) == ("submitted", 1)


@pytest.mark.parametrize("verb", ["accept", "return"])
@pytest.mark.parametrize("role", ["lead", "admin", "board"])
def test_only_a_plan_owner_accepts_or_returns(
    page: Page, submitted: ProgressUpdate, role: str, verb: str
) -> None:
    response = signed_in(page.cast.by_role()[role]).post(
        page.url(f"progress:update-{verb}", submitted.pk), {"version": "1", "reason": "No"}
    )

    submitted.refresh_from_db()
    assert response.status_code == 403
    assert (submitted.state, submitted.version) == ("submitted", 1)


def test_a_stale_accept_is_refused_as_a_conflict(page: Page, submitted: ProgressUpdate) -> None:
    ProgressUpdate.objects.filter(pk=submitted.pk).update(version=2)  # changed meanwhile

    response = signed_in(page.cast.owner).post(
        page.url("progress:update-accept", submitted.pk), {"version": "1"}
    )

    submitted.refresh_from_db()
    assert response.status_code == 409
    assert (submitted.state, submitted.version) == ("submitted", 2)


def test_accepting_an_update_already_returned_is_refused(
    page: Page, submitted: ProgressUpdate
) -> None:
    second_owner = factories.person(page.cast.partnership, Role.OWNER)
    signed_in(second_owner).post(
        page.url("progress:update-return", submitted.pk), {"version": "1", "reason": "Redo"}
    )

    response = signed_in(page.cast.owner).post(
        page.url("progress:update-accept", submitted.pk), {"version": "2"}
    )

    submitted.refresh_from_db()
    assert response.status_code == 400
    assert submitted.state == "returned"


def test_a_stale_return_keeps_the_reason_typed(page: Page, submitted: ProgressUpdate) -> None:
    ProgressUpdate.objects.filter(pk=submitted.pk).update(version=2)

    response = signed_in(page.cast.owner).post(
        page.url("progress:update-return", submitted.pk),
        {"version": "1", "reason": "My careful reason"},
    )

    submitted.refresh_from_db()
    assert response.status_code == 409
    assert "My careful reason" in text_of(response)
    assert submitted.state == "submitted"


# History


def test_the_history_shows_each_version_and_the_words_that_changed(page: Page) -> None:
    lead = page.membership(page.cast.lead)
    update = update_save(
        membership=lead,
        action=page.action,
        period=page.period,
        rag="green",
        narrative="Training starts in <May>",
    )
    update = update_save(
        membership=lead,
        action=page.action,
        period=page.period,
        rag="amber",
        narrative="Training starts in <June>",
        expected_version=1,
    )
    update_submit(membership=lead, update=update, expected_version=2)

    response = signed_in(page.cast.board).get(page.url("progress:update-history", update.pk))

    content = body(response)
    assert response.status_code == 200
    assert re.search(
        r"<del><span class=\"govuk-visually-hidden\">Removed: </span>&lt;May&gt;", content
    )
    assert re.search(
        r"<ins><span class=\"govuk-visually-hidden\">Added: </span>&lt;June&gt;", content
    )
    assert "Training starts in &lt;May&gt;" in content  # the first version, in full
    assert content.count('class="app-revision"') == 3
    assert "(was Green)" in text_of(response)
    assert "Text unchanged." in text_of(response)


# The action page and the plan table


def test_the_action_page_lists_updates_newest_first_with_links_to_write(page: Page) -> None:
    factories.update(page.action, state="accepted", rag="green", period_index=0)
    returned = factories.update(page.action, state="returned", rag="red", period_index=1)

    response = signed_in(page.cast.lead).get(page.url("plans:action-detail", page.action.pk))

    content = body(response)
    labels = [p.label for p in page.action.driver.outcome.plan.periods.all()]
    positions = [content.index(label) for label in labels[:2]]
    assert positions[1] < positions[0]  # newest first
    assert page.url("progress:update-detail", returned.pk) in content
    assert "Revise and resubmit" in text_of(response)
    assert text_of(response).count("Write this period's update") == len(labels) - 2
    write_first = page.url("progress:update-write", page.action.pk, page.period.pk)
    assert write_first in content


def test_readers_get_no_write_links_on_the_action_page(page: Page) -> None:
    response = signed_in(page.cast.board).get(page.url("plans:action-detail", page.action.pk))

    assert "app-write-update" not in body(response)
    assert "Not written" in text_of(response)


def _action_with_updates(cast: Cast, count: int) -> Action:
    plan = factories.plan_tree(cast.partnership, actions=1, lead=cast.lead)
    action = Action.objects.get(driver__outcome__plan=plan)
    plan.periods.all().delete()
    group = Group.objects.create(partnership=cast.partnership, name=f"Group {count}")
    for n in range(count):
        starts = dt.date(2010, 1, 1) + dt.timedelta(days=31 * n)
        period = ReportingPeriod.objects.create(
            partnership=cast.partnership,
            plan=plan,
            label=f"Period {n}",
            starts=starts,
            ends=starts + dt.timedelta(days=30),
            due=starts + dt.timedelta(days=40),
        )
        update = ProgressUpdate.objects.create(
            partnership=cast.partnership,
            action=action,
            period=period,
            rag="green",
            narrative=f"Update {n}",
            state=["draft", "submitted", "accepted", "returned"][n % 4],
            author=cast.lead,
            on_behalf_of=cast.owner if n % 2 else None,
        )
        if n % 3 == 0:
            update.restricted_to.add(group)
    return action


def test_the_action_page_costs_the_same_for_3_and_30_updates(
    cast: Cast, django_assert_num_queries: Any
) -> None:
    small, large = _action_with_updates(cast, 3), _action_with_updates(cast, 30)
    client = signed_in(cast.board)
    client.get(reverse("plans:action-detail", args=[cast.partnership.slug, small.pk]))
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("plans:action-detail", args=[cast.partnership.slug, small.pk]))

    with django_assert_num_queries(len(captured)):
        response = client.get(
            reverse("plans:action-detail", args=[cast.partnership.slug, large.pk])
        )

    assert response.status_code == 200
    assert body(response).count("/updates/") >= 30


def test_the_plan_table_shows_the_latest_reported_update(page: Page) -> None:
    factories.update(page.action, state="accepted", rag="green", period_index=0)
    latest = factories.update(page.action, state="submitted", rag="red", period_index=1)
    factories.update(page.action, state="draft", rag="amber", period_index=2)
    Action.objects.filter(pk=page.action.pk).update(latest_progress="Old spreadsheet text")

    response = signed_in(page.cast.board).get(page.url("plans:plan-detail", page.cast.plan.pk))

    content = body(response)
    assert page.url("progress:update-detail", latest.pk) in content
    assert "Old spreadsheet text" not in content
    row = content[content.index(page.url("progress:update-detail", latest.pk)) - 300 :]
    assert "Red" in row[:400]


def test_the_plan_page_reads_only_each_actions_latest_reported_update(page: Page) -> None:
    for index in range(3):
        factories.update(page.action, state="accepted", period_index=index)

    tree = plan_tree(page.cast.partnership, page.cast.plan.pk)

    actions = [a for o in tree.outcomes.all() for d in o.drivers.all() for a in d.actions.all()]
    [ours] = [a for a in actions if a.pk == page.action.pk]
    newest = max(u.period.starts for u in page.action.updates.all())
    assert [u.period.starts for u in ours.reported_updates] == [newest]


def test_the_plan_table_falls_back_to_the_actions_latest_progress(page: Page) -> None:
    factories.update(page.action, state="draft", period_index=1)
    Action.objects.filter(pk=page.action.pk).update(latest_progress="Old spreadsheet text")

    response = signed_in(page.cast.board).get(page.url("plans:plan-detail", page.cast.plan.pk))

    assert "Old spreadsheet text" in body(response)


def test_the_plan_table_hides_a_restricted_updates_text(page: Page, restricted: Restricted) -> None:
    outsider = signed_in(page.cast.board).get(page.url("plans:plan-detail", page.cast.plan.pk))
    member = signed_in(restricted.member).get(page.url("plans:plan-detail", page.cast.plan.pk))

    assert "Operational detail" not in body(outsider)
    assert "a restricted update" in body(outsider)
    assert "Operational detail" in body(member)


def test_the_plan_page_costs_the_same_for_3_and_30_reported_updates(
    cast: Cast, django_assert_num_queries: Any
) -> None:
    plans = []
    for count in (3, 30):
        plan = factories.plan_tree(cast.partnership, actions=count)
        for action in Action.objects.filter(driver__outcome__plan=plan):
            update = factories.update(action, state="accepted")
            update.restricted_to.add(
                Group.objects.get_or_create(partnership=cast.partnership, name="Chiefs")[0]
            )
        plans.append(plan)
    client = signed_in(cast.board)
    small, large = (reverse("plans:plan-detail", args=[cast.partnership.slug, p.pk]) for p in plans)
    client.get(small)
    with CaptureQueriesContext(connection) as captured:
        client.get(small)

    with django_assert_num_queries(len(captured)):
        response = client.get(large)

    assert body(response).count("a restricted update") == 30


# No lost work


def test_text_typed_before_a_session_timeout_is_restored_after_signing_in(page: Page) -> None:
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = signed_in(page.cast.lead)
        assert client.get(page.write_url).status_code == 200
        clock.shift(dt.timedelta(minutes=31))

        expired = client.post(
            page.write_url, posted(rag="red", narrative="Typed while the session ran out")
        )
        signed_back = client.post(
            SIGN_IN,
            {"email": page.cast.lead.email, "password": factories.PASSWORD, "next": page.write_url},
        )
        restored = client.get(page.write_url)
        again = client.get(page.write_url)

    assert expired.status_code == 302
    assert expired["Location"].startswith(SIGN_IN + "?next=")
    assert page.update() is None
    assert signed_back["Location"] == page.write_url
    assert "Typed while the session ran out" in body(restored)
    assert "We kept what you typed; save it now." in text_of(restored)
    assert re.search(r'value="red"[^>]*checked', body(restored))
    assert "Typed while the session ran out" not in body(again)  # restored once only


def test_nothing_but_the_update_fields_is_kept_over_a_timeout(page: Page) -> None:
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = signed_in(page.cast.lead)
        clock.shift(dt.timedelta(minutes=31))
        client.post(page.write_url, {**posted(), "password": "hunter2", "note": "secret"})

        kept = dict(client.session)

    stored = [v for k, v in kept.items() if k.startswith("kept-work:")]
    assert stored == [{"rag": "amber", "narrative": "Training began.", "version": ""}]


def test_text_is_kept_when_the_twelve_hour_limit_signs_the_person_out(page: Page) -> None:
    client = signed_in(page.cast.lead)
    session = client.session
    session[SIGNED_IN_AT] = time.time() - 13 * 60 * 60
    session.save()

    response = client.post(page.write_url, posted(narrative="Typed at the end of a long day"))

    assert response["Location"].startswith(SIGN_IN)
    assert "_auth_user_id" not in client.session
    kept = [v for k, v in client.session.items() if k.startswith("kept-work:")]
    assert kept[0]["narrative"] == "Typed at the end of a long day"


def test_an_anonymous_post_to_another_page_keeps_nothing(page: Page) -> None:
    client = Client()

    response = client.post(page.url("plans:action-edit", page.action.pk), {"title": "x"})

    assert response.status_code == 302
    assert not [k for k, _ in client.session.items() if k.startswith("kept-work:")]
