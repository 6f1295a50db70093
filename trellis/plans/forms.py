from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from trellis.accounts.models import Person
from trellis.forms import DateInput, VersionedForm
from trellis.plans.models import (
    Action,
    Driver,
    Finding,
    Inspection,
    Milestone,
    Outcome,
    Plan,
    QualityIndicator,
)


class InspectionForm(VersionedForm):
    class Meta:
        model = Inspection
        fields = ["regulator", "title", "fieldwork_start", "fieldwork_end", "published"]
        widgets = {
            "fieldwork_start": DateInput(),
            "fieldwork_end": DateInput(),
            "published": DateInput(),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("fieldwork_start"), data.get("fieldwork_end")
        if start and end and end < start:
            self.add_error("fieldwork_end", _("Fieldwork must end on or after the day it started."))
        return data


class QualityIndicatorForm(VersionedForm):
    class Meta:
        model = QualityIndicator
        fields = ["reference", "title", "grade"]


class FindingForm(VersionedForm):
    class Meta:
        model = Finding
        fields = ["kind", "text", "position"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class PlanForm(VersionedForm):
    class Meta:
        model = Plan
        fields = ["title", "theme", "inspection", "starts", "ends", "status"]
        widgets = {"starts": DateInput(), "ends": DateInput()}

    def __init__(self, *args: Any, inspections: QuerySet[Inspection], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspection"].queryset = inspections  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts"), data.get("ends")
        if starts and ends and ends < starts:
            self.add_error("ends", _("The plan must end on or after the day it starts."))
        return data


class OutcomeForm(VersionedForm):
    class Meta:
        model = Outcome
        fields = ["title", "position", "not_applicable", "not_applicable_reason"]
        widgets = {"title": forms.Textarea(attrs={"rows": 3})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("not_applicable") and not data.get("not_applicable_reason", "").strip():
            self.add_error("not_applicable_reason", _("Say why this outcome needs no action."))
        return data


class DriverForm(VersionedForm):
    class Meta:
        model = Driver
        fields = ["title", "position", "areas_for_improvement"]
        widgets = {
            "title": forms.Textarea(attrs={"rows": 3}),
            "areas_for_improvement": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, areas: QuerySet[Finding], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["areas_for_improvement"].queryset = areas  # type: ignore[attr-defined]


class ActionForm(VersionedForm):
    class Meta:
        model = Action
        fields = [
            "title",
            "position",
            "key_measure",
            "lead_responsibility",
            "lead",
            "deputies",
            "linked_plan",
            "linked_plan_version",
            "starts",
            "due",
            "status",
            "latest_progress",
        ]
        widgets = {
            "title": forms.Textarea(attrs={"rows": 3}),
            "key_measure": forms.Textarea(attrs={"rows": 3}),
            "lead_responsibility": forms.Textarea(attrs={"rows": 2}),
            "latest_progress": forms.Textarea(attrs={"rows": 5}),
            "deputies": forms.CheckboxSelectMultiple,
            "starts": DateInput(),
            "due": DateInput(),
        }

    def __init__(self, *args: Any, people: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = people  # type: ignore[attr-defined]
        self.fields["deputies"].queryset = people  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, due = data.get("starts"), data.get("due")
        if starts and due and due < starts:
            self.add_error("due", _("The due date must be on or after the start date."))
        lead = data.get("lead")
        if lead and lead in (data.get("deputies") or []):
            self.add_error("deputies", _("The accountable lead cannot also be a deputy."))
        return data


class MilestoneForm(VersionedForm):
    class Meta:
        model = Milestone
        fields = ["title", "due", "done", "revised_due", "revision_reason"]
        widgets = {
            "due": DateInput(),
            "done": DateInput(),
            "revised_due": DateInput(),
            "revision_reason": forms.TextInput(),
        }
