from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from trellis.accounts.models import Agency, Group, Membership, Person, Role
from trellis.forms import GovukFormMixin, VersionedForm


class SignInForm(GovukFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    # One message for an unknown account and a wrong password, so neither is revealed.
    INVALID = _("Enter a correct e-mail address and password.")

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.person: Person | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        email, password = data.get("email"), data.get("password")
        if email and password:
            person = authenticate(self.request, username=email.lower(), password=password)
            if person is None:
                raise forms.ValidationError(self.INVALID, code="invalid_login")
            self.person = person
        return data


class ResetRequestForm(GovukFormMixin, PasswordResetForm):
    pass


class NewPasswordForm(GovukFormMixin, SetPasswordForm):
    pass


class RoleChoiceField(forms.MultipleChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=Role.choices, widget=forms.CheckboxSelectMultiple, label=_("Roles"), **kwargs
        )


class InviteForm(GovukFormMixin, forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"))
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False)
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(), required=False, label=_("Agency")
    )
    roles = RoleChoiceField()

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]


class MembershipForm(VersionedForm):
    roles = RoleChoiceField()

    class Meta:
        model = Membership
        fields = ["agency", "roles", "is_active"]
        labels = {"is_active": _("Member of this partnership")}

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]


class HandOverForm(GovukFormMixin, forms.Form):
    successor = forms.ModelChoiceField(
        queryset=Person.objects.none(), label=_("Hand their actions to")
    )

    def __init__(self, *args: Any, people: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = people  # type: ignore[attr-defined]


class AgencyForm(VersionedForm):
    class Meta:
        model = Agency
        fields = ["name", "short_name"]


class GroupForm(VersionedForm):
    class Meta:
        model = Group
        fields = ["name", "short_name", "chair"]

    def __init__(self, *args: Any, people: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = people  # type: ignore[attr-defined]
