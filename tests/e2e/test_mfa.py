"""Two-step sign-in in a real browser, as production requires it: setting up an app at the
first sign-in, the code page, recovery codes, and an admin's reset; every page checked with
axe-core, the error states too."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from tests import factories
from tests.conftest import Cast
from tests.e2e.conftest import assert_accessible, new_page, sign_in
from trellis.accounts.models import MfaDevice


@pytest.fixture
def site(live_server, transactional_db, cast: Cast, settings: Any) -> tuple[str, Cast]:  # type: ignore[no-untyped-def]
    settings.TRELLIS_MFA_REQUIRED = True  # as in production
    return live_server.url, cast


def current_code(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(dt.datetime.now(dt.UTC)))


def set_up_app(page: Page) -> list[str]:
    """On the set-up page: read the key, confirm with its code; returns the recovery codes."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
    assert_accessible(page)
    secret = page.locator("#setup-key").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(
        "000000" if current_code(secret) != "000000" else "111111"
    )
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("does not match")
    assert_accessible(page)
    page.get_by_label("Code from the app").fill(current_code(secret))
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-step sign-in is set up")
    assert_accessible(page)
    return page.locator("#recovery-codes li").all_inner_texts()


def test_first_sign_in_sets_up_the_app_then_a_recovery_code_signs_in(
    page: Page, site: tuple[str, Cast]
) -> None:
    url, cast = site
    sign_in(page, url, cast.lead.email, factories.PASSWORD)
    codes = set_up_app(page)
    assert len(codes) == 10
    page.get_by_role("link", name="I have kept my codes: continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(cast.partnership.name)

    page.goto(url + "/account/")
    page.get_by_role("link", name="Two-step sign-in").click()
    expect(page.locator("#two-step-status")).to_contain_text("Recovery codes left")
    assert_accessible(page)
    page.get_by_role("link", name="Make new codes").click()
    assert_accessible(page)
    page.get_by_label("Your password").fill("not my password at all")
    page.get_by_role("button", name="Make new codes").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your current password")
    assert_accessible(page)
    page.get_by_label("Your password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Make new codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new recovery codes")
    codes = page.locator("#recovery-codes li").all_inner_texts()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, url, cast.lead.email, factories.PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from your authenticator app"
    )
    assert_accessible(page)
    page.get_by_label("Code").fill("12345")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("not right")
    assert_accessible(page)
    page.wait_for_timeout(1100)  # a wrong code makes the next attempt wait a second
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("You used a recovery code; 9 left.")).to_be_visible()


def test_an_admin_signs_a_member_out_everywhere_and_resets_their_app(
    browser: Browser, page: Page, site: tuple[str, Cast]
) -> None:
    url, cast = site
    member, member_problems = new_page(browser)
    sign_in(member, url, cast.lead.email, factories.PASSWORD)
    set_up_app(member)
    assert MfaDevice.objects.filter(person=cast.lead).exists()

    sign_in(page, url, cast.admin.email, factories.PASSWORD)
    set_up_app(page)
    page.goto(f"{url}/p/{cast.partnership.slug}/people/")
    page.get_by_role("link", name=f"Sign out everywhere {cast.lead.full_name}").click()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page.get_by_text("has been signed out everywhere")).to_be_visible()
    member.goto(f"{url}/p/{cast.partnership.slug}/")
    expect(member.get_by_role("heading", level=1)).to_have_text("Sign in to Trellis")
    page.get_by_role("link", name=f"Reset two-step sign-in of {cast.lead.full_name}").click()
    assert_accessible(page)
    page.get_by_role("button", name="Reset two-step sign-in").click()
    expect(page.get_by_text("Two-step sign-in reset for")).to_be_visible()

    assert not MfaDevice.objects.filter(person=cast.lead).exists()
    member.context.close()
    assert not member_problems.messages, "\n".join(member_problems.messages)


def test_outside_production_someone_sets_up_the_app_from_their_settings(
    page: Page, live_server: Any, transactional_db: Any, cast: Cast
) -> None:
    url = live_server.url
    sign_in(page, url, cast.owner.email, factories.PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text(cast.partnership.name)
    page.goto(url + "/account/two-step/")
    expect(page.get_by_text("You sign in with your password only.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Set up two-step sign-in").click()
    secret = page.locator("#setup-key").inner_text().replace(" ", "")
    page.get_by_label("Your password").fill("not my password at all")
    page.get_by_label("Code from the app").fill(current_code(secret))
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your current password")
    assert_accessible(page)
    page.get_by_label("Your password").fill(factories.PASSWORD)
    page.get_by_label("Code from the app").fill(current_code(secret))
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
