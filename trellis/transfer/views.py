"""The import pages (upload, review, discard) for plan owners, and the export page and
downloads for every member."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trellis.accounts.limits import PLAN_EXPORT, PLAN_IMPORT, rate_take
from trellis.accounts.models import Membership
from trellis.accounts.policy import Perm
from trellis.errors import Conflict, Invalid
from trellis.forms import show_invalid
from trellis.transfer import services
from trellis.transfer.cells import lead_kind
from trellis.transfer.exporting import export_document, export_tree
from trellis.transfer.forms import ReviewForm, UploadForm
from trellis.transfer.models import PendingImport
from trellis.transfer.phrases import RAG_LABELS
from trellis.transfer.saving import default_span
from trellis.transfer.writers import CONTENT_TYPES, write
from trellis.uploads import clean_file_name
from trellis.views import partnership_view

EXPORT_FORMATS = ("xlsx", "docx", "csv", "json")


def _member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


@require_http_methods(["GET", "POST"])
@partnership_view(Perm.EDIT_PLAN)
def import_start(request: HttpRequest) -> HttpResponse:
    membership = _member(request)
    if request.method != "POST":
        return _start_page(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    form.stopped = getattr(request, "stopped_upload", None) is not None
    if form.is_valid():
        upload = form.cleaned_data.get("file")
        if upload:  # pasted text is read as cheaply as any form
            rate_take(
                person=membership.person,
                action=PLAN_IMPORT,
                partnership_id=membership.partnership_id,
            )
        try:
            pending = services.pending_import_create(
                membership=membership,
                data=upload.read() if upload else None,
                name=clean_file_name(upload.name) if upload else _("Pasted text"),
                text=form.cleaned_data.get("text") or "",
            )
        except Invalid as exc:
            show_invalid(form, exc)
            return _start_page(request, form, status=exc.status)
        return redirect("transfer:review", membership.partnership.slug, pending.pk)
    return _start_page(request, form, status=400)


def _start_page(request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
    """The upload form, and the person's own imports still waiting for review."""
    membership = _member(request)
    waiting = PendingImport.objects.filter(
        partnership_id=membership.partnership_id,
        uploaded_by_id=membership.person_id,
        expires_at__gt=timezone.now(),
    ).only("pk", "source_name", "created_at")[:10]
    return render(
        request, "transfer/import_start.html", {"form": form, "waiting": waiting}, status=status
    )


@require_http_methods(["GET", "POST"])
@partnership_view(Perm.EDIT_PLAN)
def review(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member(request)
    pending = services.pending_import_get(membership, pk)
    header = pending.grid["header"]
    if request.method != "POST":
        return _review_page(request, pending, ReviewForm(initial=_initial(pending), header=header))
    form = ReviewForm(request.POST, header=header)
    problems: list[str] = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("do") == "import":
                plan = services.pending_import_save(
                    pending,
                    membership=membership,
                    expected_version=data["version"],
                    mapping=form.mapping(),
                    title=data["title"],
                    starts=data["starts"],
                    ends=data["ends"],
                )
                messages.success(
                    request, _("The plan was imported. It is a draft until you make it active.")
                )
                return redirect("plans:plan-detail", membership.partnership.slug, plan.pk)
            pending = services.pending_import_remap(
                pending,
                membership=membership,
                expected_version=data["version"],
                mapping=form.mapping(),
                title=data["title"],
            )
            return redirect("transfer:review", membership.partnership.slug, pending.pk)
        except Conflict:
            form.add_error(None, _("This import was changed in another window. Check it again."))
            pending.refresh_from_db()
        except Invalid as exc:
            problems = list(exc.errors.get("import", []))
            if not problems:
                show_invalid(form, exc)
            pending.refresh_from_db()
    return _review_page(request, pending, form, problems=problems, status=400)


def _initial(pending: PendingImport) -> dict[str, Any]:
    starts, ends = default_span(services.draft_of(pending), timezone.localdate())
    initial: dict[str, Any] = {"title": pending.title, "starts": starts, "ends": ends}
    initial["version"] = pending.version
    for index, field in enumerate(services.parsed_of(pending).mapping):
        initial[f"col_{index}"] = field or ""
    return initial


def _review_page(
    request: HttpRequest,
    pending: PendingImport,
    form: ReviewForm,
    *,
    problems: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    if form.is_bound and "version" in form.errors:
        form.errors.pop("version")
    draft = services.draft_of(pending)
    actions = draft.actions()
    for action in actions:  # what the preview shows beside each lead and update
        action.lead_rows = [(lead, lead_kind(lead)) for lead in action.leads]  # type: ignore[attr-defined]
        for update in action.updates:
            update.rag_label = RAG_LABELS.get(update.rag or "", "")  # type: ignore[attr-defined]
    return render(
        request,
        "transfer/review.html",
        {
            "pending": pending,
            "form": form,
            "problems": problems or [],
            "draft": draft,
            "counts": {
                "rows": len(pending.grid["rows"]),
                "outcomes": len(draft.outcomes),
                "drivers": sum(len(o.drivers) for o in draft.outcomes),
                "actions": len(actions),
            },
        },
        status=status,
    )


@require_POST
@partnership_view(Perm.EDIT_PLAN)
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member(request)
    pending = services.pending_import_get(membership, pk)
    services.pending_import_discard(pending, membership=membership)
    messages.success(request, _("The import was discarded; nothing was saved."))
    return redirect("transfer:import", membership.partnership.slug)


@require_GET
@partnership_view()
def export_page(request: HttpRequest, pk: int) -> HttpResponse:
    plan = export_tree(_member(request), pk)
    return render(request, "transfer/export.html", {"plan": plan, "formats": EXPORT_FORMATS})


@require_GET
@partnership_view()
def download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_FORMATS:
        raise Http404
    membership = _member(request)
    plan = export_tree(membership, pk)
    rate_take(
        person=membership.person, action=PLAN_EXPORT, partnership_id=membership.partnership_id
    )
    body = write(export_document(membership, plan), fmt)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    name = clean_file_name(f"{plan.title}.{fmt}")
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
