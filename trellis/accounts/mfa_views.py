"""The pages of two-step sign-in: the code after the password, setting up an
authenticator (at sign-in, or later from the person's security page), recovery codes, and
an admin's reset.

Nobody is signed in until both steps pass: after the password the session holds only a
short-lived note of who is half-way (PENDING), which no other page accepts. So there is no
"password-only" session for a middleware to catch."""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from trellis.accounts import mfa, throttle
from trellis.accounts.middleware import SIGNED_IN_AT
from trellis.accounts.models import Membership, Person
from trellis.accounts.policy import Perm
from trellis.errors import Invalid, NotFound
from trellis.forms import GovukFormMixin, show_invalid
from trellis.security_log import security_event
from trellis.views import partnership_view

FORM_METHODS = ["GET", "POST"]
PENDING = "mfa_pending"  # {"person": id, "at": epoch seconds, "next": url}
PENDING_SECONDS = 5 * 60
# A secret being set up, sealed, until a code confirms it (a session key, not a secret).
NEW_SECRET = "mfa_new_secret"  # noqa: S105


# Finishing a sign-in


def safe_next(request: HttpRequest, next_url: str) -> str:
    safe = url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}, require_https=request.is_secure()
    )
    return next_url if safe and next_url else reverse("home")


def complete_sign_in(
    request: HttpRequest, person: Person, *, method: str = "password", partnership: Any = None
) -> None:
    """The last step of signing in: after the password, and the code where one is needed
    (`method` says which: password, mfa or sso; single sign-on names its `partnership`)."""
    login(request, person, backend="django.contrib.auth.backends.ModelBackend")
    request.session.pop(PENDING, None)
    request.session.pop(NEW_SECRET, None)
    request.session[SIGNED_IN_AT] = time.time()
    security_event(request, "login", "success", method=method, partnership=partnership)


def begin_second_step(request: HttpRequest, person: Person, next_url: str) -> HttpResponse:
    """The password was right and a code is needed: remember who, briefly, and ask."""
    request.session.cycle_key()
    request.session[PENDING] = {"person": person.pk, "at": time.time(), "next": next_url}
    request.session.pop(NEW_SECRET, None)
    step = "accounts:sign-in-code" if mfa.device_of(person) else "accounts:sign-in-set-up"
    return redirect(step)


def _pending_person(request: HttpRequest) -> Person | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    person_id = pending.get("person")
    if not isinstance(person_id, int):
        return None
    return Person.objects.filter(pk=person_id, is_active=True).first()


def _start_again(request: HttpRequest) -> HttpResponse:
    request.session.pop(PENDING, None)
    messages.error(request, _("Your sign-in timed out. Enter your e-mail address and password."))
    return redirect("accounts:sign-in")


# Forms


class CodeForm(GovukFormMixin, forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        help_text=gettext_lazy(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "autocapitalize": "off",
                "class": "govuk-input govuk-input--width-10",
            }
        ),
    )


class SetUpForm(GovukFormMixin, forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the app"),
        max_length=10,
        help_text=gettext_lazy("The 6 digits the app shows for Trellis."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "govuk-input govuk-input--width-5",
            }
        ),
    )


class PasswordForm(GovukFormMixin, forms.Form):
    """Changing how one signs in asks for the password again, so a borrowed session alone
    cannot replace someone's authenticator."""

    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        person: Person = self.request.user  # type: ignore[assignment]
        email, ip = person.email, throttle.client_ip(self.request)
        if throttle.is_throttled(email, ip):
            security_event(self.request, "password.check", "refused", reason="too_many_failures")
            raise forms.ValidationError(_("Too many wrong passwords. Wait 15 minutes."))
        if not person.check_password(password):
            throttle.record_failure(email, ip)
            security_event(self.request, "password.check", "failure", reason="wrong_password")
            raise forms.ValidationError(_("Enter your current password."))
        return password


class SetUpWithPasswordForm(PasswordForm, SetUpForm):
    pass


# Signing in: the second step


def _wait_message(seconds: int) -> str:
    if seconds >= 120:
        return _("Too many wrong codes. Wait %(n)d minutes, then try again.") % {
            "n": (seconds + 59) // 60
        }
    return _("Too many wrong codes. Wait %(n)d seconds, then try again.") % {"n": seconds}


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(FORM_METHODS)
def sign_in_code(request: HttpRequest) -> HttpResponse:
    person = _pending_person(request)
    if person is None or mfa.device_of(person) is None:
        return _start_again(request)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        result = mfa.check_code(person, form.cleaned_data["code"], throttle.client_ip(request))
        if result.accepted:
            next_url = request.session[PENDING].get("next", "")
            security_event(
                request,
                "mfa",
                "success",
                user=person,
                method="recovery_code" if result.recovery_used else "totp",
            )
            complete_sign_in(request, person, method="mfa")
            if result.recovery_used:
                left = mfa.recovery_codes_left(person)
                messages.warning(
                    request,
                    _(
                        "You used a recovery code; %(n)d left. Make new ones on your two-step "
                        "sign-in page."
                    )
                    % {"n": left},
                )
            return HttpResponseRedirect(safe_next(request, next_url))
        if result.wait_seconds:
            security_event(
                request, "mfa.lockout", "refused", reason="too_many_failures", user=person
            )
            form.add_error("code", _wait_message(result.wait_seconds))
            status = 429
        else:
            security_event(request, "mfa", "failure", reason="wrong_code", user=person)
            form.add_error("code", _("That code is not right, or has been used. Try again."))
    if form.is_bound and form.errors and status == 200:
        status = 400
    return render(request, "accounts/mfa_code.html", {"form": form}, status=status)


def _set_up_secret(request: HttpRequest, person: Person) -> str:
    """The secret being set up: the same one on every view of the page until confirmed."""
    sealed = request.session.get(NEW_SECRET)
    if sealed:
        try:
            return mfa.unseal(person.pk, sealed)
        except mfa.MfaKeyError:
            pass
    secret = mfa.new_secret()
    request.session[NEW_SECRET] = mfa.seal(person.pk, secret)
    return secret


def _set_up_page(
    request: HttpRequest, person: Person, form: forms.Form, *, at_sign_in: bool, status: int
) -> HttpResponse:
    secret = _set_up_secret(request, person)
    return render(
        request,
        "accounts/mfa_set_up.html",
        {
            "form": form,
            "at_sign_in": at_sign_in,
            "secret_groups": mfa.grouped(secret),
            "uri": mfa.provisioning_uri(person, secret),
            "replacing": mfa.device_of(person) is not None,
        },
        status=status,
    )


def _codes_page(request: HttpRequest, codes: list[str], *, first: bool) -> HttpResponse:
    return render(request, "accounts/mfa_recovery_codes.html", {"codes": codes, "first": first})


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(FORM_METHODS)
def sign_in_set_up(request: HttpRequest) -> HttpResponse:
    """First sign-in where a second step is required: set up the app, then be signed in."""
    person = _pending_person(request)
    if person is None or mfa.device_of(person) is not None:
        return _start_again(request)
    form = SetUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.enrol(person, _set_up_secret(request, person), form.cleaned_data["code"])
        except Invalid as exc:
            security_event(request, "mfa.enrol", "failure", reason="wrong_code", user=person)
            show_invalid(form, exc)
        else:
            security_event(request, "mfa.enrol", "success", user=person)
            complete_sign_in(request, person, method="mfa")
            return _codes_page(request, codes, first=True)
    status = 400 if form.is_bound and form.errors else 200
    return _set_up_page(request, person, form, at_sign_in=True, status=status)


# The person's own security page


@require_GET
@never_cache
@login_required
def security(request: HttpRequest) -> HttpResponse:
    person: Person = request.user  # type: ignore[assignment]
    device = mfa.device_of(person)
    return render(
        request,
        "accounts/mfa_security.html",
        {
            "device": device,
            "codes_left": mfa.recovery_codes_left(person) if device else 0,
            "required": mfa.mfa_required(person),
            "demo": mfa.is_demo_account(person),
        },
    )


@sensitive_post_parameters("password", "code")
@never_cache
@login_required
@require_http_methods(FORM_METHODS)
def security_set_up(request: HttpRequest) -> HttpResponse:
    person: Person = request.user  # type: ignore[assignment]
    form = SetUpWithPasswordForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.enrol(person, _set_up_secret(request, person), form.cleaned_data["code"])
        except Invalid as exc:
            show_invalid(form, exc)
        else:
            request.session.pop(NEW_SECRET, None)
            security_event(request, "mfa.enrol", "success")
            return _codes_page(request, codes, first=True)
    status = 400 if form.is_bound and form.errors else 200
    return _set_up_page(request, person, form, at_sign_in=False, status=status)


@sensitive_post_parameters("password")
@never_cache
@login_required
@require_http_methods(FORM_METHODS)
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working), shown on this response only."""
    person: Person = request.user  # type: ignore[assignment]
    if mfa.device_of(person) is None:
        return redirect("accounts:security")
    form = PasswordForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        return _codes_page(request, mfa.recovery_codes_renew(person), first=False)
    return render(
        request,
        "accounts/mfa_renew_codes.html",
        {"form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


# An admin's reset


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.MANAGE_PEOPLE)
def person_mfa_reset(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    target = (
        Membership.objects.select_related("person")
        .filter(partnership=membership.partnership, pk=pk)
        .first()
    )
    if target is None:
        raise NotFound()
    people_url = reverse("accounts:people", args=[membership.partnership.slug])
    if request.method == "POST":
        try:
            mfa.mfa_reset(membership=membership, target=target)
        except Invalid as exc:
            messages.error(request, exc.message)
        else:
            security_event(
                request,
                "mfa.reset",
                "success",
                target_user=target.person_id,
                target_membership=target.pk,
            )
            messages.success(
                request,
                _(
                    "Two-step sign-in reset for %(name)s. They set up a new app when they next "
                    "sign in."
                )
                % {"name": target.person},
            )
        return redirect(people_url)
    return render(
        request,
        "accounts/mfa_reset.html",
        {"target": target, "has_device": mfa.device_of(target.person) is not None},
    )
