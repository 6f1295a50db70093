"""Each person's own settings page: name, job title and how often reminders come."""

from __future__ import annotations

from django.urls import reverse

from tests.conftest import Cast, signed_in
from trellis.accounts.models import Person
from trellis.audit.models import AuditEntry

URL = reverse("progress:account-settings")
VALID = {"full_name": "Morag Lead", "job_title": "Service manager", "digest_frequency": "weekly"}


def test_a_person_sees_their_settings_with_each_frequency_explained(cast: Cast) -> None:
    response = signed_in(cast.lead).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="daily" aria-describedby="id_digest_frequency_0-hint" checked' in page
    assert "On Mondays" in page and "only about what is overdue" in page


def test_a_person_saves_their_settings_and_the_change_is_audited(cast: Cast) -> None:
    response = signed_in(cast.lead).post(URL, VALID)
    assert response.status_code == 302 and response["Location"] == URL
    lead = Person.objects.get(pk=cast.lead.pk)
    assert (lead.full_name, lead.job_title, lead.digest_frequency) == (
        "Morag Lead",
        "Service manager",
        "weekly",
    )
    entry = AuditEntry.objects.get(verb="person.settings")
    assert entry.actor_id == cast.lead.pk and entry.object_id == str(cast.lead.pk)
    assert entry.changes["digest_frequency"] == ["daily", "weekly"]


def test_saving_unchanged_settings_writes_no_audit_entry(cast: Cast) -> None:
    client = signed_in(cast.lead)
    client.post(URL, VALID)
    client.post(URL, VALID)
    assert AuditEntry.objects.filter(verb="person.settings").count() == 1


def test_an_unknown_frequency_is_refused_with_an_error_summary(cast: Cast) -> None:
    response = signed_in(cast.lead).post(URL, {**VALID, "digest_frequency": "hourly"})
    assert response.status_code == 400
    assert response.context["form"].errors["digest_frequency"][0].startswith("Select a valid")
    assert b"govuk-error-summary" in response.content
    assert b'href="#id_digest_frequency_0"' in response.content
    assert Person.objects.get(pk=cast.lead.pk).digest_frequency == "daily"
    assert not AuditEntry.objects.filter(verb="person.settings").exists()


def test_a_blank_name_is_refused(cast: Cast) -> None:
    response = signed_in(cast.lead).post(URL, {**VALID, "full_name": "  "})
    assert response.status_code == 400
    assert "full_name" in response.context["form"].errors
    assert Person.objects.get(pk=cast.lead.pk).full_name == cast.lead.full_name


def test_anonymous_people_are_sent_to_sign_in(cast: Cast) -> None:
    response = signed_in(None).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))
    assert signed_in(None).post(URL, VALID).status_code == 302
    assert Person.objects.get(pk=cast.lead.pk).digest_frequency == "daily"


def test_a_person_changes_only_their_own_settings(cast: Cast) -> None:
    signed_in(cast.outsider).post(URL, {**VALID, "full_name": "Someone Else"})
    assert Person.objects.get(pk=cast.outsider.pk).full_name == "Someone Else"
    assert Person.objects.get(pk=cast.lead.pk).full_name == cast.lead.full_name


def test_every_page_offers_a_link_to_your_settings(cast: Cast) -> None:
    response = signed_in(cast.lead).get(reverse("plans:my-actions", args=[cast.partnership.slug]))
    assert f'href="{URL}"'.encode() in response.content
