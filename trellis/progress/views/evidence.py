"""Pages for evidence: add a link or a file to an update, download a file, remove either.
Every rule is the service's (trellis.progress.evidence); the form only lays fields out."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from trellis.accounts.limits import EVIDENCE_UPLOAD, rate_take
from trellis.accounts.models import Group, Membership
from trellis.errors import Invalid, NotFound
from trellis.forms import GovukFormMixin, show_invalid
from trellis.progress.evidence import (
    evidence_add,
    evidence_file_read,
    evidence_remove,
    require_add_evidence,
    require_remove_evidence,
)
from trellis.progress.filetypes import REFUSALS, UploadRefused
from trellis.progress.models import Evidence, ProgressUpdate
from trellis.security_log import security_event
from trellis.uploads import StoppedUpload
from trellis.views import partnership_view

FORM_METHODS = ["GET", "POST"]


class EvidenceForm(GovukFormMixin, forms.Form):
    """The file comes last: fields after a file that is stopped for its size are lost."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    url = forms.CharField(
        label=gettext_lazy("Link"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("A web address starting https:// – or choose a file below."),
    )
    restricted_to = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Restrict to these groups"),
        queryset=Group.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Only members of the chosen groups, the action's lead and deputies, and plan "
            "owners will see it. Others see only that restricted evidence exists."
        ),
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        required=False,
        allow_empty_file=True,  # the service refuses it, with its own message
        widget=forms.FileInput(attrs={"class": "govuk-file-upload"}),
        help_text=gettext_lazy("A PDF, Word, Excel, CSV, PNG or JPEG file, up to 10 MB."),
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["restricted_to"])
        field.queryset = Group.objects.filter(partnership_id=membership.partnership_id)

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        if field == "file":
            self.fields["file"].widget.attrs["class"] = "govuk-file-upload govuk-file-upload--error"


def _update(membership: Membership, pk: int) -> ProgressUpdate:
    update = (
        ProgressUpdate.objects.select_related("period", "action")
        .filter(partnership_id=membership.partnership_id, pk=pk)
        .first()
    )
    if update is None:
        raise NotFound()
    return update


def _evidence(membership: Membership, pk: int) -> Evidence:
    evidence = (
        Evidence.objects.select_related("update__period", "update__action")
        .filter(partnership_id=membership.partnership_id, pk=pk)
        .first()
    )
    if evidence is None:
        raise NotFound()
    return evidence


def _back_url(membership: Membership, update: ProgressUpdate) -> str:
    return reverse("plans:action-detail", args=[membership.partnership.slug, update.action_id])


@require_http_methods(FORM_METHODS)
@partnership_view()
def evidence_add_page(request: HttpRequest, update_pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    update = _update(membership, update_pk)
    require_add_evidence(membership, update)
    status = 200
    form = EvidenceForm(membership=membership)
    if request.method == "POST":
        form = EvidenceForm(request.POST, request.FILES, membership=membership)
        stopped: StoppedUpload | None = getattr(request, "stopped_upload", None)
        if form.is_valid():
            data = form.cleaned_data
            sent = data["file"]  # the form drops it from cleaned_data on a refusal
            if data["file"] is not None:  # a link costs nothing to check; a file does
                rate_take(
                    person=membership.person,
                    action=EVIDENCE_UPLOAD,
                    partnership_id=membership.partnership_id,
                )
            try:
                evidence = evidence_add(
                    membership=membership,
                    update=update,
                    title=data["title"],
                    url=data["url"].strip(),
                    upload=data["file"] or stopped,
                    restricted_to=data["restricted_to"],
                )
            except Invalid as exc:
                status = exc.status
                show_invalid(form, exc)
                if isinstance(exc, UploadRefused):
                    _upload_event(request, "rejected", exc.reason, sent or stopped)
            else:
                if evidence.stored_name:
                    _upload_event(request, "accepted", None, sent)
                messages.success(request, _("Evidence added."))
                return redirect(_back_url(membership, update))
        elif stopped is not None:
            form.add_error("file", str(REFUSALS["too-large"]))
            _upload_event(request, "rejected", "too-large", stopped)
        status = max(status, 400)
    context = {"form": form, "update": update, "back_url": _back_url(membership, update)}
    return render(request, "progress/evidence_form.html", context, status=status)


def _upload_event(request: HttpRequest, outcome: str, reason: str | None, upload: Any) -> None:
    size = getattr(upload, "size", None)
    security_event(
        request,
        "upload",
        outcome,
        reason=reason,
        upload="evidence",
        size=size if isinstance(size, int) else None,
    )


@require_GET
@partnership_view()
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    evidence = _evidence(membership, pk)
    data = evidence_file_read(membership=membership, evidence=evidence)
    response = HttpResponse(data, content_type=evidence.content_type)
    response["Content-Disposition"] = content_disposition_header(True, evidence.file_name) or ""
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(FORM_METHODS)
@partnership_view()
def evidence_delete_page(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    evidence = _evidence(membership, pk)
    back_url = _back_url(membership, evidence.update)
    if request.method == "POST":
        evidence_remove(membership=membership, evidence=evidence)
        messages.success(request, _("Evidence removed."))
        return redirect(back_url)
    require_remove_evidence(membership, evidence)
    return render(
        request, "progress/evidence_delete.html", {"evidence": evidence, "back_url": back_url}
    )


P = "p/<slug:slug>/"

urlpatterns = [
    path(P + "updates/<int:update_pk>/evidence/new/", evidence_add_page, name="evidence-add"),
    path(P + "evidence/<int:pk>/download/", evidence_download, name="evidence-download"),
    path(P + "evidence/<int:pk>/delete/", evidence_delete_page, name="evidence-delete"),
]
