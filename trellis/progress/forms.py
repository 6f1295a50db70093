"""Forms of the progress cycle. They only lay fields out and check that something was
entered; every rule of the workflow is the services' (trellis.progress.services)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from trellis.forms import GovukFormMixin, VersionedForm
from trellis.progress.models import RAG_MEANINGS, ProgressUpdate, Rag


class RagRadios(forms.RadioSelect):
    """GOV.UK radios whose every option carries its plain-English meaning as a hint, so a
    status is never told by colour alone."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"class": "govuk-radios__input", **(attrs or {})})

    def create_option(
        self,
        name: str,
        value: Any,
        label: Any,
        selected: bool,
        index: int,
        subindex: int | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if index == 0 and attrs and attrs.get("id"):
            option["attrs"]["id"] = attrs["id"]  # the error summary links to the first radio
        option["meaning"] = RAG_MEANINGS.get(value, "")
        option["attrs"]["aria-describedby"] = f"{option['attrs']['id']}-item-hint"
        return option


class UpdateForm(VersionedForm):
    """An action's update for one period: its status and what happened."""

    class Meta:
        model = ProgressUpdate
        fields = ["rag", "narrative"]
        labels = {"rag": _("Status"), "narrative": _("Progress this period")}
        help_texts = {
            "narrative": _(
                "What was done, what changed, and what happens next. Leave a blank line "
                "between paragraphs."
            )
        }
        widgets = {"rag": RagRadios, "narrative": forms.Textarea(attrs={"rows": 10})}
        error_messages = {
            "rag": {"required": _("Choose a status.")},
            "narrative": {"required": _("Say what progress was made.")},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rag = cast(forms.ChoiceField, self.fields["rag"])
        rag.choices = list(Rag.choices)  # no blank option among the radios


class ReturnForm(GovukFormMixin, forms.Form):
    """A plan owner sends a submitted update back to its lead, saying why."""

    reason = forms.CharField(
        label=_("Why are you returning it?"),
        help_text=_("The lead sees this beside their update."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say why the update is returned.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def expected_version(self) -> int:
        return int(self.cleaned_data.get("version") or 0)
