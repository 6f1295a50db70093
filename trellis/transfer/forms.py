"""The import pages' forms: the upload (a file, or text pasted from a PDF) and the review
(the plan's title and dates, and a field for each column heading)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trellis.forms import DateInput, GovukFormMixin
from trellis.transfer.headings import FIELDS
from trellis.transfer.readers import MAX_BYTES

ACCEPTED = (".docx", ".xlsx", ".csv", ".pdf", ".txt", ".json")


class UploadForm(GovukFormMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("The plan as a file"),
        required=False,
        widget=forms.FileInput(attrs={"class": "govuk-file-upload", "accept": ",".join(ACCEPTED)}),
        help_text=gettext_lazy(
            "A Word table (.docx), a spreadsheet (.xlsx or .csv), a PDF with text in it, or a "
            "Trellis export (.json), up to 10 MB."
        ),
    )
    text = forms.CharField(
        label=gettext_lazy("Or paste the plan's text"),
        required=False,
        max_length=500_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "Copied from a PDF or a document: columns separated by tabs or lined up with "
            "spaces, or headed lines such as 'Outcome:' and 'Action:'. Keep the headings."
        ),
    )

    stopped = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload, text = data.get("file"), (data.get("text") or "").strip()
        if self.stopped:
            self.add_error("file", _("The file is over 10 MB, which is far more than a plan."))
        elif upload and text:
            self.add_error("text", _("Choose a file or paste text, not both."))
        elif not upload and not text:
            self.add_error("file", _("Choose the plan's file, or paste its text."))
        elif upload and not upload.name.lower().endswith(ACCEPTED):
            self.add_error("file", _("Choose a .docx, .xlsx, .csv, .pdf, .txt or .json file."))
        elif upload and upload.size > MAX_BYTES:
            self.add_error("file", _("The file is over 10 MB, which is far more than a plan."))
        return data


MAP_CHOICES = [("", gettext_lazy("Leave this column out")), *FIELDS.items()]


class ReviewForm(GovukFormMixin, forms.Form):
    """`col_<i>` for each column of the grid, labelled with its heading."""

    title = forms.CharField(label=gettext_lazy("Plan title"), max_length=300)
    starts = forms.DateField(label=gettext_lazy("Plan starts"), widget=DateInput())
    ends = forms.DateField(label=gettext_lazy("Plan ends"), widget=DateInput())
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, header: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index, heading in enumerate(header):
            label = heading or _("Column %(n)d (no heading)") % {"n": index + 1}
            field = forms.ChoiceField(label=label, choices=MAP_CHOICES, required=False)
            field.widget.attrs["class"] = "govuk-select"
            self.fields[f"col_{index}"] = field
        self.columns = [self[f"col_{i}"] for i in range(len(header))]
        self.plan_fields = [self["title"], self["starts"], self["ends"]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts"), data.get("ends")
        if starts and ends and ends < starts:
            self.add_error("ends", _("The plan must end after it starts."))
        return data

    def mapping(self) -> list[str | None]:
        return [self.cleaned_data.get(f"col_{i}") or None for i in range(len(self.columns))]
