"""Measures in a real browser: an analyst defines a measure, sets its trajectory, pastes
three years of figures and notes a process change; the board and the aim's page then say
what the data shows. Every page is checked with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.conftest import Cast
from tests.e2e.conftest import assert_accessible, sign_in
from trellis.measures.models import Annotation, Measure, Observation
from trellis.plans.models import Action

# Q4 2017 to Q3 2020: a shift upwards from Q4 2019.
FIGURES = [(6, 20), (6, 20), (5, 20), (7, 20), (6, 20), (6, 20), (7, 20), (6, 20)]
FIGURES += [(6, 17), (9, 22), (12, 25), (17, 31)]
QUARTERS = [f"Q{(i + 3) % 4 + 1} {2017 + (i + 3) // 4}" for i in range(12)]


@pytest.fixture
def site(live_server, transactional_db, cast: Cast) -> tuple[str, Cast]:  # type: ignore[no-untyped-def]
    return live_server.url, cast


def test_an_analyst_defines_a_measure_pastes_its_figures_and_the_board_shows_the_signal(
    page: Page, site: tuple[str, Cast]
) -> None:
    url, cast = site
    action = Action.objects.filter(partnership=cast.partnership, lead=cast.lead).order_by("pk")[0]
    sign_in(page, url, cast.analyst.email, factories.PASSWORD)
    assert_accessible(page)

    page.get_by_role("link", name="Measures", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="Add a measure").click()
    assert_accessible(page)
    page.get_by_label("Code").fill("LAC-IHA")
    page.get_by_label("Title").fill("Initial health assessments within 4 weeks")
    page.get_by_label("Percentage (numerator and denominator)").check()
    page.get_by_label("Higher is better").check()
    page.get_by_label("Outcome measure").check()
    page.get_by_label("Entered by hand").check()
    page.get_by_label("P chart (proportions, control limits)").check()
    page.get_by_label("Anhøj rules (runs analysis)").check()
    page.get_by_label("Baseline value").fill("31")
    page.get_by_label("Baseline date").fill("2019-09-30")
    page.get_by_label(action.title[:120]).check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Initial health assessments within 4 weeks"
    )
    assert_accessible(page)
    measure = Measure.objects.get(code="LAC-IHA")
    assert list(measure.actions.all()) == [action]

    page.get_by_role("link", name="Change targets").click()
    assert_accessible(page)
    page.get_by_label("Targets").fill("2020-09-30, 50\n2021-09-30, 75\n2022-09-30, 90")
    page.get_by_role("button", name="Save").click()
    assert_accessible(page)

    page.get_by_role("link", name="Paste figures").click()
    assert_accessible(page)
    pasted = "Quarter\tAssessed\tChildren\nQ1 2020\tseven\t20"
    page.get_by_label("Paste the figures").fill(pasted)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Line 2, column 2")
    assert_accessible(page)
    assert not Observation.objects.exists()

    lines = [f"{q}\t{n}\t{d}" for q, (n, d) in zip(QUARTERS, FIGURES, strict=True)]
    page.get_by_label("Paste the figures").fill("Quarter\tAssessed\tChildren\n" + "\n".join(lines))
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#summary")).to_contain_text("Rose from 30% to 55% over 12 quarters")
    expect(page.locator("#chart svg[role=img]")).to_be_visible()
    expect(page.locator("#verdicts")).to_contain_text("Improving")
    expect(page.locator("#verdicts")).to_contain_text("On track")
    assert_accessible(page)
    assert Observation.objects.filter(measure=measure).count() == 12

    page.get_by_role("link", name="Add a note to the chart").click()
    assert_accessible(page)
    page.get_by_label("Date", exact=True).fill("2020-01-06")
    page.get_by_label("Note", exact=True).fill("Same-day notification to the nurses")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#notes")).to_contain_text("Same-day notification to the nurses")
    assert_accessible(page)
    assert Annotation.objects.filter(measure=measure).count() == 1

    page.goto(f"{url}/p/{cast.partnership.slug}/plans/{cast.plan.pk}/measures/")
    row = page.locator(f"#measure-{measure.pk}")
    expect(row).to_contain_text("55%")
    expect(row).to_contain_text("Improving")
    assert_accessible(page)

    page.goto(f"{url}/p/{cast.partnership.slug}/actions/{action.pk}/")
    expect(page.locator("#measures")).to_have_text("What the measures say")
    expect(page.locator(f"#measure-{measure.pk}")).to_contain_text("On track")
    assert_accessible(page)
