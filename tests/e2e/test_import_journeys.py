"""Importing and exporting a plan in a real browser: a plan owner uploads a Word plan, fixes
two headings on the review page and imports it, then exports it. Every page is checked
with axe-core, error states included."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.conftest import Cast
from tests.e2e.conftest import assert_accessible, sign_in
from trellis.plans.models import Plan

HEADER = ["Outcome", "Workstream", "Action", "Success measure", "Lead officer", "Narrative"]
ROWS = [
    [
        "Children are safe",
        "One front door",
        "Single referral form by 31 October 2020",
        "75% of referrals on the form by 31 March 2021",
        "Duty Manager & Police Scotland",
        "June 2020: CSW – form drafted (Amber)",
    ],
    ["", "", "Same-day triage", "Triage within a day", "Duty Manager", "September 2020: live"],
]


def word_plan(path: Path) -> Path:
    import docx

    document = docx.Document()
    table = document.add_table(rows=1 + len(ROWS), cols=len(HEADER))
    for r, row in enumerate([HEADER, *ROWS]):
        for c, text in enumerate(row):
            table.rows[r].cells[c].text = text
    stream = io.BytesIO()
    document.save(stream)
    path.write_bytes(stream.getvalue())
    return path


@pytest.fixture
def site(live_server, transactional_db, cast: Cast) -> tuple[str, Cast]:  # type: ignore[no-untyped-def]
    return live_server.url, cast


def test_an_owner_imports_a_word_plan_fixing_two_headings(
    page: Page, site: tuple[str, Cast], tmp_path: Path
) -> None:
    url, cast = site
    slug = cast.partnership.slug
    sign_in(page, url, cast.owner.email, factories.PASSWORD)
    page.goto(f"{url}/p/{slug}/plans/")
    page.get_by_role("link", name="Import a plan").click()
    assert_accessible(page)

    page.get_by_role("button", name="Read the plan").click()  # nothing chosen
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the plan's file")
    assert_accessible(page)

    page.get_by_label("The plan as a file").set_input_files(str(word_plan(tmp_path / "p.docx")))
    page.get_by_role("button", name="Read the plan").click()
    expect(page.get_by_role("heading", name="Check the import")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Workstream").select_option("driver")
    page.get_by_label("Narrative").select_option("update")
    page.get_by_role("button", name="Update the preview").click()
    expect(page.locator("#preview ~ section")).to_contain_text("Key driver: One front door")
    expect(page.locator("#preview ~ section")).to_contain_text("form drafted")
    assert_accessible(page)

    page.get_by_label("Plan starts").fill("2020-07-01")  # too late for the June update
    page.get_by_label("Plan ends").fill("2021-03-31")
    page.get_by_role("button", name="Import this plan").click()
    expect(page.locator("#import-problems")).to_contain_text("outside the plan's dates")
    assert_accessible(page)
    assert not Plan.objects.filter(title="Front door plan").exists()

    page.get_by_label("Plan title").fill("Front door plan")
    page.get_by_label("Plan starts").fill("2020-04-01")
    page.get_by_role("button", name="Import this plan").click()
    expect(page.get_by_role("heading", name="Front door plan")).to_be_visible()
    assert_accessible(page)
    plan = Plan.objects.get(title="Front door plan")
    assert plan.outcomes.get().drivers.get().actions.count() == 2

    page.get_by_role("link", name="Export the plan").click()
    expect(page.locator("#export-formats")).to_contain_text("Excel workbook")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Word document (.docx)").click()
    assert download.value.suggested_filename == "Front door plan.docx"
