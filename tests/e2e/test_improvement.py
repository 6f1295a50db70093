"""Improvement projects and case-file audits in a real browser, with axe-core on every
page: a lead charters an aim, draws its driver diagram and pins a PDSA cycle to the
measure's chart; a round of audit is drawn, graded, moderated, closed and its learning
made an action."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import factories
from tests.conftest import Cast
from tests.e2e.conftest import assert_accessible, new_page, sign_in
from tests.improvement.helpers import iha_measure, lead_action
from tests.improvement.qa import planned_audit, registrations, snapshot
from trellis.improvement.models import Audit, LearningPoint, PdsaCycle, Project
from trellis.plans.models import Action


@pytest.fixture
def site(live_server, transactional_db, cast: Cast, settings, tmp_path) -> tuple[str, Cast]:  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    return live_server.url, cast


def test_a_lead_charters_an_aim_draws_its_diagram_and_pins_a_cycle_to_the_chart(
    page: Page, site: tuple[str, Cast]
) -> None:
    url, cast = site
    action = lead_action(cast)
    measure = iha_measure(cast, action)
    sign_in(page, url, cast.lead.email, factories.PASSWORD)
    page.goto(f"{url}/p/{cast.partnership.slug}/actions/{action.pk}/")
    page.get_by_role("link", name="Run this aim as an improvement project").click()
    assert_accessible(page)
    expect(page.get_by_label("Aim", exact=True)).to_have_value(action.title)
    page.get_by_label("Why it matters").fill("Health needs are found late.")
    outcome = page.get_by_role("group", name=re.compile("^Outcome measures"))
    outcome.get_by_label(str(measure)).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(action.title)
    assert_accessible(page)
    project = Project.objects.get(action=action)

    page.get_by_role("link", name="Add a driver or change idea").click()
    assert_accessible(page)
    page.get_by_label("Primary driver").check()
    page.get_by_label("Text").fill("Nurses hear the same day")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Add under it Nurses hear the same day").click()
    page.get_by_label("Change idea").check()
    page.get_by_label("Text").fill("Same-day e-mail")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#driver-diagram ~ figure svg[role=img]")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Plan a PDSA cycle").click()
    assert_accessible(page)
    page.get_by_label("Change idea", exact=True).select_option(label="Same-day e-mail")
    page.get_by_label("What is tested").fill("Same-day e-mail from one team")
    page.get_by_label("Plan: what will be done").fill("East team e-mails the nurses")
    page.get_by_label("Plan: what we predict will happen").fill("8 of 10 the same day")
    page.get_by_label("Plan: who").fill("East duty team")
    page.get_by_label("Plan: when").fill("2020-01-06")
    page.get_by_label("Pin to a figure of this measure").select_option(label=str(measure))
    page.get_by_label("Pin to the period including").fill("2020-02-01")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "PDSA 1: Same-day e-mail from one team"
    )
    assert_accessible(page)
    assert PdsaCycle.objects.get(project=project).annotation_id is not None

    page.get_by_role("link", name=str(measure)).click()
    expect(page.locator("#chart")).to_contain_text("PDSA 1: Same-day e-mail from one team")
    assert_accessible(page)

    page.goto(f"{url}/p/{cast.partnership.slug}/projects/{project.pk}/score/")
    assert_accessible(page)
    page.get_by_label(re.compile("^0.5")).check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#score-summary")).to_contain_text("last confirmed by")
    assert_accessible(page)


def test_an_audit_round_is_drawn_graded_moderated_closed_and_its_learning_made_an_action(
    page: Page, browser: Browser, site: tuple[str, Cast]
) -> None:
    url, cast = site
    slug = cast.partnership.slug
    snapshot(cast.partnership, cast.analyst, registrations(12))
    reviewer = factories.person(cast.partnership, "lead")
    moderator = factories.person(cast.partnership, "board")
    audit = planned_audit(cast, sample_size=1, people=[reviewer], moderator=moderator)
    sign_in(page, url, cast.owner.email, factories.PASSWORD)
    page.goto(f"{url}/p/{slug}/audits/")
    assert_accessible(page)
    page.get_by_role("link", name="CP case file", exact=True).first.click()
    assert_accessible(page)
    page.goto(f"{url}/p/{slug}/audits/{audit.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="Draw the sample").click()
    assert_accessible(page)
    page.get_by_label("Seed").fill("2020")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#draw")).to_contain_text("seed 2020")
    assert Audit.objects.get(pk=audit.pk).seed == 2020

    grader, grader_problems = new_page(browser)
    sign_in(grader, url, reviewer.email, factories.PASSWORD)
    grader.goto(f"{url}/p/{slug}/audits/{audit.pk}/")
    assert_accessible(grader)
    grader.get_by_role("link", name="Grade case 1").click()
    assert_accessible(grader)
    for group in grader.get_by_role("group").all():
        group.get_by_label("4 – Good").check()
    grader.get_by_role("button", name="Save").click()
    expect(grader.locator("#sample-table")).to_contain_text("3 of 3")

    moderating, moderator_problems = new_page(browser)
    sign_in(moderating, url, moderator.email, factories.PASSWORD)
    moderating.goto(f"{url}/p/{slug}/audits/{audit.pk}/")
    moderating.get_by_role("link", name="Moderate case 1").click()
    assert_accessible(moderating)
    moderating.get_by_role("link", name="Moderate Is the child's plan SMART?").click()
    assert_accessible(moderating)
    moderating.get_by_label("3 – Adequate").check()
    moderating.get_by_label("Why this grade").fill("The plan has no dates")
    moderating.get_by_role("button", name="Save").click()
    expect(moderating.locator("#moderation")).to_contain_text("The plan has no dates")

    page.reload()
    page.get_by_role("link", name="Close and publish the results").click()
    assert_accessible(page)
    page.get_by_role("button", name="Close and publish the results").click()
    expect(page.locator("#status")).to_have_text("Closed, results published")
    assert_accessible(page)
    page.get_by_role("link", name="Record a finding or learning point").click()
    assert_accessible(page)
    page.get_by_label("Learning point").check()
    page.get_by_label("What was found or learnt").fill("Plans lack dates")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name=re.compile("^Make it a new action")).click()
    assert_accessible(page)
    page.get_by_label("Key driver").select_option(index=1)
    page.get_by_label("Accountable lead").select_option(label=str(cast.lead))
    page.get_by_role("button", name="Save").click()
    action = Action.objects.get(title="Plans lack dates")
    assert LearningPoint.objects.get().action == action
    page.goto(f"{url}/p/{slug}/actions/{action.pk}/")
    expect(page.locator("#arose-from")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{url}/p/{slug}/audits/indicators/")
    expect(page.get_by_text("1 of 2 (50%)")).to_have_count(1)
    assert_accessible(page)
    for problems in (grader_problems, moderator_problems):
        assert not problems.messages, problems.messages


def test_the_other_improvement_pages_pass_axe(page: Page, site: tuple[str, Cast]) -> None:
    url, cast = site
    slug = cast.partnership.slug
    action = lead_action(cast)
    project = Project.objects.create(partnership=cast.partnership, action=action, aim="50%")
    node = project.nodes.create(partnership=cast.partnership, kind="primary", text="Referral")
    audit = planned_audit(cast)
    question = audit.template_version.questions.all()[0]
    point = LearningPoint.objects.create(
        partnership=cast.partnership, audit=audit, kind="finding", text="Chronologies missing"
    )
    sign_in(page, url, cast.owner.email, factories.PASSWORD)
    for path in (
        "improvement/",
        f"outcomes/{action.driver.outcome_id}/diagram/",
        f"projects/{project.pk}/approve/",
        f"projects/{project.pk}/edit/",
        f"diagram/{node.pk}/remove/",
        "audits/templates/new/",
        f"audits/templates/{audit.programme.template_id}/questions/new/",
        f"audits/questions/{question.pk}/edit/",
        f"audits/questions/{question.pk}/remove/",
        "audits/programmes/new/",
        f"audits/programmes/{audit.programme_id}/rounds/new/",
        f"audits/{audit.pk}/edit/",
        f"audits/learning/{point.pk}/training/",
    ):
        page.goto(f"{url}/p/{slug}/{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page)
    page.goto(f"{url}/p/{slug}/projects/{project.pk}/approve/")
    page.get_by_label("Approved on").fill("2019-12-17")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say who approved the charter")
    assert_accessible(page)
