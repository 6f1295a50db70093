"""The form a plan owner (or, for the data summary, an analyst) issues a report with."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trellis.forms import GovukFormMixin
from trellis.progress.models import ReportingPeriod
from trellis.reports.registry import REPORTS
from trellis.reports.render import FORMAT_NAMES, get_format


class IssueForm(GovukFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Report"), widget=forms.RadioSelect)
    period = forms.ModelChoiceField(
        label=_("Period"), queryset=ReportingPeriod.objects.none(), empty_label=None
    )
    format = forms.ChoiceField(label=_("Format"), widget=forms.RadioSelect)

    def __init__(
        self, *args: Any, periods: Any, kinds: list[str], default_period: Any = None, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (k, r.title) for k, r in REPORTS.items() if k in kinds
        ]
        self.fields["period"].queryset = periods  # type: ignore[attr-defined]
        formats = [(name, get_format(name).label) for name in FORMAT_NAMES]
        self.fields["format"].choices = formats  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("kind", kinds[0])
            self.initial.setdefault("format", "docx")
            if default_period is not None:
                self.initial.setdefault("period", default_period.pk)
