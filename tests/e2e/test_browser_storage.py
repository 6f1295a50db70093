"""Nothing of a child is kept in the browser (SECURITY-BAR row 31): an analyst reads the
dashboard, a computed measure, the data pages and a snapshot, and after each page the
browser's localStorage is empty, sessionStorage holds nothing but htmx's note of the page's
own address (htmx 2 writes it on every page that loads it; its history cache of whole
pages is switched off), and the address holds no identifier."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.casedata.test_identifier_canaries import CANARIES, EPISODES
from tests.conftest import Cast
from tests.e2e.conftest import assert_accessible, sign_in
from trellis.accounts.models import Membership
from trellis.casedata.models import Snapshot
from trellis.casedata.services import snapshot_create
from trellis.casedata.tasks import compute_into
from trellis.measures.models import Observation


@pytest.fixture
def site(
    live_server: Any, transactional_db: None, cast: Cast, settings: Any, tmp_path: Path
) -> tuple[str, Cast, Snapshot]:
    """The cast's partnership with an extract of canary children loaded and computed."""
    settings.DATA_DIR = tmp_path / "data"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "episodes.csv").write_text(EPISODES, encoding="utf-8")
    snapshot = snapshot_create(
        membership=Membership.objects.get(person=cast.analyst, partnership=cast.partnership),
        source=folder,
        source_name="episodes.csv",
        extract_date=dt.date(2020, 12, 31),
    )
    compute_into(snapshot)
    return live_server.url, cast, snapshot


HTMX_PATH = "htmx-current-path-for-history"


def stored(page: Page) -> dict[str, Any]:
    return page.evaluate("() => ({local: {...localStorage}, session: {...sessionStorage}})")


def path_of(page: Page) -> str:
    return page.evaluate("() => location.pathname + location.search")


def test_an_analysts_pages_leave_nothing_in_browser_storage(
    page: Page, site: tuple[str, Cast, Snapshot]
) -> None:
    url, cast, snapshot = site
    slug = cast.partnership.slug
    figure = (
        Observation.objects.filter(measure__source="computed", value__gt=0).order_by("pk").first()
    )
    assert figure is not None
    sign_in(page, url, cast.analyst.email, factories.PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text(cast.partnership.name)
    visits = [
        page.url,
        f"{url}/p/{slug}/measures/",
        f"{url}/p/{slug}/measures/{figure.measure_id}/",
        f"{url}/p/{slug}/data/",
        f"{url}/p/{slug}/data/snapshots/{snapshot.pk}/",
    ]

    for address in visits:
        page.goto(address)
        assert_accessible(page)
        page.wait_for_load_state("networkidle")
        kept = stored(page)
        assert kept["local"] == {}, page.url
        assert kept["session"] in ({}, {HTMX_PATH: path_of(page)}), page.url
        assert not [c for c in CANARIES if c.lower() in page.url.lower()]
    # The last page refreshes itself with htmx: its copies of pages are off.
    assert page.evaluate("() => [htmx.config.historyEnabled, htmx.config.historyCacheSize]") == [
        False,
        0,
    ]
