"""The quarterly progress cycle in a real browser, every page checked with axe-core: a lead
reminded by e-mail writes an update that the plan owner returns and then accepts, and two
people saving the same update at once."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from tests import factories
from tests.conftest import Cast
from tests.e2e.conftest import assert_accessible, new_page, sign_in
from trellis.plans.models import Action, Plan
from trellis.progress.models import ProgressUpdate, ReportingPeriod
from trellis.progress.reminders import reminders_send

LONDON = ZoneInfo("Europe/London")
NARRATIVE = "Progress this period"


@pytest.fixture
def site(live_server: Any, transactional_db: None, cast: Cast) -> tuple[str, Cast]:
    return live_server.url, cast


def lead_action(cast: Cast) -> Action:
    return Action.objects.filter(partnership=cast.partnership, lead=cast.lead).order_by("pk")[0]


def first_period(cast: Cast) -> ReportingPeriod:
    return cast.plan.periods.order_by("starts")[0]


def write_url(cast: Cast, action: Action, period: ReportingPeriod) -> str:
    return reverse(
        "progress:update-write",
        kwargs={"slug": cast.partnership.slug, "action_pk": action.pk, "period_pk": period.pk},
    )


def detail_url(cast: Cast, update: ProgressUpdate) -> str:
    return reverse(
        "progress:update-detail", kwargs={"slug": cast.partnership.slug, "pk": update.pk}
    )


def sign_in_home(page: Page, url: str, cast: Cast, email: str) -> None:
    """Sign in (axe on the sign-in page) and check the home page it lands on too."""
    sign_in(page, url, email, factories.PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text(cast.partnership.name)
    assert_accessible(page)


def done_banner(page: Page, text: str) -> None:
    expect(page.get_by_role("alert")).to_contain_text(text)


def test_a_reminded_lead_writes_an_update_that_is_returned_resubmitted_and_accepted(
    browser: Browser, page: Page, site: tuple[str, Cast], settings: Any
) -> None:
    url, cast = site
    action, period = lead_action(cast), first_period(cast)
    Plan.objects.filter(pk=cast.plan.pk).update(status=Plan.Status.ACTIVE)
    settings.TRELLIS_BASE_URL = url  # links in e-mails point at this live server

    # Two days before the period's updates are due, the lead is sent a digest.
    mail.outbox.clear()
    reminders_send(now=dt.datetime.combine(period.due - dt.timedelta(days=2), dt.time(8), LONDON))
    [digest] = [m for m in mail.outbox if m.to == [cast.lead.email]]
    expected_link = url + write_url(cast, action, period)
    links = re.findall(r"https?://\S+", str(digest.body))
    assert expected_link in links, digest.body
    assert f"Progress update for {period.label}: {action.title}" in digest.body

    # Not yet signed in: the link goes by the sign-in page and back to the update form.
    lead = page
    lead.goto(expected_link)
    expect(lead).to_have_url(re.compile(r"/sign-in/\?next="))
    assert_accessible(lead)
    lead.get_by_label("E-mail address").fill(cast.lead.email)
    lead.get_by_label("Password").fill(factories.PASSWORD)
    lead.get_by_role("button", name="Sign in").click()
    expect(lead).to_have_url(expected_link)
    expect(lead.get_by_role("heading", level=1)).to_have_text(f"Update for {period.label}")
    assert_accessible(lead)

    lead.get_by_role("radio", name="Amber", exact=True).check()
    lead.get_by_label(NARRATIVE, exact=True).fill("Audit started. Two of five teams seen.")
    lead.get_by_role("button", name="Submit for sign-off").click()
    done_banner(lead, "Submitted for sign-off.")
    expect(lead.locator("#update-state")).to_contain_text("Submitted")
    expect(lead.locator("#update-rag")).to_contain_text("Amber")
    assert_accessible(lead)
    update = ProgressUpdate.objects.get(action=action, period=period)
    assert update.state == "submitted"

    # The plan owner, in a browser of their own, returns it saying why.
    owner, owner_problems = new_page(browser)
    sign_in_home(owner, url, cast, cast.owner.email)
    owner.goto(url + detail_url(cast, update))
    expect(owner.locator("#update-narrative")).to_contain_text("Two of five teams seen.")
    assert_accessible(owner)
    owner.get_by_role("button", name="Return", exact=True).click()  # no reason given: refused
    expect(owner.locator(".govuk-error-summary")).to_contain_text("Say why the update is returned.")
    expect(owner).to_have_title(re.compile(r"^Error:"))
    assert_accessible(owner)
    assert ProgressUpdate.objects.get(pk=update.pk).state == "submitted"
    reason = "Say which teams are left and when they will be seen."
    owner.get_by_label("Why are you returning it?").fill(reason)
    owner.get_by_role("button", name="Return", exact=True).click()
    done_banner(owner, "Update returned to its lead.")
    expect(owner.locator("#update-state")).to_contain_text("Returned")
    expect(owner.get_by_role("button", name="Accept")).to_have_count(0)
    assert_accessible(owner)

    # The lead finds it returned, reads why, revises and resubmits.
    lead.get_by_role("link", name="My actions").click()
    row = lead.get_by_role("row").filter(has=lead.get_by_role("link", name=action.title))
    expect(row).to_contain_text("Returned")
    assert_accessible(lead)
    row.get_by_role("link", name=action.title).click()
    expect(lead.locator("#action-title")).to_have_text(action.title)
    assert_accessible(lead)
    lead.get_by_role("link", name=f"View the update for {period.label}").click()
    expect(lead.locator("#return-reason")).to_contain_text(reason)
    assert_accessible(lead)
    lead.get_by_role("link", name="Revise the update").click()
    expect(lead).to_have_url(expected_link)
    expect(lead.locator("#return-reason")).to_contain_text(reason)
    expect(lead.get_by_role("radio", name="Amber", exact=True)).to_be_checked()
    narrative = lead.get_by_label(NARRATIVE, exact=True)
    expect(narrative).to_have_value("Audit started. Two of five teams seen.")
    assert_accessible(lead)
    narrative.fill("Audit started. Two of five teams seen; the other three by 30 January.")
    lead.get_by_role("button", name="Submit for sign-off").click()
    done_banner(lead, "Submitted for sign-off.")
    expect(lead.locator("#update-state")).to_contain_text("Submitted")
    expect(lead.locator("#update-narrative")).to_contain_text("the other three by 30 January")
    assert_accessible(lead)

    # The owner accepts it.
    owner.reload()
    expect(owner.locator("#update-narrative")).to_contain_text("the other three by 30 January")
    assert_accessible(owner)
    owner.get_by_role("button", name="Accept").click()
    done_banner(owner, "Update accepted.")
    expect(owner.locator("#update-state")).to_contain_text("Accepted")
    assert_accessible(owner)

    update.refresh_from_db()
    assert update.state == "accepted"
    assert update.narrative == (
        "Audit started. Two of five teams seen; the other three by 30 January."
    )
    assert update.rag == "amber"
    assert update.author == cast.lead
    assert update.reviewed_by == cast.owner
    assert update.return_reason == reason
    assert update.submitted_at is not None
    steps = [(r.version, r.state, r.by_id, r.note) for r in update.revisions.order_by("version")]
    assert steps == [
        (1, "draft", cast.lead.pk, ""),
        (2, "submitted", cast.lead.pk, ""),
        (3, "returned", cast.owner.pk, reason),
        (4, "draft", cast.lead.pk, ""),
        (5, "submitted", cast.lead.pk, ""),
        (6, "accepted", cast.owner.pk, ""),
    ]
    assert update.version == 6

    # The history shows every step, newest first, to both of them.
    for viewer in (owner, lead):
        if viewer is lead:
            lead.goto(url + detail_url(cast, update))
            assert_accessible(lead)
        viewer.get_by_role("link", name="See every change to this update").click()
        expect(viewer.get_by_role("heading", level=1)).to_have_text(
            f"History of the update for {period.label}"
        )
        expect(viewer.locator("li.app-revision h2")).to_have_text(
            [f"Version {n}" for n in range(6, 0, -1)]
        )
        states = viewer.locator("li.app-revision .govuk-summary-list__row").filter(has_text="State")
        expect(states).to_have_text(
            [
                re.compile(rf"State\s*{s}")
                for s in ("Accepted", "Submitted", "Draft", "Returned", "Submitted", "Draft")
            ]
        )
        expect(viewer.locator("#version-3")).to_contain_text(cast.owner.full_name)
        expect(viewer.locator("#version-3")).to_contain_text(reason)
        expect(viewer.locator("#version-4 ins")).to_contain_text("the other three by 30 January")
        expect(viewer.locator("#version-1")).to_contain_text(cast.lead.full_name)
        assert_accessible(viewer)

    owner.context.close()
    assert not owner_problems.messages, "\n".join(owner_problems.messages)


def test_two_people_saving_the_same_update_the_second_is_refused_and_keeps_their_text(
    browser: Browser, page: Page, site: tuple[str, Cast]
) -> None:
    url, cast = site
    action, period = lead_action(cast), first_period(cast)
    form_url = url + write_url(cast, action, period)
    lead = page
    owner, owner_problems = new_page(browser)

    sign_in_home(lead, url, cast, cast.lead.email)
    sign_in_home(owner, url, cast, cast.owner.email)
    for each in (lead, owner):
        each.goto(form_url)
        expect(each.get_by_role("heading", level=1)).to_have_text(f"Update for {period.label}")
        assert_accessible(each)

    lead.get_by_role("radio", name="Green", exact=True).check()
    lead.get_by_label(NARRATIVE, exact=True).fill("The lead's first save.")
    lead.get_by_role("button", name="Save draft").click()
    done_banner(lead, "Draft saved.")
    expect(lead.locator("#update-narrative")).to_contain_text("The lead's first save.")
    assert_accessible(lead)

    owner.get_by_role("radio", name="Red", exact=True).check()
    owner.get_by_label(NARRATIVE, exact=True).fill("The owner's careful, different text.")
    owner.get_by_role("button", name="Save draft").click()
    banner = owner.get_by_role("region", name="Important")
    expect(banner).to_have_class(re.compile(r"\bgovuk-notification-banner\b"))
    expect(owner.locator("#conflict-message")).to_contain_text(cast.lead.full_name)
    expect(owner.locator("#conflict-message")).to_contain_text("Your changes have not been saved.")
    expect(owner.get_by_label(NARRATIVE, exact=True)).to_have_value(
        "The owner's careful, different text."
    )
    expect(owner.get_by_role("radio", name="Red", exact=True)).to_be_checked()
    expect(owner.get_by_role("button", name="Save my version as a draft")).to_be_visible()
    assert_accessible(owner)

    [update] = ProgressUpdate.objects.filter(action=action, period=period)
    assert update.narrative == "The lead's first save."
    assert update.rag == "green"
    assert update.state == "draft"
    assert update.author == cast.lead
    assert update.version == 1
    assert list(update.revisions.values_list("version", "narrative")) == [
        (1, "The lead's first save.")
    ]

    owner.context.close()
    assert not owner_problems.messages, "\n".join(owner_problems.messages)
