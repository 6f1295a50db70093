"""Purged case-level rows in a real browser: the list of extracts, the snapshot page and
the records behind a figure say the rows are gone, and each page passes axe-core."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Page, expect

from tests import factories
from tests.casedata.test_load import EPISODES, load, write
from tests.conftest import Cast
from tests.e2e.conftest import assert_accessible, sign_in
from trellis.casedata.retention import retention_purge
from trellis.casedata.tasks import compute_into
from trellis.measures.models import Observation

LOADED = dt.datetime(2021, 1, 15, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def site(
    live_server, transactional_db, cast: Cast, settings: Any, tmp_path: Path
) -> tuple[str, Cast]:  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path / "data"
    settings.TRELLIS_CASE_ROWS_RETENTION_MONTHS = 24
    return live_server.url, cast


def test_purged_rows_are_announced_on_every_page_that_showed_them(
    page: Page, site: tuple[str, Cast], tmp_path: Path
) -> None:
    url, cast = site
    with time_machine.travel(LOADED, tick=False):
        snapshot = load(cast, write(tmp_path / "in", EPISODES))
        compute_into(snapshot)
    retention_purge()  # now is years after LOADED
    observation = Observation.objects.filter(snapshot=snapshot).order_by("pk").first()
    assert observation is not None
    slug = cast.partnership.slug

    sign_in(page, url, cast.analyst.email, factories.PASSWORD)
    page.goto(f"{url}/p/{slug}/data/")
    expect(page.locator("#snapshots")).to_contain_text("Rows purged")
    assert_accessible(page)
    page.goto(f"{url}/p/{slug}/data/snapshots/{snapshot.pk}/")
    expect(page.locator("#rows-purged")).to_contain_text("Its rows were purged on")
    expect(page.locator("#datasets")).to_contain_text("rows purged")
    assert_accessible(page)
    page.goto(f"{url}/p/{slug}/data/figures/{observation.pk}/records.csv")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "The records behind this figure were purged"
    )
    assert_accessible(page)
    page.get_by_role("link", name="See the manifest of extract").click()
    expect(page.locator("#rows-purged")).to_be_visible()
