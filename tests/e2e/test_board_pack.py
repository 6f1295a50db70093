"""The board pack in a real browser, every page checked with axe-core: a plan owner goes
from the dashboard to the plan's reports, issues this quarter's pack (the page shows its
progress and stays usable while the worker builds it), and downloads it; the print-styled
web page of the pack is itself accessible."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.conftest import Cast
from tests.e2e.conftest import assert_accessible, sign_in
from tests.measures.factories import measure
from trellis.measures.models import Measure
from trellis.plans.models import Action, Plan
from trellis.reports.models import IssuedReport
from trellis.reports.services import report_complete

Q3 = 3


@pytest.fixture
def site(live_server: Any, transactional_db: None, cast: Cast) -> tuple[str, Cast]:
    Plan.objects.filter(pk=cast.plan.pk).update(status=Plan.Status.ACTIVE)
    actions = list(Action.objects.filter(driver__outcome__plan=cast.plan).order_by("position"))
    for action, rag in zip(actions, ["green", "amber", "red"], strict=True):
        factories.update(action, state="accepted", rag=rag, period_index=Q3)
    seen = measure(
        cast,
        title="Children seen within four weeks",
        values=[30, 31, 33, 2],
        denominators=[40, 41, 40, 3],
        first=cast.plan.periods.all()[0].ends,
        actions=[actions[0]],
    )
    Measure.objects.filter(pk=seen.pk).update(counts_children=True)
    return live_server.url, cast


def test_an_owner_issues_the_board_pack_and_downloads_it(
    page: Page, site: tuple[str, Cast]
) -> None:
    url, cast = site
    sign_in(page, url, cast.owner.email, factories.PASSWORD)
    page.get_by_role("link", name="Board packs and other reports for this plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    expect(page.get_by_text("No report has been issued for this plan yet.")).to_be_visible()
    assert_accessible(page)

    # Nothing chosen wrongly: the defaults are this quarter's board pack in Word.
    expect(page.get_by_label("Quarterly board pack")).to_be_checked()
    expect(page.get_by_label("Period")).to_have_value(str(cast.plan.periods.all()[Q3].pk))
    page.get_by_label("Web page").check()
    page.get_by_role("button", name="Issue the report").click()
    expect(page.get_by_text("The report is being built.")).to_be_visible()
    expect(page.locator("#issued-reports progress")).to_be_visible()
    assert_accessible(page)

    # The worker builds it; the page picks it up by itself (htmx), no reload.
    issued = IssuedReport.objects.get()
    report_complete(issued.pk)
    link = page.locator("#issued-reports").get_by_role("link", name="Download")
    expect(link).to_be_visible(timeout=10_000)
    with page.expect_download() as download:
        link.click()
    content = download.value.path().read_bytes()
    assert content == bytes(IssuedReport.objects.get().content)
    assert_accessible(page)

    # The pack as a web page, opened in the browser under the site's strict CSP (its one
    # style block allowed by hash): headings, contents, the chart's text alternative.
    page.locator("#issued-reports").get_by_role("link", name="Open in the browser").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Board pack: Q3 2020")
    expect(page.get_by_role("navigation", name="Contents")).to_be_visible()
    expect(page.get_by_role("img", name="Children seen within four weeks")).to_be_visible()
    expect(page.get_by_text("[c]").first).to_be_visible()
    assert_accessible(page)


def test_a_board_member_downloads_but_cannot_issue(page: Page, site: tuple[str, Cast]) -> None:
    url, cast = site
    issued = IssuedReport.objects.create(
        partnership=cast.partnership,
        plan=cast.plan,
        period=cast.plan.periods.all()[Q3],
        kind="board-pack",
        format="pdf",
        requested_by=cast.owner,
    )
    report_complete(issued.pk)
    sign_in(page, url, cast.board.email, factories.PASSWORD)
    page.goto(f"{url}/p/{cast.partnership.slug}/plans/{cast.plan.pk}/reports/")
    expect(page.get_by_role("button", name="Issue the report")).to_have_count(0)
    expect(page.locator("#issued-reports")).to_contain_text("Q3 2020")
    assert_accessible(page)
    with page.expect_download() as download:
        page.locator("#issued-reports").get_by_role("link", name="Download").click()
    assert download.value.path().read_bytes()[:5] == b"%PDF-"
