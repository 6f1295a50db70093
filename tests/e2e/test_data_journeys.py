"""Case-level data in a real browser: an analyst uploads a broken extract and sees every
problem, then a good one and follows it to computed measures. Every page is checked with
axe-core."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.conftest import Cast
from tests.e2e.conftest import assert_accessible, sign_in
from trellis.casedata.models import Snapshot

EPISODES = (
    "child_id,date_of_birth,sex,episode_start,episode_end,placement_type,placement_area\n"
    "RV0000001,2010-05-01,F,2019-01-10,,foster,in_area\n"
    "RV0000002,2012-07-14,M,2019-06-01,2020-08-01,home,in_area\n"
)
BROKEN = EPISODES + "RV0000003,2010-05-01,Q,2020-03-01,2020-02-01,castle,in_area\n"


@pytest.fixture
def site(live_server, transactional_db, cast: Cast, settings, tmp_path: Path) -> tuple[str, Cast]:  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path / "data"
    return live_server.url, cast


def test_an_analyst_sees_every_problem_then_loads_a_good_extract(
    page: Page, site: tuple[str, Cast], tmp_path: Path
) -> None:
    url, cast = site
    broken, good = tmp_path / "broken" / "episodes.csv", tmp_path / "good" / "episodes.csv"
    for path, text in ((broken, BROKEN), (good, EPISODES)):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    sign_in(page, url, cast.analyst.email, factories.PASSWORD)

    page.get_by_role("link", name="Data", exact=True).click()
    assert_accessible(page)
    page.get_by_label("Extract date").fill("2020-12-31")
    page.get_by_label("Extract", exact=True).set_input_files(str(broken))
    page.get_by_role("button", name="Upload and check").click()

    table = page.locator("#problem-table")
    expect(table).to_contain_text("sex")
    expect(table).to_contain_text("placement_type")
    expect(table).to_contain_text("episode_end")
    expect(table).not_to_contain_text("RV0000003")
    assert_accessible(page)
    assert not Snapshot.objects.exists()

    page.get_by_label("Extract date").fill("2020-12-31")
    page.get_by_label("Extract", exact=True).set_input_files(str(good))
    page.get_by_role("button", name="Upload and check").click()

    expect(page.locator("#datasets")).to_contain_text("episodes")
    assert_accessible(page)
    snapshot = Snapshot.objects.get()
    assert snapshot.manifest["datasets"]["episodes"]["rows"] == 2
