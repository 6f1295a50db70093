"""Forms of the progress cycle. They only lay fields out and check that something was
entered; every rule of the workflow is the services' (trellis.progress.services)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from trellis.forms import DateInput, GovukFormMixin, VersionedForm
from trellis.plans.models import Milestone
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
    """An action's update for one period: its status, what happened, who may read it, and
    the changes to the action's open milestones (a fieldset each, fields `m<pk>-...`)."""

    class Meta:
        model = ProgressUpdate
        fields = ["rag", "narrative", "restricted_to"]
        labels = {
            "rag": _("Status"),
            "narrative": _("Progress this period"),
            "restricted_to": _("Restrict to these groups"),
        }
        help_texts = {
            "narrative": _(
                "What was done, what changed, and what happens next. Leave a blank line "
                "between paragraphs."
            ),
            "restricted_to": _(
                "For example police operational detail. Only members of the chosen groups, the "
                "action's lead and deputies, and plan owners will read it; others see only that "
                "a restricted update exists."
            ),
        }
        widgets = {
            "rag": RagRadios,
            "narrative": forms.Textarea(attrs={"rows": 10}),
            "restricted_to": forms.CheckboxSelectMultiple,
        }
        error_messages = {
            "rag": {"required": _("Choose a status.")},
            "narrative": {"required": _("Say what progress was made.")},
        }

    def __init__(
        self, *args: Any, groups: Any = (), milestones: Sequence[Milestone] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        rag = cast(forms.ChoiceField, self.fields["rag"])
        rag.choices = list(Rag.choices)  # no blank option among the radios
        cast(forms.ModelMultipleChoiceField, self.fields["restricted_to"]).queryset = groups
        self.milestones = [m for m in milestones if not m.done]
        for m in self.milestones:
            self._add_milestone_fields(m)

    def _add_milestone_fields(self, milestone: Milestone) -> None:
        p = f"m{milestone.pk}-"
        self.fields[p + "done"] = forms.DateField(
            label=_("Date done"), required=False, widget=DateInput
        )
        self.fields[p + "revised_due"] = forms.DateField(
            label=_("Revised due date"),
            required=False,
            widget=DateInput,
            initial=milestone.revised_due,
        )
        self.fields[p + "revision_reason"] = forms.CharField(
            label=_("Why the date moved"),
            required=False,
            widget=forms.TextInput(attrs={"class": "govuk-input"}),
            initial=milestone.revision_reason,
        )
        self.fields[p + "version"] = forms.IntegerField(
            widget=forms.HiddenInput, required=False, initial=milestone.version
        )

    def milestone_fieldsets(self) -> list[tuple[Milestone, list[forms.BoundField]]]:
        """For the template: each open milestone with its bound fields, version last."""
        names = ("done", "revised_due", "revision_reason", "version")
        return [(m, [self[f"m{m.pk}-{n}"] for n in names]) for m in self.milestones]

    def milestone_changes(self) -> list[tuple[Milestone, dict[str, Any]]]:
        """Each open milestone with what the person entered for it (cleaned)."""
        data = self.cleaned_data
        return [
            (
                m,
                {
                    "done": data.get(f"m{m.pk}-done"),
                    "revised_due": data.get(f"m{m.pk}-revised_due"),
                    "reason": data.get(f"m{m.pk}-revision_reason") or "",
                    "expected_version": data.get(f"m{m.pk}-version") or m.version,
                },
            )
            for m in self.milestones
        ]


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
