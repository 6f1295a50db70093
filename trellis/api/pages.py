"""The HTML pages of the API: a person's tokens (made, listed, revoked), the reference,
and the OpenAPI document itself.

The token page lives under /api/v1/tokens/ (the API's own app) and the account page links
to it. A new token's secret is shown in the response to the form that made it and nowhere
else: it is never stored, never put in the session, never redirected through."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trellis.accounts.models import Membership, Person
from trellis.api import openapi
from trellis.api.models import Scope, TokenUse
from trellis.api.registry import COLLECTIONS
from trellis.api.tokens import EXPIRY_DAYS, NAME_MAX, rate_limit, token_create, token_revoke
from trellis.errors import Invalid
from trellis.forms import GovukFormMixin, show_invalid

RECENT_USES = 20


class TokenForm(GovukFormMixin, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=NAME_MAX,
        help_text=gettext_lazy("What the token is for, for example Power BI measures."),
        error_messages={"required": gettext_lazy("Name the token.")},
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("What may the token do?"),
        choices=Scope.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose what the token may do.")},
    )
    days = forms.TypedChoiceField(
        label=gettext_lazy("When does it expire?"),
        choices=[(d, gettext_lazy("In %(n)d days") % {"n": d}) for d in EXPIRY_DAYS],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose when the token expires.")},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    person: Person = request.user  # type: ignore[assignment]
    form = TokenForm(request.POST or None)
    if request.method == "POST" and getattr(person, "sso_partnership", None):
        # A single sign-on session reaches one partnership; a token would reach them all.
        form.is_valid()
        form.add_error(
            None,
            _(
                "Sign in with your password to create a token: single sign-on covers one "
                "partnership, and a token reaches every partnership you belong to."
            ),
        )
    elif request.method == "POST" and form.is_valid():
        try:
            token, secret = token_create(person=person, **form.cleaned_data)
        except Invalid as exc:
            show_invalid(form, exc)
        else:
            return render(request, "api/token_created.html", {"token": token, "secret": secret})
    context: dict[str, Any] = {
        "form": form,
        "tokens": list(person.api_tokens.all()),
        "uses": list(TokenUse.objects.filter(token__person=person)[:RECENT_USES]),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "api/tokens.html", context, status=status)


@require_POST
@login_required
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = token_revoke(person=request.user, pk=pk)  # type: ignore[arg-type]
    messages.success(request, _("The token %(name)s is revoked.") % {"name": token.name})
    return redirect("api:tokens")


@require_GET
def openapi_json(request: HttpRequest) -> HttpResponse:
    """The document is public: it describes the API and holds no data."""
    return JsonResponse(openapi.document(), json_dumps_params={"indent": 1})


@require_GET
def reference(request: HttpRequest) -> HttpResponse:
    doc = openapi.document()
    operations = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            operations.append({"method": method.upper(), "path": path, **op})
    limit, window = rate_limit()
    memberships = (
        list(
            Membership.objects.filter(person=request.user, is_active=True)
            .select_related("partnership")
            .order_by("partnership__name")
        )
        if request.user.is_authenticated
        else []
    )
    return render(
        request,
        "api/reference.html",
        {
            "memberships": memberships,
            "operations": operations,
            "collections": list(COLLECTIONS.values()),
            "writes": openapi.WRITE_BODIES,
            "limit": limit,
            "window": window,
            "openapi_url": reverse("api:openapi"),
        },
    )
