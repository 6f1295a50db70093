"""Shared view machinery: the partnership guard, the create/edit form flow, the status
pages and the public pages."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from trellis.accounts.models import Membership
from trellis.accounts.policy import Perm, membership_for, require
from trellis.api.framework import not_found_response
from trellis.errors import Conflict, Invalid
from trellis.forms import VersionedForm, show_invalid
from trellis.http import (
    current_request_id,
    database_unavailable_page,
    is_database_unavailable,
    storage_full_page,
)
from trellis.security_log import access_denied
from trellis.uploads import is_storage_full

logger = logging.getLogger("trellis.views")


class PartnershipRequest(HttpRequest):
    membership: Membership


View = Callable[..., HttpResponse]


def partnership_view(perm: Perm = Perm.VIEW) -> Callable[[View], View]:
    """Resolve the signed-in person's membership of the partnership in the URL (404 when
    they have none) and require `perm` of it (403)."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = membership_for(request.user, slug)
            require(membership, perm)
            request.membership = membership  # type: ignore[attr-defined]
            request.session["partnership"] = slug
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


FormFactory = Callable[[Any, Any], VersionedForm]


def form_page(
    request: HttpRequest,
    *,
    make_form: FormFactory,
    instance: Any = None,
    save: Callable[[VersionedForm], Any],
    title: str,
    back_url: str,
    success_url: Callable[[Any], str] | None = None,
    context: dict[str, Any] | None = None,
    template: str = "form.html",
) -> HttpResponse:
    """The create/edit flow every form page shares. `make_form(data, instance)` builds the
    form; `template` may extend form.html's layout with more to read.

    A stale version re-shows the person's own input with who changed the record and when;
    a rule broken in the service shows in the error summary; nothing is saved on error.
    """
    conflict: Conflict | None = None
    form = make_form(request.POST if request.method == "POST" else None, instance)
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form)
        except Conflict as exc:
            conflict = exc
            data = request.POST.copy()
            data["version"] = str(exc.current.version)  # saving again overwrites knowingly
            form = make_form(data, exc.current)
            form.is_valid()
        except Invalid as exc:
            show_invalid(form, exc)
        else:
            return HttpResponseRedirect(success_url(obj) if success_url else back_url)
    status = 409 if conflict else (400 if form.is_bound and form.errors else 200)
    return render(
        request,
        template,
        {
            "form": form,
            "title": title,
            "back_url": back_url,
            "conflict": conflict,
            **(context or {}),
        },
        status=status,
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """For the proxy and monitoring: 200 "ok" when a query reaches the database, else 503.
    It says nothing else (no versions, names or timings), to anyone, and reads no session."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            healthy = cursor.fetchone() == (1,)
    except DatabaseError:
        logger.warning("health check: the database did not answer", exc_info=True)
        healthy = False
    if not healthy:
        return HttpResponse("unavailable", content_type="text/plain", status=503)
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:sign-in")
    memberships = list(
        Membership.objects.filter(person=request.user, is_active=True)
        .select_related("partnership")
        .order_by("partnership__name")
    )
    sso_partnership = getattr(request.user, "sso_partnership", None)
    if sso_partnership:  # single sign-on reaches only that partnership
        memberships = [m for m in memberships if m.partnership.slug == sso_partnership]
    slugs = [m.partnership.slug for m in memberships]
    last = request.session.get("partnership")
    choosing = "choose" in request.GET
    if not choosing and (len(slugs) == 1 or last in slugs):
        return redirect("plans:partnership-home", slug=last if last in slugs else slugs[0])
    return render(request, "partnerships.html", {"memberships": memberships})


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "accessibility.html")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy.html")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_database_unavailable(exception):  # the session could not be saved: not their fault
        return database_unavailable_page(request)
    return render(request, "400.html", {"request_id": current_request_id()}, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    access_denied(request, "permission_denied")
    return render(request, "403.html", {"request_id": current_request_id()}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/v1/p/"):  # an API client gets JSON, never a page
        return not_found_response()
    return render(request, "404.html", {"request_id": current_request_id()}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while handling the exception, so it is still at hand: a database
    # that is away (say, while a middleware loads the session) gets the 503 page.
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable_page(request)
    if is_storage_full(sys.exc_info()[1]):
        return storage_full_page(request)
    # The log line carries the same id (trellis.http.RequestIdLogFilter).
    # Its type too: when this page itself fails to render, Django logs no traceback at all.
    logger.error("server error shown to the user (%s)", type(sys.exc_info()[1]).__name__)
    return render(request, "500.html", {"request_id": current_request_id()}, status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    access_denied(request, "csrf")
    return render(
        request,
        "400.html",
        {
            "request_id": current_request_id(),
            "message": _(
                "Your form expired or came from elsewhere. Go back, reload and try again."
            ),
        },
        status=403,
    )
