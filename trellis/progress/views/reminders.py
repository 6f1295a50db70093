"""The person's own settings: their name, job title and how often reminders come."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from trellis.accounts.models import Person
from trellis.errors import Invalid
from trellis.forms import GovukFormMixin, show_invalid
from trellis.progress.reminders import FREQUENCY_CHOICES, person_settings_save

FREQUENCY_HINTS = {
    "daily": gettext_lazy("Each morning when something is due within 7 days or is overdue."),
    "weekly": gettext_lazy(
        "On Mondays, what is due that week. Anything overdue is still sent the day it is."
    ),
    "off": gettext_lazy("No e-mail about what is coming up, only about what is overdue."),
}


class AccountSettingsForm(GovukFormMixin, forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    job_title = forms.CharField(label=gettext_lazy("Job title"), max_length=200, required=False)
    digest_frequency = forms.ChoiceField(
        label=gettext_lazy("How often do you want reminder e-mails?"),
        choices=FREQUENCY_CHOICES,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("Reminders cover the updates and milestones of actions you lead."),
        error_messages={"required": gettext_lazy("Choose how often you want reminder e-mails.")},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: HttpRequest) -> HttpResponse:
    person: Person = request.user  # type: ignore[assignment]
    initial = {f: getattr(person, f) for f in ("full_name", "job_title", "digest_frequency")}
    form = AccountSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            person_settings_save(person=person, **form.cleaned_data)
        except Invalid as exc:
            show_invalid(form, exc)
        else:
            messages.success(request, _("Your settings have been saved."))
            return redirect("progress:account-settings")
    context: dict[str, Any] = {
        "form": form,
        "frequencies": [
            (option, FREQUENCY_HINTS.get(option.data["value"], ""))
            for option in form["digest_frequency"]
        ],
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "progress/account_settings.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("account/", account_settings, name="account-settings"),
]
