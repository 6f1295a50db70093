"""Forms for measures. They lay fields out and read what was typed; the rules are the
services' (trellis.measures.services)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from trellis.core.series import parse_number
from trellis.forms import DateInput, GovukFormMixin, VersionedForm
from trellis.measures.models import Measure, Observation
from trellis.plans.models import Action


class MeasureForm(VersionedForm):
    class Meta:
        model = Measure
        fields = [
            "code",
            "title",
            "description",
            "kind",
            "rate_per",
            "unit",
            "decimals",
            "direction",
            "role",
            "source",
            "frequency",
            "chart",
            "rules",
            "counts_children",
            "baseline_value",
            "baseline_date",
            "actions",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "kind": forms.RadioSelect,
            "direction": forms.RadioSelect,
            "role": forms.RadioSelect,
            "source": forms.RadioSelect,
            "chart": forms.RadioSelect,
            "rules": forms.RadioSelect,
            "baseline_date": DateInput(),
            "actions": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, partnership_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actions = cast(forms.ModelMultipleChoiceField, self.fields["actions"])
        actions.queryset = Action.objects.filter(partnership_id=partnership_id).order_by(
            "driver__outcome__plan_id", "position", "id"
        )
        actions.label_from_instance = _short_title  # type: ignore[method-assign,assignment]
        for name in ("kind", "direction", "role", "source", "chart", "rules"):
            field = cast(forms.ChoiceField, self.fields[name])
            field.choices = [c for c in cast(list[tuple[str, str]], field.choices) if c[0]]


def _short_title(action: Action) -> str:
    return action.title[:120]


class ObservationForm(VersionedForm):
    """One period's figure. Percentages and rates take a numerator and a denominator; the
    other kinds a value."""

    period_ends = forms.DateField(
        label=_("Period"),
        widget=DateInput(),
        help_text=_("Any day in the period; it is stored as the period's last day."),
    )

    class Meta:
        model = Observation
        fields = ["period_ends", "numerator", "denominator", "value", "note", "provisional"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "provisional": _("The figure may still change, for example before validation.")
        }

    def __init__(self, *args: Any, measure: Measure, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if measure.kind in ("percentage", "rate"):
            del self.fields["value"]
        else:
            del self.fields["numerator"]
            del self.fields["denominator"]
        if self.instance.pk:
            self.fields["period_ends"].disabled = True


class PasteForm(GovukFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Paste the figures"),
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        error_messages={"required": _("Paste at least one line.")},
    )


class TargetsForm(GovukFormMixin, forms.Form):
    targets = forms.CharField(
        label=_("Targets"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_(
            "One per line: the date, then the value. For example 2021-09-30, 75. "
            "Leave empty to remove every target."
        ),
    )

    def parsed(self) -> list[tuple[dt.date, float]]:
        return cast(list[tuple[dt.date, float]], self.cleaned_data["targets"])

    def clean_targets(self) -> list[tuple[dt.date, float]]:
        found: list[tuple[dt.date, float]] = []
        errors = []
        for number, line in enumerate(self.cleaned_data["targets"].splitlines(), start=1):
            if not line.strip():
                continue
            cells = [c for c in line.replace("\t", ",").replace(";", ",").split(",") if c.strip()]
            try:
                if len(cells) != 2:
                    raise ValueError("write a date and a value")
                found.append((dt.date.fromisoformat(cells[0].strip()), parse_number(cells[1])))
            except ValueError as exc:
                errors.append(
                    _("Line %(line)s: %(problem)s (for example 2021-09-30, 75).")
                    % {"line": number, "problem": exc}
                )
        if errors:
            raise forms.ValidationError(errors)
        return found


class AnnotationForm(GovukFormMixin, forms.Form):
    when = forms.DateField(label=_("Date"), widget=DateInput())
    text = forms.CharField(label=_("Note"), max_length=200)
    process_change = forms.BooleanField(
        label=_("The process changed here: recalculate the centre line and limits from this date"),
        required=False,
    )


class ComparatorForm(GovukFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Name of the series"),
        max_length=100,
        help_text=_("For example Scotland, or Family group"),
    )
    text = forms.CharField(
        label=_("Figures"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_("Paste one period per line then its value, or choose a CSV file below."),
    )
    file = forms.FileField(
        label=_("CSV file"),
        required=False,
        widget=forms.FileInput(attrs={"class": "govuk-file-upload", "accept": ".csv,text/csv"}),
    )

    stopped_upload = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if self.stopped_upload:
            self.add_error("file", _("The file is too large: send the figures only, up to 2 MB."))
        elif upload:
            raw = upload.read(MAX_CSV_BYTES + 1)
            if len(raw) > MAX_CSV_BYTES:
                self.add_error("file", _("The file is over 2 MB: send the figures only."))
                return data
            data["figures"] = _decode(raw)
            if data["figures"] is None:
                self.add_error("file", _("The file is not text: save it as CSV (UTF-8)."))
        elif not (data.get("text") or "").strip():
            self.add_error("text", _("Paste the figures, or choose a CSV file."))
        else:
            data["figures"] = data["text"]
        return data


MAX_CSV_BYTES = 2_000_000


def _decode(raw: bytes) -> str | None:
    if b"\x00" in raw[:1000] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        if encoding == "utf-16" and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
