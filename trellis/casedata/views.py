"""The analyst's case-level data pages: upload an extract (every problem reported at once,
also as a CSV), and follow each snapshot from upload to computed measures."""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from trellis.accounts.limits import EXTRACT_UPLOAD, RECORD_DOWNLOAD, rate_take
from trellis.accounts.models import Membership
from trellis.accounts.policy import Perm
from trellis.casedata.models import Snapshot
from trellis.casedata.services import (
    ExtractInvalid,
    RowsPurged,
    extract_scan,
    records_for_figure,
    snapshot_create,
)
from trellis.csvsafe import csv_response
from trellis.errors import Invalid, NotFound
from trellis.forms import DateInput, GovukFormMixin, show_invalid
from trellis.http import RETRY_AFTER_SECONDS
from trellis.progress.filetypes import UploadRefused
from trellis.security_log import security_event
from trellis.uploads import clean_file_name
from trellis.views import partnership_view

if TYPE_CHECKING:
    from trellis.casedata.ssda903 import ConversionReport

REPORT_KEY = "casedata-report"  # the last refused upload's problems (no identifiers in them)
ACCEPTED = (".csv", ".xlsx", ".zip")


def extract_limit() -> str:
    """The browser's limit on an extract in whole megabytes, as people read it: "200 MB"."""
    return _("%(mb)d MB") % {"mb": settings.TRELLIS_EXTRACT_MAX_BYTES // (1024 * 1024)}


class UploadForm(GovukFormMixin, forms.Form):
    """The extract date comes before the file: fields after a stopped file are lost."""

    extract_date = forms.DateField(
        label=gettext_lazy("Extract date"),
        widget=DateInput(),
        help_text=gettext_lazy("The day the data was taken from the case system."),
    )
    covers_from = forms.DateField(
        label=gettext_lazy("Complete from"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy(
            "The first day the extract holds every child from. Measures are computed from "
            "that quarter on. Leave empty to start from its earliest event."
        ),
    )
    layout = forms.ChoiceField(
        label=gettext_lazy("Layout"),
        choices=[
            ("trellis", gettext_lazy("Trellis datasets (episodes.csv, attendance.csv …)")),
            ("ssda903", gettext_lazy("England's SSDA903 return (a zip of its CSV files)")),
        ],
        initial="trellis",
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the layout of the files.")},
    )
    file = forms.FileField(
        label=gettext_lazy("Extract"),
        error_messages={"required": gettext_lazy("Choose the extract to upload.")},
        widget=forms.FileInput(attrs={"class": "govuk-file-upload", "accept": ",".join(ACCEPTED)}),
    )

    stopped = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "One dataset (CSV or Excel, named after it, such as episodes.csv) or a zip of "
            "several, up to %(size)s."
        ) % {"size": extract_limit()}

    def clean_extract_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["extract_date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The extract date cannot be in the future."))
        return day

    def full_clean(self) -> None:
        super().full_clean()
        if self.stopped:  # the file was stopped on its way in, so it reads as missing
            self.errors["file"] = self.error_class(
                [
                    _("The file is over %(size)s: load it with trellis data load.")
                    % {"size": extract_limit()}
                ]
            )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ACCEPTED):
            raise forms.ValidationError(_("Choose a CSV, Excel (.xlsx) or zip file."))
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


def _page(
    request: HttpRequest,
    form: UploadForm,
    problems: Any = None,
    status: int = 200,
    conversion: Any = None,
) -> Any:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    snapshots = Snapshot.objects.filter(partnership_id=membership.partnership_id).select_related(
        "uploaded_by"
    )[:20]
    return render(
        request,
        "casedata/data_home.html",
        {"form": form, "problems": problems, "snapshots": snapshots, "conversion": conversion},
        status=status,
    )


@csrf_exempt  # the limit must be set before the body is read; csrf_protect below checks it
@require_http_methods(["GET", "POST"])
def data_home(request: HttpRequest, slug: str) -> HttpResponse:
    request.upload_max_bytes = settings.TRELLIS_EXTRACT_MAX_BYTES  # type: ignore[attr-defined]
    return _data_home(request, slug)


@csrf_protect
@partnership_view(Perm.LOAD_DATA)
def _data_home(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    if request.method != "POST":
        return _page(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    form.stopped = getattr(request, "stopped_upload", None) is not None
    if not form.is_valid():
        reason = _file_refusal(request, form)
        if reason is not None:
            _upload_event(request, "rejected", reason, request.FILES.get("file"))
        return _page(request, form, status=400)
    rate_take(
        person=membership.person, action=EXTRACT_UPLOAD, partnership_id=membership.partnership_id
    )
    upload = form.cleaned_data["file"]
    name = clean_file_name(upload.name)
    try:
        extract_scan(membership=membership, upload=upload, name=name)
    except UploadRefused as exc:
        show_invalid(form, exc)
        _upload_event(request, "rejected", exc.reason, upload)
        response = _page(request, form, status=exc.status)
        if exc.status == 503:
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    with tempfile.TemporaryDirectory(prefix="trellis-extract-") as folder:
        source = Path(folder) / name
        with source.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            with _as_datasets(source, form.cleaned_data["layout"]) as (datasets, conversion):
                snapshot = _store(request, form, datasets, name, conversion)
        except ExtractInvalid as exc:
            request.session[REPORT_KEY] = [p.to_json() for p in [*exc.problems, *exc.warnings]]
            _upload_event(request, "rejected", "invalid", upload, problems=len(exc.problems))
            return _page(request, form, problems=exc, status=400, conversion=exc.conversion)
        except Invalid as exc:
            show_invalid(form, exc)
            _upload_event(request, "rejected", exc.code, upload)
            return _page(request, form, status=400)
    _upload_event(request, "accepted", None, upload, snapshot=snapshot.pk)
    messages.success(request, _("Extract stored. The measures are being computed."))
    return redirect("casedata:snapshot", membership.partnership.slug, snapshot.pk)


def _file_refusal(request: HttpRequest, form: UploadForm) -> str | None:
    """Why the form refused the file itself (None: no file came, or another field)."""
    if form.stopped:
        return "too-large"
    upload = request.FILES.get("file")
    if upload is None or "file" not in form.errors:
        return None
    return "empty" if upload.size == 0 else "not-allowed"


def _upload_event(
    request: HttpRequest, outcome: str, reason: str | None, upload: Any, **fields: Any
) -> None:
    size = getattr(upload, "size", None)
    security_event(
        request,
        "upload",
        outcome,
        reason=reason,
        upload="extract",
        size=size if isinstance(size, int) else None,
        **fields,
    )


@contextlib.contextmanager
def _as_datasets(source: Path, layout: str) -> Iterator[tuple[Path, ConversionReport | None]]:
    """The upload as Trellis datasets: as given, or converted from SSDA903 (then the
    converted files, which hold raw identifiers, are removed on the way out)."""
    if layout != "ssda903":
        yield source, None
        return
    from trellis.casedata.ssda903.upload import converted  # Arrow: imported when needed

    with converted(source) as (datasets, conversion):
        yield datasets, conversion


def _store(
    request: HttpRequest,
    form: UploadForm,
    datasets: Path,
    name: str,
    conversion: ConversionReport | None,
) -> Snapshot:
    """snapshot_create; a refusal names the rows of the files the analyst uploaded."""
    try:
        return snapshot_create(
            membership=request.membership,  # type: ignore[attr-defined]
            source=datasets,
            source_name=name,
            extract_date=form.cleaned_data["extract_date"],
            covers_from=form.cleaned_data["covers_from"],
            conversion=conversion.summary() if conversion else None,
        )
    except ExtractInvalid as exc:
        if conversion is not None:
            from trellis.casedata.ssda903.upload import map_back

            exc.problems = map_back(exc.problems, conversion)
            exc.warnings = map_back(exc.warnings, conversion)
        exc.conversion = conversion.summary() if conversion else None
        raise


@require_GET
@partnership_view(Perm.LOAD_DATA)
def report_csv(request: HttpRequest) -> HttpResponse:
    report = request.session.get(REPORT_KEY) or []
    header = ["file", "row", "column", "rule", "message"]
    rows = [header, *([p.get(k) for k in header] for p in report)]
    return csv_response(rows, filename="extract-problems.csv")


@require_GET
@partnership_view(Perm.LOAD_DATA)
def snapshot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    snapshot = (
        Snapshot.objects.filter(partnership_id=membership.partnership_id, pk=pk)
        .select_related("uploaded_by")
        .first()
    )
    if snapshot is None:
        raise NotFound()
    template = (
        "casedata/_snapshot_status.html"
        if request.headers.get("HX-Request")
        else "casedata/snapshot_detail.html"
    )
    figures = snapshot.figures.values("measure").distinct().count()
    return render(
        request,
        template,
        {
            "snapshot": snapshot,
            "datasets": sorted(snapshot.manifest.get("datasets", {}).items()),
            "measure_count": figures,
            "status_url": reverse("casedata:snapshot", args=[membership.partnership.slug, pk]),
        },
    )


@require_GET
@partnership_view(Perm.LOAD_DATA)
def figure_records(request: HttpRequest, pk: int) -> HttpResponse:
    """The pseudonymised records behind one computed figure, for the analyst to check it
    (record-level data: analysts only, and every download is audited)."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    rate_take(
        person=membership.person, action=RECORD_DOWNLOAD, partnership_id=membership.partnership_id
    )
    try:
        found = records_for_figure(membership=membership, observation_pk=pk)
    except RowsPurged as purged:
        security_event(
            request,
            "casedata.download",
            "refused",
            reason="purged",
            observation=pk,
            snapshot=purged.snapshot.pk,
        )
        return render(
            request, "casedata/records_purged.html", {"snapshot": purged.snapshot}, status=410
        )
    if found is None:
        raise NotFound()
    name, table = found
    security_event(request, "casedata.download", "success", observation=pk, rows=table.num_rows)
    header = table.column_names
    rows = zip(*(table.column(c).to_pylist() for c in header), strict=True)
    return csv_response([header, *rows], filename=name)


P = "p/<slug:slug>/"

urlpatterns = [
    path(P + "data/", data_home, name="data-home"),
    path(P + "data/problems.csv", report_csv, name="report-csv"),
    path(P + "data/snapshots/<int:pk>/", snapshot_detail, name="snapshot"),
    path(P + "data/figures/<int:pk>/records.csv", figure_records, name="figure-records"),
]
