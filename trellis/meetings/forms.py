"""Forms for decisions. They only lay out and parse fields; the rules are the services'
(trellis.meetings.services), whose refusals the pages show beside the fields."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trellis.accounts.models import Group, Person
from trellis.forms import DateInput, VersionedForm
from trellis.meetings.models import Decision
from trellis.plans.forms import ActionForm
from trellis.plans.models import Driver, Plan
from trellis.progress.models import Comment

_LABELS = {
    "group": gettext_lazy("Which group decided"),
    "decided_on": gettext_lazy("Date of the decision"),
    "text": gettext_lazy("What was decided"),
    "follow_up": gettext_lazy("What follows"),
    "follow_up_owner": gettext_lazy("Who sees it through"),
    "follow_up_due": gettext_lazy("When it is due"),
    "follow_up_done": gettext_lazy("Date it was done"),
}
_HINTS = {
    "text": gettext_lazy("As the minute records it. Plain text."),
    "follow_up": gettext_lazy(
        "What the group asked for next, for example a report back to its next meeting."
    ),
    "follow_up_done": gettext_lazy("Leave empty until what follows has been done."),
}


class CommentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _("%(author)s, %(date)s: %(start)s") % {
            "author": obj.author,
            "date": obj.created_at.strftime("%-d %B %Y"),
            "start": " ".join(obj.body.split()[:12]),
        }


class DecisionForm(VersionedForm):
    """A new decision. `comments` (a thread's) and `plans` (a measure's) add the field
    that subject needs."""

    class Meta:
        model = Decision
        fields = [
            "group",
            "decided_on",
            "text",
            "follow_up",
            "follow_up_owner",
            "follow_up_due",
        ]
        labels = _LABELS
        help_texts = _HINTS
        widgets = {
            "decided_on": DateInput(),
            "follow_up_due": DateInput(),
            "text": forms.Textarea(attrs={"rows": 4}),
            "follow_up": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(
        self,
        *args: Any,
        groups: QuerySet[Group],
        people: QuerySet[Person],
        comments: QuerySet[Comment] | None = None,
        plans: QuerySet[Plan] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["group"]).queryset = groups
        cast(forms.ModelChoiceField, self.fields["follow_up_owner"]).queryset = people
        if not self.instance.pk:
            self.initial.setdefault("decided_on", timezone.localdate())
        if comments is not None:
            self.fields["comment"] = CommentChoiceField(
                queryset=comments,
                required=False,
                label=_("The challenge it answers"),
                empty_label=_("The thread as a whole"),
            )
            self.fields["comment"].widget.attrs["class"] = "govuk-select"
            self.order_fields(["comment"])
        if plans is not None:
            self.fields["plan"] = forms.ModelChoiceField(
                queryset=plans, label=_("For which plan"), empty_label=None
            )
            self.fields["plan"].widget.attrs["class"] = "govuk-select"
            self.order_fields(["plan"])


class DecisionEditForm(DecisionForm):
    """Correct a decision, or record that what follows has been done."""

    class Meta(DecisionForm.Meta):
        fields = [*DecisionForm.Meta.fields, "follow_up_done"]
        widgets = {**DecisionForm.Meta.widgets, "follow_up_done": DateInput()}


class DriverChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return " ".join(obj.title.split()[:16])


class DecisionActionForm(ActionForm):
    """The improvement aim a decision asks for: the plan's own aim form, with the key
    driver it sits under and the decision's version (the two are saved together)."""

    key_driver = DriverChoiceField(
        queryset=Driver.objects.none(), label=gettext_lazy("Under which key driver")
    )
    decision_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, drivers: QuerySet[Driver], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(DriverChoiceField, self.fields["key_driver"])
        field.queryset = drivers
        field.widget.attrs["class"] = "govuk-select"
        self.order_fields(["key_driver"])
