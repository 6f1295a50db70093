"""`{% evidence_for update as listing %}`: the update's evidence as the viewer (the
`membership` in the context) may see it. Used by progress/evidence_list.html."""

from __future__ import annotations

from typing import Any

from django import template

from trellis.progress.evidence import EvidenceListing, evidence_for
from trellis.progress.models import ProgressUpdate

register = template.Library()


@register.simple_tag(name="evidence_for", takes_context=True)
def evidence_for_tag(context: dict[str, Any], update: ProgressUpdate) -> EvidenceListing:
    return evidence_for(update, context.get("membership"))
