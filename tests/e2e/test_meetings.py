"""Meetings and decisions in a real browser, every page checked with axe-core: a board
member opens a group's meeting, records a decision on a challenge thread with a follow-up,
meets the form's errors on the way, reads the decision and the log; a plan owner records
the follow-up done and creates the aim the decision asked for."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests import factories
from tests.conftest import Cast
from tests.e2e.conftest import assert_accessible, new_page, sign_in
from trellis.accounts.models import Group
from trellis.meetings.models import Decision
from trellis.plans.models import Action, Plan
from trellis.progress.models import Comment


@pytest.fixture
def site(live_server: Any, transactional_db: None, cast: Cast) -> tuple[str, Cast, Group]:
    Plan.objects.filter(pk=cast.plan.pk).update(status=Plan.Status.ACTIVE)
    cog = Group.objects.create(partnership=cast.partnership, name="Chief Officers Group")
    cog.members.add(cast.lead)
    aim = Action.objects.filter(driver__outcome__plan=cast.plan).order_by("pk")[0]
    factories.update(aim, state="submitted", rag="amber", period_index=1)
    Comment.objects.create(
        partnership=cast.partnership, action=aim, author=cast.board, body="Why amber again?"
    )
    return live_server.url, cast, cog


def test_a_board_member_records_a_decision_and_an_owner_follows_it_up(
    page: Page, browser: Browser, site: tuple[str, Cast, Group]
) -> None:
    url, cast, _cog = site
    sign_in(page, url, cast.board.email, factories.PASSWORD)

    page.get_by_role("link", name="Meetings").first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Chief Officers Group").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chief Officers Group")
    expect(page.locator("#update-table")).to_contain_text("Aim 0")
    expect(page.locator("#thread-table")).to_contain_text("Waiting for the lead")
    assert_accessible(page)

    page.locator("#thread-table").get_by_role("link", name="Record a decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a decision")
    assert_accessible(page)
    page.get_by_label("The challenge it answers").select_option(index=1)
    page.get_by_label("Which group decided").select_option(label="Chief Officers Group")
    page.get_by_label("Who sees it through").select_option(label=str(cast.owner))
    page.get_by_label("When it is due").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()  # nothing decided, nothing said
    assert_accessible(page)
    assert not Decision.objects.exists()

    page.get_by_label("What was decided").fill("Asked NHS for a recovery plan by July.")
    page.get_by_label("What follows").fill("Recruit two health assessment nurses")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#decision-text")).to_have_text("Asked NHS for a recovery plan by July.")
    expect(page.locator("#decision-about")).to_contain_text("Why amber again?")
    assert_accessible(page)
    decision = Decision.objects.get()

    page.get_by_role("link", name="Back to the decision log").click()
    expect(page.locator(f'[data-decision="{decision.pk}"]')).to_be_visible()
    assert_accessible(page)

    owner, _problems = new_page(browser)
    sign_in(owner, url, cast.owner.email, factories.PASSWORD)
    owner.goto(f"{url}/p/{cast.partnership.slug}/decisions/{decision.pk}/")
    owner.get_by_role("link", name="Record the follow-up or change the decision").click()
    assert_accessible(owner)
    owner.get_by_label("Date it was done").fill(timezone.localdate().isoformat())
    owner.get_by_role("button", name="Save").click()
    expect(owner.locator("#decision-status")).to_contain_text("Done")

    owner.get_by_role("link", name="Create the improvement aim it asks for").click()
    assert_accessible(owner)
    owner.get_by_label("Under which key driver").select_option(index=1)
    owner.get_by_role("button", name="Save").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text(
        "Recruit two health assessment nurses"
    )
    expect(owner.locator("#decisions")).to_be_visible()
    assert_accessible(owner)
    decision.refresh_from_db()
    assert decision.created_action is not None
    owner.context.close()
