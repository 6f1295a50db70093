"""Progress that refreshes by itself: the case-level data snapshot page polls its status
with htmx while the worker computes, and the region turns to "Measures computed" without the page
being reloaded; without JavaScript a plain Refresh link does the same job. Every page is
checked with axe-core, and the page fixture fails on any CSP violation (htmx must not add
its inline indicator styles)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import factories
from tests.conftest import Cast
from tests.e2e.conftest import PageProblems, assert_accessible, sign_in
from trellis.casedata.models import Snapshot
from trellis.casedata.tasks import snapshot_compute

EPISODES = (
    "child_id,date_of_birth,sex,episode_start,episode_end,placement_type,placement_area\n"
    "RV0000001,2010-05-01,F,2019-01-10,,foster,in_area\n"
    "RV0000002,2012-07-14,M,2019-06-01,2020-08-01,home,in_area\n"
)


@pytest.fixture
def site(live_server, transactional_db, cast: Cast, settings, tmp_path: Path) -> tuple[str, Cast]:  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path / "data"
    return live_server.url, cast


def upload(page: Page, url: str, cast: Cast, tmp_path: Path, *, script: bool = True) -> Snapshot:
    extract = tmp_path / "extract" / "episodes.csv"
    extract.parent.mkdir()
    extract.write_text(EPISODES, encoding="utf-8")
    if script:
        sign_in(page, url, cast.analyst.email, factories.PASSWORD)
    else:  # axe runs as a script: without JavaScript, sign in without it
        page.goto(url + "/sign-in/")
        page.get_by_label("E-mail address").fill(cast.analyst.email)
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Data", exact=True).click()
    page.get_by_label("Extract date").fill("2020-12-31")
    page.get_by_label("Extract", exact=True).set_input_files(str(extract))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#datasets")).to_contain_text("episodes")
    return Snapshot.objects.get()


def test_the_snapshot_status_turns_to_computed_without_a_reload(
    page: Page, site: tuple[str, Cast], tmp_path: Path
) -> None:
    url, cast = site
    snapshot = upload(page, url, cast, tmp_path)
    status = page.locator("#snapshot-status")
    expect(status).to_contain_text("Computing")
    expect(status.locator("progress")).to_be_visible()
    expect(status.get_by_role("link", name="Refresh")).to_be_visible()
    assert_accessible(page)

    # A mark on this document: a reload or a navigation would lose it.
    page.evaluate("window.notReloaded = true")
    snapshot_compute.call(snapshot.pk)  # the worker's job, run here
    expect(status).to_contain_text("Measures computed", timeout=10_000)
    expect(status).to_contain_text("built-in measures computed")
    expect(status.locator("progress")).to_have_count(0)
    expect(status.get_by_role("link", name="Refresh")).to_have_count(0)
    assert page.evaluate("window.notReloaded === true")
    assert page.locator("#datasets").count() == 1  # the rest of the page is untouched
    # Once computed, the region stops asking.
    assert status.get_attribute("hx-get") is None
    assert_accessible(page)


def test_without_javascript_the_refresh_link_shows_the_new_status(
    browser: Browser, site: tuple[str, Cast], tmp_path: Path
) -> None:
    url, cast = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    problems = PageProblems(page)
    snapshot = upload(page, url, cast, tmp_path, script=False)
    status = page.locator("#snapshot-status")
    expect(status).to_contain_text("Computing")
    snapshot_compute.call(snapshot.pk)
    status.get_by_role("link", name="Refresh").click()
    expect(page.locator("#snapshot-status")).to_contain_text("Measures computed")
    expect(page.get_by_role("heading", level=1)).to_be_visible()  # the whole page, not a part
    context.close()
    assert not problems.messages, "\n".join(problems.messages)
