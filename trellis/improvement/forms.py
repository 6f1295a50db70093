"""Forms for charters, the driver diagram, PDSA cycles and the progress score. Choices are
limited to the partnership's own people, agencies and measures; services check again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trellis.accounts.models import Agency, Partnership
from trellis.forms import DateInput, GovukFormMixin, VersionedForm
from trellis.improvement.models import SCORES, DriverNode, NodeKind, PdsaCycle, Project
from trellis.measures.models import Measure
from trellis.plans.selectors import members_of

CHARTER_FIELDS = [
    "aim",
    "why",
    "sponsor",
    "team_members",
    "team_agencies",
    "team_others",
    "outcome_measures",
    "process_measures",
    "balancing_measures",
]


class CharterForm(VersionedForm):
    class Meta:
        model = Project
        fields = CHARTER_FIELDS
        widgets = {
            "aim": forms.Textarea(attrs={"rows": 3}),
            "why": forms.Textarea(attrs={"rows": 4}),
            "team_others": forms.Textarea(attrs={"rows": 2}),
            "team_members": forms.CheckboxSelectMultiple,
            "team_agencies": forms.CheckboxSelectMultiple,
            "outcome_measures": forms.CheckboxSelectMultiple,
            "process_measures": forms.CheckboxSelectMultiple,
            "balancing_measures": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = members_of(partnership)
        measures = Measure.objects.filter(partnership=partnership).order_by("code")
        self.fields["sponsor"].queryset = people  # type: ignore[attr-defined]
        self.fields["team_members"].queryset = people  # type: ignore[attr-defined]
        self.fields["team_agencies"].queryset = Agency.objects.filter(partnership=partnership)  # type: ignore[attr-defined]
        for name in ("outcome_measures", "process_measures", "balancing_measures"):
            self.fields[name].queryset = measures  # type: ignore[attr-defined]


class ApprovalForm(VersionedForm):
    class Meta:
        model = Project
        fields = ["approved_by", "approved_on"]
        widgets = {"approved_on": DateInput}
        help_texts = {"approved_on": _("Leave empty to record that it is not approved.")}


class NodeForm(VersionedForm):
    class Meta:
        model = DriverNode
        fields = ["kind", "parent", "text", "position"]
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = DriverNode.objects.filter(project=project).exclude(kind=NodeKind.CHANGE)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        parent = self.fields["parent"]
        parent.queryset = parents  # type: ignore[attr-defined]
        parent.empty_label = str(_("The aim"))  # type: ignore[attr-defined]
        parent.label_from_instance = lambda n: f"{n.get_kind_display()}: {n.text}"  # type: ignore[attr-defined]
        self.fields["kind"].choices = NodeKind.choices  # type: ignore[attr-defined]


class CycleForm(VersionedForm):
    class Meta:
        model = PdsaCycle
        fields = [
            "change_idea",
            "title",
            "plan_what",
            "prediction",
            "plan_who",
            "plan_when",
            "do_on",
            "do_notes",
            "study_on",
            "study_notes",
            "act_on",
            "decision",
            "act_notes",
            "pin_measure",
            "pin_period",
        ]
        labels = {
            "pin_measure": _("Pin to a figure of this measure"),
            "pin_period": _("Pin to the period including"),
        }
        help_texts = {
            "pin_period": _("Any day of the period: the cycle shows on the chart at its point."),
        }
        widgets = {
            "plan_what": forms.Textarea(attrs={"rows": 3}),
            "prediction": forms.Textarea(attrs={"rows": 3}),
            "do_notes": forms.Textarea(attrs={"rows": 3}),
            "study_notes": forms.Textarea(attrs={"rows": 3}),
            "act_notes": forms.Textarea(attrs={"rows": 3}),
            "plan_when": DateInput,
            "do_on": DateInput,
            "study_on": DateInput,
            "act_on": DateInput,
            "pin_period": DateInput,
            "decision": forms.RadioSelect,
        }

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ideas = DriverNode.objects.filter(project=project, kind=NodeKind.CHANGE)
        self.fields["change_idea"].queryset = ideas  # type: ignore[attr-defined]
        pks = [
            m.pk
            for name in ("outcome_measures", "process_measures", "balancing_measures")
            for m in getattr(project, name).all()
        ]
        self.fields["pin_measure"].queryset = Measure.objects.filter(pk__in=pks)  # type: ignore[attr-defined]
        self.fields["decision"].choices = PdsaCycle._meta.get_field("decision").choices  # type: ignore[attr-defined]


class ScoreForm(GovukFormMixin, forms.Form):
    score = forms.TypedChoiceField(
        label=_("Progress score"),
        coerce=int,
        choices=[(k, v) for k, v in SCORES.items()],
        widget=forms.RadioSelect,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
