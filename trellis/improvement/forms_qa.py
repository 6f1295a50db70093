"""Forms for quality assurance. The grading form is built from the audit's questions:
one six-point choice and one comment per question."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trellis.accounts.models import Partnership
from trellis.forms import DateInput, GovukFormMixin, VersionedForm
from trellis.improvement.models import (
    Audit,
    AuditProgramme,
    AuditTemplate,
    LearningPoint,
    Question,
)
from trellis.plans.models import Action, Driver, Grade, Inspection, Plan, QualityIndicator
from trellis.plans.selectors import members_of


class TemplateForm(VersionedForm):
    class Meta:
        model = AuditTemplate
        fields = ["title", "inspection"]

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspection"].queryset = Inspection.objects.filter(partnership=partnership)  # type: ignore[attr-defined]


class QuestionForm(GovukFormMixin, forms.ModelForm):
    class Meta:
        model = Question
        fields = ["indicator", "text", "position"]

    def __init__(self, *args: Any, template: AuditTemplate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = QualityIndicator.objects.filter(  # type: ignore[attr-defined]
            inspection_id=template.inspection_id
        )


class ProgrammeForm(VersionedForm):
    class Meta:
        model = AuditProgramme
        fields = ["title", "code", "scope", "template"]
        widgets = {"scope": forms.RadioSelect}

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = AuditTemplate.objects.filter(partnership=partnership)  # type: ignore[attr-defined]
        self.fields["scope"].choices = AuditProgramme._meta.get_field("scope").choices  # type: ignore[attr-defined]


class AuditForm(VersionedForm):
    class Meta:
        model = Audit
        fields = [
            "starts",
            "due",
            "scope_from",
            "scope_to",
            "sample_size",
            "reviewers",
            "moderator",
        ]
        widgets = {
            "starts": DateInput,
            "due": DateInput,
            "scope_from": DateInput,
            "scope_to": DateInput,
            "reviewers": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "scope_from": _("Cases open at any time in this period are in the case list."),
            "reviewers": _("From several agencies; each grades every sampled case."),
        }

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = members_of(partnership)
        self.fields["reviewers"].queryset = people  # type: ignore[attr-defined]
        self.fields["moderator"].queryset = people  # type: ignore[attr-defined]


class DrawForm(GovukFormMixin, forms.Form):
    seed = forms.IntegerField(
        label=_("Seed"),
        required=False,
        min_value=0,
        help_text=_("Leave empty for a new random seed; give a recorded one to repeat a draw."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def grading_form(questions: list[Question], data: Any = None, initial: Any = None) -> forms.Form:
    """A form with grade_<id> and comment_<id> for each question."""
    fields: dict[str, forms.Field] = {}
    for q in questions:
        fields[f"grade_{q.pk}"] = forms.TypedChoiceField(
            label=f"{q.indicator.reference}: {q.text}",
            choices=Grade.choices,
            coerce=int,
            widget=forms.RadioSelect,
        )
        fields[f"comment_{q.pk}"] = forms.CharField(
            label=_("Comment on: %(q)s") % {"q": q.text},
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
        )
    form_class = type("GradingForm", (GovukFormMixin, forms.Form), fields)
    return form_class(data, initial=initial)


class ModerationForm(GovukFormMixin, forms.Form):
    grade = forms.TypedChoiceField(
        label=_("Moderated grade"), choices=Grade.choices, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("Why this grade"), widget=forms.Textarea(attrs={"rows": 3}))


class LearningForm(VersionedForm):
    class Meta:
        model = LearningPoint
        fields = ["kind", "indicator", "text"]
        widgets = {"kind": forms.RadioSelect, "text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, audit: Audit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = LearningPoint.Kind.choices  # type: ignore[attr-defined]
        self.fields["indicator"].queryset = QualityIndicator.objects.filter(  # type: ignore[attr-defined]
            inspection_id=audit.programme.template.inspection_id
        )


class LearningActionForm(GovukFormMixin, forms.ModelForm):
    """The new action: its driver (in an active or draft plan), aim and lead."""

    driver = forms.ModelChoiceField(queryset=Driver.objects.none(), label=_("Key driver"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Action
        fields = ["title", "lead", "due"]
        widgets = {"title": forms.Textarea(attrs={"rows": 3}), "due": DateInput}

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        driver = self.fields["driver"]
        driver.queryset = (  # type: ignore[attr-defined]
            Driver.objects.filter(partnership=partnership)
            .exclude(outcome__plan__status=Plan.Status.CLOSED)
            .select_related("outcome__plan")
        )
        driver.label_from_instance = lambda d: f"{d.outcome.plan.title}: {d.title}"  # type: ignore[attr-defined]
        self.fields["lead"].queryset = members_of(partnership)  # type: ignore[attr-defined]
        self.order_fields(["driver", "title", "lead", "due"])


class TrainingForm(GovukFormMixin, forms.Form):
    training_need = forms.CharField(
        label=_("Training needed"), widget=forms.Textarea(attrs={"rows": 3})
    )
    training_for = forms.CharField(label=_("Who needs it"), required=False, max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
