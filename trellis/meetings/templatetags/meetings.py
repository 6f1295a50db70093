"""Decisions shown on other apps' pages (an aim, its challenge thread, a measure), so those
pages need one line each: `{% load meetings %}{% action_decisions action %}`."""

from __future__ import annotations

from typing import Any

from django import template

from trellis.accounts.models import Membership
from trellis.accounts.policy import Perm, can
from trellis.measures.models import Measure
from trellis.meetings.selectors import decisions_about
from trellis.plans.models import Action

register = template.Library()


def _can_record(context: Any) -> bool:
    membership: Membership | None = context.get("membership")
    return can(membership, Perm.RECORD_DECISION)


@register.inclusion_tag("meetings/_decisions.html", takes_context=True)
def action_decisions(context: Any, action: Action) -> dict[str, Any]:
    """The decisions about an aim and its thread, and those that created it (one query)."""
    return {
        "action": action,
        "entries": decisions_about(context["partnership"], action_id=action.pk),
        "can_record": _can_record(context),
        "partnership": context.get("partnership"),
    }


@register.inclusion_tag("meetings/_decisions.html", takes_context=True)
def measure_decisions(context: Any, measure: Measure) -> dict[str, Any]:
    return {
        "measure": measure,
        "entries": decisions_about(context["partnership"], measure_id=measure.pk),
        "can_record": _can_record(context),
        "partnership": context.get("partnership"),
    }


@register.inclusion_tag("meetings/_thread_link.html", takes_context=True)
def thread_decision_link(context: Any, action: Action) -> dict[str, Any]:
    return {
        "action": action,
        "can_record": _can_record(context),
        "partnership": context.get("partnership"),
    }
