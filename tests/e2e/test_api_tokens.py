"""The API's journey in a real browser: an analyst makes a token on their account page,
pulls the measures as CSV and pushes a figure with it, sees the figure on the measure's
page, then revokes the token, which is refused from the next request. Every page visited
is checked with axe-core."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.conftest import Cast
from tests.e2e.conftest import assert_accessible, sign_in
from tests.measures.factories import measure
from trellis.api.models import ApiToken, TokenUse
from trellis.measures.models import Observation


@pytest.fixture
def site(live_server, transactional_db, cast: Cast) -> tuple[str, Cast]:  # type: ignore[no-untyped-def]
    return live_server.url, cast


def test_an_analyst_makes_a_token_pulls_measures_pushes_a_figure_and_revokes_it(
    page: Page,
    site: tuple[str, Cast],
) -> None:
    url, cast = site
    made = measure(cast, code="LAC-VISITS", kind="count", values=[5, 6, 7])
    sign_in(page, url, cast.analyst.email, factories.PASSWORD)

    page.get_by_role("link", name="Your settings").click()
    assert_accessible(page)
    page.get_by_role("link", name="API tokens").click()
    assert_accessible(page)
    page.get_by_role("button", name="Create token").click()  # nothing chosen: errors
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name").fill("Power BI measures")
    page.get_by_label("Read and write").check()
    page.get_by_label("In 30 days").check()
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", name="Token created")).to_be_visible()
    assert_accessible(page)
    secret = page.get_by_label("Your token").input_value()
    assert secret.startswith("trellis_")

    auth = {"Authorization": f"Bearer {secret}"}
    base = f"{url}/api/v1/p/{cast.partnership.slug}"
    pulled = page.request.get(f"{base}/measures.csv", headers=auth)
    rows = list(csv.DictReader(io.StringIO(pulled.text().lstrip("\ufeff"))))
    assert pulled.status == 200 and [r["code"] for r in rows] == ["LAC-VISITS"]
    pushed = page.request.post(
        f"{base}/measures/{made.pk}/observations",
        headers=auth,
        data={"period_ends": "2018-12-31", "value": 11},
    )
    assert pushed.status == 201, pushed.text()
    assert Observation.objects.filter(measure=made).count() == 4

    page.goto(f"{url}/p/{cast.partnership.slug}/measures/{made.pk}/")
    expect(page.locator("#figures")).to_contain_text("11")
    assert_accessible(page)

    page.goto(f"{url}/api/v1/reference/")
    assert_accessible(page)
    page.goto(f"{url}/api/v1/tokens/")
    expect(page.locator("#token-table")).to_contain_text("Power BI measures")
    page.get_by_role("button", name="Revoke Power BI measures").click()
    expect(page.locator("#token-table")).to_contain_text("Revoked")
    assert_accessible(page)
    refused = page.request.get(f"{base}/measures", headers=auth)
    assert refused.status == 401
    assert TokenUse.objects.filter(token_name="Power BI measures").count() == 3
    assert ApiToken.objects.get().revoked_at is not None
