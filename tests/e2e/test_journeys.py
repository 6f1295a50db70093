"""The foundation's journeys in a real browser, every page checked with axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import factories
from tests.conftest import Cast
from tests.e2e.conftest import assert_accessible, new_page, sign_in
from trellis.accounts.models import Role
from trellis.plans.models import Action


@pytest.fixture
def site(live_server, transactional_db, cast: Cast) -> tuple[str, Cast]:  # type: ignore[no-untyped-def]
    return live_server.url, cast


def lead_action(cast: Cast) -> Action:
    return Action.objects.filter(partnership=cast.partnership, lead=cast.lead).order_by("pk")[0]


def test_an_owner_signs_in_edits_an_action_sees_it_and_signs_out(
    page: Page, site: tuple[str, Cast]
) -> None:
    url, cast = site
    sign_in(page, url, cast.owner.email, factories.PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text(cast.partnership.name)
    assert_accessible(page)

    page.get_by_role("link", name="Plans", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name=cast.plan.title).click()
    headers = page.locator("table.app-plan-table thead th")
    expect(headers).to_have_text(
        [
            "Stretch outcome aim",
            "Key driver",
            "Improvement project aim",
            "Key improvement measure",
            "Lead responsibility",
            "Latest progress",
        ]
    )
    assert_accessible(page)

    action = lead_action(cast)
    page.get_by_role("link", name=action.title, exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="Edit the improvement aim").click()
    assert_accessible(page)
    page.get_by_label("Improvement project aim").fill("Every child seen within 4 weeks")
    page.get_by_label("Latest progress").fill("CSW – 12 of 14 seen on time.")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#action-title")).to_have_text("Every child seen within 4 weeks")
    expect(page.locator("#latest-progress")).to_contain_text("12 of 14 seen on time")
    assert_accessible(page)
    action.refresh_from_db()
    assert action.title == "Every child seen within 4 weeks"

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in/$"))
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    assert_accessible(page)


def test_everything_works_by_keyboard_alone(page: Page, site: tuple[str, Cast]) -> None:
    url, cast = site
    page.goto(url + "/sign-in/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    page.keyboard.press("Enter")  # the skip link moves focus to the main content
    page.keyboard.press("Tab")
    expect(page.locator("#id_email")).to_be_focused()
    page.keyboard.type(cast.owner.email)
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(cast.partnership.name)

    tab_to(page, "Plans")
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle + '|' + s.boxShadow + '|' + s.backgroundColor; }"
    )
    assert outline != "none|none|rgba(0, 0, 0, 0)", "the focused link shows no focus indicator"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Plans")).to_be_visible()
    tab_to(page, cast.plan.title)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=cast.plan.title)).to_be_visible()
    action = lead_action(cast)
    tab_to(page, action.title)
    page.keyboard.press("Enter")
    expect(page.locator("#action-title")).to_have_text(action.title)
    assert_accessible(page)


def tab_to(page: Page, text: str, limit: int = 80) -> None:
    """Press Tab until the focused element's text is `text`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.innerText.trim()") == text:
            return
    raise AssertionError(f"could not reach {text!r} by Tab")


def test_an_invalid_edit_shows_the_error_summary_and_saves_nothing(
    page: Page, site: tuple[str, Cast]
) -> None:
    url, cast = site
    action = lead_action(cast)
    sign_in(page, url, cast.owner.email, factories.PASSWORD)
    page.goto(f"{url}/p/{cast.partnership.slug}/actions/{action.pk}/edit/")
    page.get_by_label("Improvement project aim").fill("")
    page.get_by_role("button", name="Save").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error:"))
    assert_accessible(page)
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_title")).to_be_focused()
    action.refresh_from_db()
    assert action.title != ""
    assert action.version == 1


def test_the_second_of_two_concurrent_edits_is_refused_and_keeps_its_text(
    browser: Browser, page: Page, site: tuple[str, Cast]
) -> None:
    url, cast = site
    action = lead_action(cast)
    second_owner = factories.person(cast.partnership, Role.OWNER, email="second@example.org")
    edit_url = f"{url}/p/{cast.partnership.slug}/actions/{action.pk}/edit/"
    other, other_problems = new_page(browser)

    sign_in(page, url, cast.owner.email, factories.PASSWORD)
    sign_in(other, url, second_owner.email, factories.PASSWORD)
    page.goto(edit_url)
    other.goto(edit_url)

    page.get_by_label("Latest progress").fill("First save wins.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#latest-progress")).to_contain_text("First save wins.")

    other.get_by_label("Latest progress").fill("My careful second text.")
    other.get_by_role("button", name="Save").click()
    expect(other.locator("#conflict-message")).to_contain_text(cast.owner.full_name)
    expect(other.get_by_label("Latest progress")).to_have_value("My careful second text.")
    assert_accessible(other)
    action.refresh_from_db()
    assert action.latest_progress == "First save wins."
    other.context.close()
    assert not other_problems.messages


def test_each_role_sees_what_it_may(browser: Browser, site: tuple[str, Cast]) -> None:
    url, cast = site
    action = lead_action(cast)
    slug = cast.partnership.slug

    lead, _ = new_page(browser)
    sign_in(lead, url, cast.lead.email, factories.PASSWORD)
    lead.get_by_role("link", name="My actions").click()
    expect(lead.get_by_role("link", name=action.title)).to_be_visible()
    assert_accessible(lead)

    board, _ = new_page(browser)
    sign_in(board, url, cast.board.email, factories.PASSWORD)
    board.goto(f"{url}/p/{slug}/actions/{action.pk}/")
    expect(board.locator("#action-title")).to_be_visible()
    expect(board.get_by_role("link", name="Edit the improvement aim")).to_have_count(0)
    board.goto(f"{url}/p/{slug}/inspections/{cast.plan.inspection_id}/")
    assert_accessible(board)
    board.goto(f"{url}/p/{slug}/no-such-page/")
    expect(board.get_by_role("heading", name="Page not found")).to_be_visible()
    assert_accessible(board)

    admin, _ = new_page(browser)
    sign_in(admin, url, cast.admin.email, factories.PASSWORD)
    admin.get_by_role("link", name="People").click()
    expect(admin.get_by_text(cast.lead.email)).to_be_visible()
    assert_accessible(admin)
    for path in ("/accessibility/", "/privacy/", f"/p/{slug}/directory/"):
        admin.goto(url + path)
        assert_accessible(admin)
