"""Sign-in, sign-out, password reset, and people administration. The second step of
signing in is in mfa_views."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trellis.accounts import forms, mfa, services, throttle
from trellis.accounts.mfa_views import begin_second_step, complete_sign_in, safe_next
from trellis.accounts.models import Agency, Group, Membership, MfaDevice, Person, SsoProvider
from trellis.accounts.policy import Perm
from trellis.errors import Invalid, NotFound
from trellis.forms import show_invalid
from trellis.plans.selectors import get_scoped, members_of
from trellis.security_log import security_event
from trellis.views import form_page, partnership_view

FORM_METHODS = ["GET", "POST"]


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(FORM_METHODS)
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    form = forms.SignInForm(request.POST or None, request=request)
    throttled = False
    if request.method == "POST":
        email = request.POST.get("email", "").strip().lower()[:254]
        ip = throttle.client_ip(request)
        throttled = throttle.is_throttled(email, ip)
        if throttled:
            security_event(
                request,
                "login.lockout",
                "refused",
                reason="too_many_failures",
                user=_account_id(email),
            )
        elif form.is_valid() and form.person is not None:
            throttle.clear_failures(email, ip)
            if mfa.mfa_required(form.person):
                return begin_second_step(request, form.person, next_url)
            complete_sign_in(request, form.person)
            return HttpResponseRedirect(safe_next(request, next_url))
        else:
            throttle.record_failure(email, ip)
            security_event(
                request,
                "login",
                "failure",
                reason="bad_credentials",
                user=_account_id(email),
                method="password",
            )
    status = 429 if throttled else (400 if form.is_bound else 200)
    return render(
        request,
        "accounts/sign_in.html",
        {
            "form": form,
            "next": next_url,
            "throttled": throttled,
            "sso_providers": SsoProvider.objects.filter(is_enabled=True)
            .select_related("partnership")
            .order_by("partnership__name"),
        },
        status=status,
    )


def _account_id(email: str) -> int | None:
    """The id of the account an e-mail address names, for the security log (which never
    holds the address itself). Asked for unknown addresses too, so both take as long."""
    return Person.objects.filter(email=email).values_list("pk", flat=True).first()


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        security_event(request, "logout", "success")
    logout(request)
    messages.success(request, _("You have signed out."))
    return redirect("accounts:sign-in")


class ResetRequest(auth_views.PasswordResetView):
    template_name = "accounts/reset_request.html"
    email_template_name = "accounts/reset_email.txt"
    subject_template_name = "accounts/reset_subject.txt"
    form_class = forms.ResetRequestForm
    success_url = reverse_lazy("accounts:reset-sent")

    def form_valid(self, form: forms.ResetRequestForm) -> HttpResponse:
        # Whether the address has an account is not shown to the person; the log says.
        account = next(iter(form.get_users(form.cleaned_data["email"])), None)
        security_event(self.request, "password.reset_request", "success", user=account)
        return super().form_valid(form)


class ResetSent(auth_views.PasswordResetDoneView):
    template_name = "accounts/reset_sent.html"


class ResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "accounts/reset_confirm.html"
    form_class = forms.NewPasswordForm
    success_url = reverse_lazy("accounts:reset-done")

    def dispatch(self, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(*args, **kwargs)
        # A good link first redirects to itself (the token moves to the session).
        if not self.validlink and not isinstance(response, HttpResponseRedirect):
            security_event(self.request, "password.reset", "failure", reason="invalid_link")
        return response

    def form_valid(self, form: forms.NewPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        security_event(self.request, "password.reset", "success", user=self.user)
        return response

    def form_invalid(self, form: forms.NewPasswordForm) -> HttpResponse:
        security_event(
            self.request, "password.reset", "failure", reason="password_refused", user=self.user
        )
        return super().form_invalid(form)


class ResetDone(auth_views.PasswordResetCompleteView):
    template_name = "accounts/reset_done.html"


# People administration (admins)


def _people_url(request: HttpRequest, name: str = "accounts:people", *args: Any) -> str:
    return reverse(name, args=[request.membership.partnership.slug, *args])  # type: ignore[attr-defined]


def _agencies(request: HttpRequest) -> Any:
    return Agency.objects.filter(partnership=request.membership.partnership)  # type: ignore[attr-defined]


def _member(request: HttpRequest, pk: int) -> Membership:
    target = (
        Membership.objects.select_related("person", "agency")
        .filter(partnership=request.membership.partnership, pk=pk)  # type: ignore[attr-defined]
        .first()
    )
    if target is None:
        raise NotFound()
    return target


def _membership_event(request: HttpRequest, event: str, target: Membership) -> None:
    security_event(
        request,
        event,
        "success",
        target_user=target.person_id,
        target_membership=target.pk,
        roles=target.roles,
        active=target.is_active,
    )


@require_GET
@partnership_view(Perm.MANAGE_PEOPLE)
def people(request: HttpRequest) -> HttpResponse:
    members = (
        Membership.objects.filter(partnership=request.membership.partnership)  # type: ignore[attr-defined]
        .select_related("person", "agency")
        .annotate(has_mfa=Exists(MfaDevice.objects.filter(person=OuterRef("person"))))
        .order_by("-is_active", "person__full_name")
    )
    return render(request, "accounts/people.html", {"members": list(members)})


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.MANAGE_PEOPLE)
def person_invite(request: HttpRequest) -> HttpResponse:
    form = forms.InviteForm(request.POST or None, agencies=_agencies(request))
    if request.method == "POST" and form.is_valid():
        try:
            invited = services.person_invite(
                membership=request.membership,  # type: ignore[attr-defined]
                base_url=request.build_absolute_uri("/").rstrip("/"),
                **form.cleaned_data,
            )
        except Invalid as exc:
            show_invalid(form, exc)
        else:
            _membership_event(request, "membership.invite", invited)
            messages.success(request, _("Invitation sent."))
            return redirect(_people_url(request))
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "form.html",
        {"form": form, "title": _("Invite someone"), "back_url": _people_url(request)},
        status=status,
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.MANAGE_PEOPLE)
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = _member(request, pk)

    def save(form: forms.MembershipForm) -> Membership:
        changed = services.membership_update(
            membership=request.membership,  # type: ignore[attr-defined]
            target=target,
            expected_version=form.expected_version(),
            agency=form.cleaned_data["agency"],
            roles=form.cleaned_data["roles"],
            is_active=form.cleaned_data["is_active"],
        )
        _membership_event(request, "membership.change", changed)
        return changed

    return form_page(
        request,
        make_form=lambda data, instance: forms.MembershipForm(
            data, instance=instance, agencies=_agencies(request)
        ),
        instance=target,
        save=save,  # type: ignore[arg-type]
        title=_("Roles of %(name)s") % {"name": target.person},
        back_url=_people_url(request),
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.MANAGE_PEOPLE)
def person_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    target = _member(request, pk)
    if request.method == "POST":
        try:
            services.person_deactivate(membership=request.membership, target=target)  # type: ignore[attr-defined]
        except Invalid as exc:
            messages.error(request, exc.message)
        else:
            target.person.refresh_from_db(fields=["is_active"])
            security_event(
                request,
                "membership.deactivate",
                "success",
                target_user=target.person_id,
                target_membership=target.pk,
                account_closed=not target.person.is_active,
            )
            messages.success(
                request, _("%(name)s can no longer sign in here.") % {"name": target.person}
            )
        return redirect(_people_url(request))
    return render(request, "accounts/deactivate.html", {"target": target})


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.MANAGE_PEOPLE)
def person_end_sessions(request: HttpRequest, pk: int) -> HttpResponse:
    target = _member(request, pk)
    if request.method == "POST":
        try:
            services.person_end_sessions(membership=request.membership, target=target)  # type: ignore[attr-defined]
        except Invalid as exc:
            messages.error(request, exc.message)
        else:
            security_event(
                request,
                "session.revoke",
                "success",
                target_user=target.person_id,
                target_membership=target.pk,
            )
            messages.success(
                request, _("%(name)s has been signed out everywhere.") % {"name": target.person}
            )
        return redirect(_people_url(request))
    return render(request, "accounts/end_sessions.html", {"target": target})


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.MANAGE_PEOPLE)
def person_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    target = _member(request, pk)
    people = members_of(request.membership.partnership).exclude(pk=target.person_id)  # type: ignore[attr-defined]
    form = forms.HandOverForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.actions_hand_over(
                membership=request.membership,  # type: ignore[attr-defined]
                leaver=target.person,
                successor=form.cleaned_data["successor"],
            )
        except Invalid as exc:
            show_invalid(form, exc)
        else:
            messages.success(request, _("%(count)d actions handed over.") % {"count": count})
            return redirect(_people_url(request))
    return render(
        request,
        "form.html",
        {
            "form": form,
            "title": _("Hand over the actions of %(name)s") % {"name": target.person},
            "back_url": _people_url(request),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# Agencies and governance groups


@require_GET
@partnership_view(Perm.MANAGE_PEOPLE)
def directory(request: HttpRequest) -> HttpResponse:
    partnership = request.membership.partnership  # type: ignore[attr-defined]
    return render(
        request,
        "accounts/directory.html",
        {
            "agencies": list(Agency.objects.filter(partnership=partnership)),
            "groups": list(Group.objects.filter(partnership=partnership).select_related("chair")),
        },
    )


def _directory_form(request: HttpRequest, model: type) -> Any:
    if model is Agency:
        return lambda data, instance: forms.AgencyForm(data, instance=instance)
    people = members_of(request.membership.partnership)  # type: ignore[attr-defined]
    return lambda data, instance: forms.GroupForm(data, instance=instance, people=people)


def _directory_page(request: HttpRequest, model: type, obj: Any = None) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]

    def save(form: forms.VersionedForm) -> Any:
        fields, _m2m = form.field_values()
        if obj is None:
            return services.directory_create(model, membership=membership, fields=fields)
        return services.directory_update(
            obj, membership=membership, expected_version=form.expected_version(), fields=fields
        )

    noun = _("agency") if model is Agency else _("governance group")
    title = (_("Add an %s") if model is Agency else _("Add a %s")) % noun
    return form_page(
        request,
        make_form=_directory_form(request, model),
        instance=obj,
        save=save,
        title=title if obj is None else _("Edit %s") % obj,
        back_url=_people_url(request, "accounts:directory"),
    )


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.MANAGE_PEOPLE)
def agency_create(request: HttpRequest) -> HttpResponse:
    return _directory_page(request, Agency)


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.MANAGE_PEOPLE)
def agency_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _directory_page(request, Agency, get_scoped(Agency, request.membership.partnership, pk))  # type: ignore[attr-defined]


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.MANAGE_PEOPLE)
def group_create(request: HttpRequest) -> HttpResponse:
    return _directory_page(request, Group)


@require_http_methods(FORM_METHODS)
@partnership_view(Perm.MANAGE_PEOPLE)
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _directory_page(request, Group, get_scoped(Group, request.membership.partnership, pk))  # type: ignore[attr-defined]
