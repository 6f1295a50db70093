"""The partnership dashboard in a real browser, every page checked with axe-core: a board
member signs in, reads the dashboard (rendered to PNG and checked not to be blank) and
follows its numbers to what they count."""

from __future__ import annotations

import datetime as dt
import re
import struct
import zlib
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests import factories
from tests.conftest import Cast
from tests.e2e.conftest import assert_accessible, sign_in
from trellis.accounts.models import Group
from trellis.plans.models import Action, Milestone, Plan
from trellis.progress.models import Comment, ProgressUpdate

Q2, Q3 = 2, 3  # the factory plan's Q2 and Q3 2020; every period has begun by now


@pytest.fixture
def site(live_server: Any, transactional_db: None, cast: Cast) -> tuple[str, Cast]:
    """The cast's plan made active, with Q2 and Q3 updates (one restricted from the board
    member), a milestone overdue and one due soon, and a challenge awaiting a reply."""
    Plan.objects.filter(pk=cast.plan.pk).update(status=Plan.Status.ACTIVE)
    actions = list(Action.objects.filter(driver__outcome__plan=cast.plan).order_by("position"))
    for action, rag in zip(actions, ["green", "amber", "red"], strict=True):
        factories.update(action, state="accepted", rag=rag, period_index=Q2)
    factories.update(actions[0], state="submitted", rag="green", period_index=Q3)
    hidden = factories.update(actions[1], state="submitted", rag="red", period_index=Q3)
    hidden.restricted_to.add(Group.objects.create(partnership=cast.partnership, name="Police"))
    today = timezone.localdate()
    Milestone.objects.filter(action__in=actions).update(done=today)
    Milestone.objects.create(
        partnership=cast.partnership, action=actions[0], title="Workshop held", due=today
    )
    Milestone.objects.create(
        partnership=cast.partnership,
        action=actions[2],
        title="Charter to the board",
        due=today - dt.timedelta(days=40),
        revised_due=today - dt.timedelta(days=5),
        revision_reason="Board meeting moved",
    )
    Comment.objects.create(
        partnership=cast.partnership, action=actions[2], author=cast.board, body="Why red?"
    )
    return live_server.url, cast


def png_is_not_blank(png: bytes) -> bool:
    """Whether a PNG has size and more than a handful of distinct byte values in its
    pixels (a blank page decodes to one colour and the filter bytes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    data, at = b"", 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        if kind == b"IDAT":
            data += png[at + 8 : at + 8 + length]
        at += 12 + length
    pixels = zlib.decompress(data)
    return width > 0 and height > 0 and len(set(pixels)) > 16


def test_a_board_member_reads_the_dashboard_and_follows_its_numbers(
    page: Page, site: tuple[str, Cast]
) -> None:
    url, cast = site
    sign_in(page, url, cast.board.email, factories.PASSWORD)

    expect(page.get_by_role("heading", level=1)).to_contain_text(cast.partnership.name)
    expect(page.get_by_role("heading", level=2, name=cast.plan.title)).to_be_visible()
    for heading in (
        "At a glance",
        "Status by stretch outcome",
        "Milestones",
        "Measures",
        "Where a lead's status and the data disagree",
        "Open challenge threads",
    ):
        expect(page.get_by_role("heading", level=3, name=heading, exact=True)).to_be_visible()
    expect(page.locator("#current-period")).to_contain_text("Q3 2020")
    assert png_is_not_blank(page.screenshot(full_page=True))
    assert_accessible(page)

    # The restricted red is counted as restricted, never as red.
    every = page.locator('#rag-by-outcome tfoot tr[data-outcome="all"]')
    expect(every.locator('a[data-rag="red"]')).to_contain_text("0")
    expect(every.locator('a[data-rag="restricted"]')).to_contain_text("1")

    # A status count opens the overview filtered to the same actions.
    green = every.locator('a[data-rag="green"]')
    expect(green).to_contain_text("1")
    green.click()
    expect(page).to_have_url(re.compile(r"/overview/\?period=\d+&rag=green$"))
    expect(page.locator("#overview-caption")).to_have_text("Showing 1 of 3 actions")
    assert_accessible(page)
    page.go_back()

    page.locator('a[data-count="missing"]').click()
    expect(page.locator("#overview-caption")).to_have_text("Showing 1 of 3 actions")
    assert_accessible(page)
    page.go_back()

    # Milestones and threads open their lists on the dashboard, and from there the aim.
    page.locator('a[data-count="milestones-overdue"]').click()
    expect(page).to_have_url(re.compile(r"#milestones-overdue$"))
    overdue = page.locator("#milestones-overdue")
    expect(overdue).to_be_in_viewport()
    expect(overdue).to_contain_text("Charter to the board")
    expect(page.locator("#milestones-due")).to_contain_text("Workshop held")

    page.locator('a[data-count="threads"]').click()
    expect(page).to_have_url(re.compile(r"#threads$"))
    thread = page.locator("#thread-table tbody tr").first
    expect(thread).to_contain_text("Waiting for the lead")
    thread.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/actions/\d+/#comments$"))
    expect(page.locator("#comments")).to_be_visible()
    expect(page.get_by_text("Why red?")).to_be_visible()
    assert_accessible(page)
    assert ProgressUpdate.objects.count() == 5  # reading wrote nothing


def test_the_dashboard_works_by_keyboard_from_its_first_number(
    page: Page, site: tuple[str, Cast]
) -> None:
    url, cast = site
    sign_in(page, url, cast.owner.email, factories.PASSWORD)
    missing = page.locator('a[data-count="missing"]')
    missing.focus()
    expect(missing).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/overview/\?period=\d+&state=missing$"))
    expect(page.locator("#overview-caption")).to_have_text("Showing 1 of 3 actions")


def test_a_long_list_of_overdue_milestones_opens_in_full_from_the_dashboard(
    page: Page, site: tuple[str, Cast]
) -> None:
    url, cast = site
    actions = list(Action.objects.filter(driver__outcome__plan=cast.plan).order_by("position"))
    today = timezone.localdate()
    Milestone.objects.bulk_create(
        Milestone(
            partnership=cast.partnership,
            action=actions[i % 3],
            title=f"Step {i + 1}",
            due=today - dt.timedelta(days=i + 1),
        )
        for i in range(24)  # with the site's one: 25 overdue
    )
    sign_in(page, url, cast.board.email, factories.PASSWORD)

    expect(page.locator('a[data-count="milestones-overdue"]')).to_contain_text("25")
    expect(page.locator("#milestones-overdue tbody tr")).to_have_count(20)
    expect(page.locator("#milestones-overdue-more")).to_contain_text("Showing the 20 most overdue.")
    page.get_by_role("link", name="See all 25 overdue milestones").click()
    expect(page).to_have_url(re.compile(r"/plans/\d+/milestones/#milestones-overdue$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Milestones overdue and due soon")
    expect(page.locator("#milestones-overdue tbody tr")).to_have_count(25)
    expect(page.locator("#milestones-overdue")).to_contain_text("Charter to the board")
    expect(page.locator("#milestones-due")).to_contain_text("Workshop held")
    assert_accessible(page)

    page.get_by_role("link", name="Back to the dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(cast.partnership.name)
