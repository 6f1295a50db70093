"""Single sign-on pages: the start (a button on the sign-in page), the provider's return,
and the admin's settings page. The protocol is in trellis.accounts.sso."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from trellis.accounts import services, sso
from trellis.accounts.mfa_views import complete_sign_in, safe_next
from trellis.accounts.middleware import SSO_PARTNERSHIP
from trellis.accounts.models import Membership, SsoProvider
from trellis.accounts.policy import Perm
from trellis.errors import Invalid
from trellis.forms import GovukFormMixin, show_invalid
from trellis.security_log import security_event
from trellis.views import partnership_view

PENDING = "sso_pending"


def _redirect_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("accounts:sso-callback"))


def _refuse(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("accounts:sign-in")


@never_cache
@require_GET
def sso_start(request: HttpRequest, slug: str) -> HttpResponse:
    """A link, not a form: the page's CSP (form-action 'self') would stop a form's
    redirect to the provider. Starting a flow for someone is harmless: only their own
    sign-in at the provider can finish it, and the state ties it to their session."""
    provider = SsoProvider.objects.filter(partnership__slug=slug, is_enabled=True).first()
    if provider is None:
        return _refuse(request, _("Single sign-on is not set up for that partnership."))
    try:
        begun = sso.start(provider, _redirect_uri(request), request.GET.get("next", ""))
    except sso.SsoError as exc:
        security_event(
            request, "login", "failure", reason=exc.reason, method="sso", partnership=slug
        )
        return _refuse(request, exc.message)
    request.session[PENDING] = begun.pending
    return HttpResponseRedirect(begun.url)


def _pending_partnership(pending: dict[str, object]) -> str | None:
    """The slug of the partnership whose provider a refused flow was started with."""
    provider = pending.get("provider")
    if not isinstance(provider, int):
        return None
    return (
        SsoProvider.objects.filter(pk=provider).values_list("partnership__slug", flat=True).first()
    )


@never_cache
@require_GET
def sso_callback(request: HttpRequest) -> HttpResponse:
    pending = request.session.pop(PENDING, None)  # the state works once
    if not isinstance(pending, dict):
        security_event(request, "login", "failure", reason="not_started", method="sso")
        return _refuse(request, _("Your sign-in did not match or took too long. Try again."))
    try:
        person = sso.finish(pending, request.GET.dict(), _redirect_uri(request))
    except sso.SsoError as exc:
        security_event(
            request,
            "login",
            "failure",
            reason=exc.reason,
            method="sso",
            partnership=_pending_partnership(pending),
        )
        return _refuse(request, exc.message)
    provider = SsoProvider.objects.select_related("partnership").get(pk=pending["provider"])
    # The provider's own MFA stands for ours.
    complete_sign_in(request, person, method="sso", partnership=provider.partnership)
    request.session[SSO_PARTNERSHIP] = provider.partnership.slug
    request.session["partnership"] = provider.partnership.slug
    next_url = str(pending.get("next") or "")
    if not next_url:
        return redirect("plans:partnership-home", slug=provider.partnership.slug)
    return HttpResponseRedirect(safe_next(request, next_url))


class ProviderForm(GovukFormMixin, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name on the sign-in page"),
        max_length=80,
        help_text=gettext_lazy(
            'People see "Sign in with" followed by this, e.g. Riverside Council.'
        ),
    )
    issuer = forms.CharField(
        label=gettext_lazy("Issuer URL"),
        max_length=300,
        help_text=gettext_lazy(
            "Exactly as the provider's discovery document gives it. For Microsoft Entra ID: "
            "https://login.microsoftonline.com/<tenant ID>/v2.0"
        ),
    )
    client_id = forms.CharField(label=gettext_lazy("Client ID"), max_length=200)
    client_secret = forms.CharField(
        label=gettext_lazy("Client secret"),
        required=False,
        strip=False,
        max_length=500,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=gettext_lazy(
            "Stored encrypted and never shown again. Leave empty to keep the saved one."
        ),
    )
    allowed_domains = forms.CharField(
        label=gettext_lazy("Allowed e-mail domains"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Separated by spaces, e.g. riverside.gov.uk nhs.net"),
    )
    trust_email = forms.BooleanField(
        label=gettext_lazy(
            "The provider's e-mail addresses are verified (Microsoft Entra ID: tick this and "
            "list the domains)"
        ),
        required=False,
    )
    is_enabled = forms.BooleanField(
        label=gettext_lazy("Offer single sign-on on the sign-in page"), required=False
    )


@sensitive_post_parameters("client_secret")
@require_http_methods(["GET", "POST"])
@partnership_view(Perm.MANAGE_PEOPLE)
def sso_settings(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    provider = SsoProvider.objects.filter(partnership=membership.partnership).first()
    initial = (
        {
            "name": provider.name,
            "issuer": provider.issuer,
            "client_id": provider.client_id,
            "allowed_domains": provider.allowed_domains,
            "trust_email": provider.trust_email,
            "is_enabled": provider.is_enabled,
        }
        if provider
        else {"is_enabled": True}
    )
    form = ProviderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_save(membership=membership, **form.cleaned_data)
        except Invalid as exc:
            show_invalid(form, exc)
        else:
            messages.success(request, _("Single sign-on settings saved."))
            return redirect("accounts:sso-settings", slug=membership.partnership.slug)
    return render(
        request,
        "accounts/sso_settings.html",
        {
            "form": form,
            "provider": provider,
            "redirect_uri": _redirect_uri(request),
        },
        status=400 if form.is_bound and form.errors else 200,
    )
