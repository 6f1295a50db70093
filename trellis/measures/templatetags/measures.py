"""How measures' figures, statuses and verdicts are shown: with their unit, and as tags
whose words carry the meaning (the colour only repeats it)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from trellis.accounts.models import Membership
from trellis.measures.charts import format_value
from trellis.measures.flags import disagreement, reported_rags
from trellis.measures.selectors import (
    Assessment,
    assess,
    measures_of_partnership,
)
from trellis.plans.models import Action
from trellis.progress.models import Rag

register = template.Library()

_STATUS_TAGS = {
    "on-track": "govuk-tag--green",
    "achieved": "govuk-tag--blue",
    "off-track": "govuk-tag--red",
}
_VERDICT_TAGS = {
    "improving": "govuk-tag--blue",
    "deteriorating": "govuk-tag--orange",
    "changing": "govuk-tag--purple",
}


@register.filter
def status_tag_class(status: str) -> str:
    return _STATUS_TAGS.get(status, "govuk-tag--grey")


@register.filter
def verdict_tag_class(verdict: str) -> str:
    return _VERDICT_TAGS.get(verdict, "govuk-tag--grey")


@register.filter
def latest_value(a: Assessment) -> str:
    return format_value(a.latest.value if a.latest else None, a.chart.unit, a.chart.decimals)


@register.filter
def expected_value(a: Assessment) -> str:
    return format_value(a.chart.expected_latest, a.chart.unit, a.chart.decimals)


@register.filter
def figure(value: float | None, a: Assessment) -> str:
    return format_value(value, a.chart.unit, a.chart.decimals)


@register.filter
def last_label(points: Any) -> str:
    valued = [p for p in points if p.value is not None]
    return str(valued[-1].label) if valued else ""


@register.simple_tag
def trend_icon(a: Assessment) -> str:
    """An arrow for the eye and words for everyone: "Up from 52%"."""
    if not a.trend or a.previous is None:
        return "–"
    arrow = {"up": "↑", "down": "↓", "level": "→"}[a.trend]
    was = format_value(a.previous.value, a.chart.unit, a.chart.decimals)
    words = {
        "up": _("Up from %(was)s"),
        "down": _("Down from %(was)s"),
        "level": _("Level at %(was)s"),
    }[a.trend] % {"was": was}
    return format_html('<span aria-hidden="true">{}</span> {}', arrow, words)


@register.inclusion_tag("measures/_action_measures.html", takes_context=True)
def action_measures(context: dict[str, Any], action: Action) -> dict[str, Any]:
    """The measures an aim is evidenced by, with what each says beside the lead's status."""
    membership: Membership | None = context.get("membership")
    assessments = [
        assess(m) for m in measures_of_partnership(action.partnership).filter(actions=action)
    ]
    rag = reported_rags(membership, [action]).get(action.pk) if membership and assessments else None
    return {
        "rows": assessments,
        "reasons": [r for r in (disagreement(rag, a) if rag else None for a in assessments) if r],
        "rag": rag,
        "rag_label": Rag(rag).label if rag else "",
        "partnership": context.get("partnership"),
    }
