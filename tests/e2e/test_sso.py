"""Single sign-on in a real browser: an admin sets up the partnership's provider (the test
provider on 127.0.0.1), then a member signs in with it from the sign-in page by keyboard,
and someone without an account is refused with a message; every page checked with
axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import factories
from tests.accounts.oidc_provider import Provider
from tests.conftest import Cast
from tests.e2e.conftest import assert_accessible, new_page, sign_in
from trellis.accounts import sso
from trellis.accounts.models import SsoProvider
from trellis.audit.models import AuditEntry


@pytest.fixture
def provider() -> Iterator[Provider]:
    sso.clear_cache()
    with Provider() as running:
        yield running
    sso.clear_cache()


@pytest.fixture
def site(live_server, transactional_db, cast: Cast) -> tuple[str, Cast]:  # type: ignore[no-untyped-def]
    return live_server.url, cast


def test_an_admin_sets_up_single_sign_on_and_a_member_signs_in_with_it(
    page: Page, browser: Browser, site: tuple[str, Cast], provider: Provider, settings: Any
) -> None:
    url, cast = site
    sign_in(page, url, cast.admin.email, factories.PASSWORD)
    page.goto(url + f"/p/{cast.partnership.slug}/people/")
    page.get_by_role("link", name="Single sign-on").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Single sign-on")
    assert_accessible(page)
    assert page.locator("#redirect-uri").inner_text().endswith("/sign-in/sso/return/")

    page.get_by_label("Name on the sign-in page").fill("Riverside Entra")
    page.get_by_label("Issuer URL").fill("http://example.org/tenant")
    page.get_by_label("Client ID").fill(provider.client_id)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("must start with https://")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the client secret")
    assert_accessible(page)
    assert not SsoProvider.objects.exists()

    page.get_by_label("Issuer URL").fill(provider.issuer)
    page.get_by_label("Client secret").fill(provider.client_secret)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("settings saved")
    assert_accessible(page)
    expect(page.get_by_label("Client secret")).to_have_value("")

    # A member, in a browser of their own, signs in with the keyboard alone.
    settings.TRELLIS_MFA_REQUIRED = True  # as in production: the provider's MFA stands
    provider.claims = {"email": cast.lead.email.upper(), "email_verified": True}
    member, _problems = new_page(browser)
    member.goto(url + "/sign-in/")
    assert_accessible(member)
    button = member.get_by_role("link", name="Sign in with Riverside Entra")
    button.focus()
    member.keyboard.press("Enter")
    expect(member.get_by_role("heading", level=1)).to_contain_text(cast.partnership.name)
    assert_accessible(member)

    # Someone the provider knows but Trellis does not is sent back with the reason.
    provider.claims = {"email": "stranger@example.org", "email_verified": True}
    stranger, _problems = new_page(browser)
    stranger.goto(url + "/sign-in/")
    stranger.get_by_role("link", name="Sign in with Riverside Entra").click()
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Sign in to Trellis")
    expect(stranger.locator("body")).to_contain_text("There is no Trellis account")
    assert_accessible(stranger)
    assert AuditEntry.objects.filter(verb="sso.refused").count() == 1
