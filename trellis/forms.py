"""GOV.UK Frontend styling for Django forms, and the hidden version every edit form carries."""

from __future__ import annotations

from typing import Any

from django import forms

from trellis.errors import Invalid

_CLASSES = {
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.CheckboxInput: "govuk-checkboxes__input",
    forms.CheckboxSelectMultiple: "govuk-checkboxes__input",
    forms.RadioSelect: "govuk-radios__input",
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            attrs={"class": "govuk-input govuk-input--width-10", **(attrs or {})}, format="%Y-%m-%d"
        )


class GovukFormMixin:
    """Adds GOV.UK classes to widgets, and error states with aria-describedby after
    validation, so templates only lay fields out."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            css = next((c for t, c in _CLASSES.items() if type(widget) is t), None)
            if css is None and isinstance(widget, forms.widgets.Input) and not widget.is_hidden:
                css = widget.attrs.get("class") or "govuk-input"
            if css:
                widget.attrs["class"] = css
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{name}-hint"

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name not in self.fields:
                continue
            widget = self.fields[name].widget
            described = [f"id_{name}-error"]
            if self.fields[name].help_text:
                described.insert(0, f"id_{name}-hint")
            widget.attrs["aria-describedby"] = " ".join(described)
            base = widget.attrs.get("class", "")
            for css in ("govuk-input", "govuk-select", "govuk-textarea"):
                if css in base.split():
                    widget.attrs["class"] = f"{base} {css}--error"


class VersionedForm(GovukFormMixin, forms.ModelForm):
    """An edit form that carries the version the person loaded (optimistic concurrency)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version

    def expected_version(self) -> int:
        return int(self.cleaned_data.get("version") or 0)

    def field_values(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The cleaned fields split into plain fields and many-to-many sets."""
        m2m_names = {f.name for f in self._meta.model._meta.many_to_many}
        names = [n for n in self._meta.fields or [] if n in self.cleaned_data]
        plain = {n: self.cleaned_data[n] for n in names if n not in m2m_names}
        m2m = {n: list(self.cleaned_data[n]) for n in names if n in m2m_names}
        return plain, m2m


def show_invalid(form: forms.BaseForm, exc: Invalid) -> None:
    """Put a service's Invalid on the form: each field's errors beside it, and the message
    at the top when the service named no field, so no refusal goes unexplained."""
    for field, messages in exc.errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
    if not exc.errors:
        form.add_error(None, exc.message)
