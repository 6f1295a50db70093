"""The improvement part of an aim's page: its project (or a way to start one) and the audit
learning it arose from, so the link between learning and action is kept both ways."""

from __future__ import annotations

from typing import Any

from django import template

from trellis.improvement import access
from trellis.improvement.models import LearningPoint, Project
from trellis.plans.models import Action

register = template.Library()


@register.inclusion_tag("improvement/_action_improvement.html", takes_context=True)
def action_improvement(context: dict[str, Any], action: Action) -> dict[str, Any]:
    membership = context["request"].membership
    return {
        "partnership": membership.partnership,
        "action": action,
        "project": Project.objects.filter(action=action).only("pk", "aim", "approved_on").first(),
        "learning": list(
            LearningPoint.objects.filter(action=action).select_related("audit__programme")
        ),
        "can_start": access.may_edit_project(membership, action),
    }
